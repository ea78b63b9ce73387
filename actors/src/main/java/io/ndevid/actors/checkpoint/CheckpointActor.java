package io.ndevid.actors.checkpoint;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.status.ActorStatus;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ReceivedTensor;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.actors.transport.TransferRetry;
import io.ndevid.metrics.protocol.FinalMetrics;
import io.ndevid.training.checkpoint.Checkpoint;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.run.RunFolder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The experiment store's checkpoint keeper (next to the data, on the coordinator node): copies a finished trial's
 * newest checkpoint to {@code <data-dir>/<experiment>/checkpoints/<trial>.ckpt}, verified by {@link CheckpointIO}
 * (magic, length, CRC32C) and written atomically, and answers where it put it.
 *
 * <p>Two ways in: {@link Export} reads the run folder directly (the data directory is shared, as in one host or an
 * NFS mount); {@link StoreTransfer} takes the checkpoint's bytes over Aeron (a trainer on another host sends the file
 * as a {@code uint8} tensor on the channel {@link GetUploadChannel} names, then the descriptor in this message) —
 * only when this actor was created with an {@link AeronNode}. File I/O and transfers run off the actor's thread.
 */
public final class CheckpointActor extends AbstractBehavior<CheckpointActor.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-checkpoint-store");

    public sealed interface Command {}

    /** Copy the newest checkpoint of a run folder into the store. */
    public record Export(String experimentId, String trial, String runDir, ActorRef<Reply> replyTo)
            implements Command, CborSerializable {}

    /** Where to send checkpoint bytes over Aeron (replies {@link UploadChannel}). */
    public record GetUploadChannel(ActorRef<UploadChannel> replyTo) implements Command, CborSerializable {}

    /**
     * {@code channel} is null when this store takes no transfers. {@code storeId} is also written to
     * {@code <dataDir>/.ndevid-stores/<storeId>} ({@link #storeIdFile}): a trainer that reads the same id there shares
     * the data directory. One file per store: several coordinator nodes sharing a directory each run a store.
     */
    public record UploadChannel(String channel, int streamId, String storeId, String dataDir)
            implements CborSerializable {
        public UploadChannel(String channel, int streamId) {
            this(channel, streamId, null, null);
        }
    }

    /** What a transferred file is: the final checkpoint, the best-IS checkpoint, or {@code final-metrics.json}. */
    public static final String FINAL = "final";
    public static final String BEST = "best";
    public static final String METRICS = "metrics";

    /**
     * A file sent over Aeron as a {@code uint8} tensor; stored once it arrived and verified. {@code kind} is
     * {@link #FINAL}, {@link #BEST} or {@link #METRICS}; chunks that fail their CRC or go missing are asked again
     * from {@code resendTo} (up to {@code maxResends} times, {@link io.ndevid.actors.transport.TransferRetry}).
     */
    public record StoreTransfer(String experimentId, String trial, String kind, TensorDescriptor descriptor,
                                ActorRef<ResendRequest> resendTo, ActorRef<Reply> replyTo)
            implements Command, CborSerializable {
        public StoreTransfer(String experimentId, String trial, TensorDescriptor descriptor, ActorRef<Reply> replyTo) {
            this(experimentId, trial, FINAL, descriptor, null, replyTo);
        }
    }

    /** The store asks the sender to resend {@code chunks} (all when empty) of transfer {@code transferId}. */
    public record ResendRequest(long transferId, int[] chunks) implements CborSerializable {
        @Override
        public boolean equals(Object o) {
            return o instanceof ResendRequest r && r.transferId == transferId && java.util.Arrays.equals(r.chunks, chunks);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(transferId) * 31 + java.util.Arrays.hashCode(chunks);
        }

        @Override
        public String toString() {
            return "ResendRequest[" + transferId + ", " + java.util.Arrays.toString(chunks) + "]";
        }
    }

    /** How often a transfer may be resent before it fails. */
    public static final int MAX_RESENDS = 3;

    public sealed interface Reply extends CborSerializable {}

    public record Stored(String experimentId, String trial, String path, long iteration, long bytes)
            implements Reply {}

    public record Failed(String experimentId, String trial, String reason) implements Reply {}

    private record Done(Reply reply, ActorRef<Reply> replyTo) implements Command {}

    private enum StatusTick implements Command { INSTANCE }

    private static final com.fasterxml.jackson.databind.ObjectMapper METRICS_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final ActorContext<Command> context;
    private final Path dataDir;
    private final TensorReceiver receiver;
    private final ActorStatus status;
    /** Files being copied or received. */
    private int pendingFiles;
    private String lastTrial;
    private String lastExperiment;
    private final String storeId = java.util.UUID.randomUUID().toString();
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "checkpoint-store-io");
        t.setDaemon(true);
        return t;
    });

    /** A store that copies from shared run folders only. */
    public static Behavior<Command> create(Path dataDir) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new CheckpointActor(ctx, timers, dataDir,
                null)));
    }

    /** A store that also takes checkpoints over Aeron on {@code channel}/{@code streamId}. */
    public static Behavior<Command> create(Path dataDir, AeronNode aeron, String channel, int streamId) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new CheckpointActor(ctx, timers, dataDir,
                aeron.newReceiver(channel, streamId))));
    }

    private CheckpointActor(ActorContext<Command> context,
                            akka.actor.typed.javadsl.TimerScheduler<Command> timers, Path dataDir,
                            TensorReceiver receiver) {
        super(context);
        this.context = context;
        this.dataDir = dataDir;
        this.receiver = receiver;
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "checkpoint-store");
        if (receiver != null) {
            // first chunk to assembled tensor, per file received over Aeron
            status.latency("transfer", receiver.assemblyLatency());
        }
        try {
            Files.createDirectories(dataDir);
            Path id = storeIdFile(dataDir, storeId);
            Files.createDirectories(id.getParent());
            Path tmp = id.resolveSibling(storeId + ".tmp");
            Files.writeString(tmp, storeId);
            Files.move(tmp, id, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            context.getLog().warn("cannot write {}/{} in {}: {}", STORE_ID_DIR, storeId, dataDir, e.getMessage());
        }
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    }

    /**
     * The folder in the data directory where each store leaves a file named by its id (trainers look for it to tell
     * a shared directory). A file per store, not one for all: with two coordinator nodes on one shared directory, the
     * second store's id must not hide the first one's (its trainers would ship over Aeron what they could copy).
     */
    public static final String STORE_ID_DIR = ".ndevid-stores";

    /** The file that names store {@code storeId} in {@code dataDir}. */
    public static Path storeIdFile(Path dataDir, String storeId) {
        if (!storeId.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("bad store id '" + storeId + "'");
        }
        return dataDir.resolve(STORE_ID_DIR).resolve(storeId);
    }

    /** Where a trial's best-IS checkpoint is stored. */
    public static Path storedBestPath(Path dataDir, String experimentId, String trial) {
        return dataDir.resolve(experimentId).resolve("checkpoints").resolve(trial + ".best.bin");
    }

    /** Where a trial's {@code final-metrics.json} is stored. */
    public static Path storedMetricsPath(Path dataDir, String experimentId, String trial) {
        return storedDir(dataDir, experimentId).resolve(trial + ".final-metrics.json");
    }

    /** Where a trial's checkpoint is stored. */
    public static Path storedPath(Path dataDir, String experimentId, String trial) {
        return storedDir(dataDir, experimentId).resolve(trial + ".ckpt");
    }

    /** The folder of an experiment's stored checkpoints (and their final metrics). */
    public static Path storedDir(Path dataDir, String experimentId) {
        return dataDir.resolve(experimentId).resolve("checkpoints");
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Export.class, this::onExport)
                .onMessage(GetUploadChannel.class, g -> {
                    status.touch();
                    g.replyTo().tell(receiver == null
                            ? new UploadChannel(null, 0, storeId, dataDir.toAbsolutePath().toString())
                            : new UploadChannel(receiver.channel(), receiver.streamId(), storeId,
                                    dataDir.toAbsolutePath().toString()));
                    return this;
                })
                .onMessage(StoreTransfer.class, this::onTransfer)
                .onMessageEquals(StatusTick.INSTANCE, () -> {
                    status.publish(pendingFiles > 0 ? "storing" : "idle", pendingFiles, null, null,
                            lastExperiment, lastTrial);
                    return this;
                })
                .onMessage(Done.class, d -> {
                    pendingFiles--;
                    if (d.reply() instanceof Failed f) {
                        context.getLog().warn("checkpoint of {} / {} not stored: {}", f.experimentId(), f.trial(),
                                f.reason());
                    }
                    d.replyTo().tell(d.reply());
                    return this;
                })
                .onSignal(akka.actor.typed.PostStop.class, s -> {
                    io.shutdown();
                    try {
                        Files.deleteIfExists(storeIdFile(dataDir, storeId));
                    } catch (IOException e) {
                        context.getLog().debug("cannot remove the store id file: {}", e.getMessage());
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Command> onExport(Export e) {
        status.touch();
        CompletableFuture<Reply> work = CompletableFuture.supplyAsync(() -> {
            Optional<Path> newest = new RunFolder(Path.of(e.runDir())).latestCheckpoint();
            if (newest.isEmpty()) {
                return new Failed(e.experimentId(), e.trial(), "no checkpoint in " + e.runDir());
            }
            return store(e.experimentId(), e.trial(), CheckpointIO.read(newest.get()));
        }, io);
        reply(work, e.experimentId(), e.trial(), e.replyTo());
        return this;
    }

    private Behavior<Command> onTransfer(StoreTransfer t) {
        status.touch();
        if (receiver == null) {
            t.replyTo().tell(new Failed(t.experimentId(), t.trial(), "this checkpoint store takes no transfers"));
            return this;
        }
        String kind = t.kind() == null ? FINAL : t.kind();
        if (!kind.equals(FINAL) && !kind.equals(BEST) && !kind.equals(METRICS)) {
            t.replyTo().tell(new Failed(t.experimentId(), t.trial(), "unknown transfer kind " + kind));
            return this;
        }
        ActorRef<ResendRequest> resendTo = t.resendTo();
        CompletionStage<ReceivedTensor> arrived = resendTo == null ? receiver.expect(t.descriptor())
                : TransferRetry.receive(receiver, t.descriptor(), MAX_RESENDS, failure -> {
                    context.getLog().info("{} / {} {}: asking for a resend: {}", t.experimentId(), t.trial(), kind,
                            failure.getMessage());
                    resendTo.tell(new ResendRequest(t.descriptor().transferId(),
                            failure.missingChunks() == null ? new int[0] : failure.missingChunks()));
                }, io);
        CompletionStage<Reply> work = arrived.thenApplyAsync((ReceivedTensor r) -> {
            Path tmp = null;
            try {
                Path target = switch (kind) {
                    case BEST -> storedBestPath(dataDir, t.experimentId(), t.trial());
                    case METRICS -> storedMetricsPath(dataDir, t.experimentId(), t.trial());
                    default -> storedPath(dataDir, t.experimentId(), t.trial());
                };
                Path dir = target.getParent();
                Files.createDirectories(dir);
                tmp = Files.createTempFile(dir, ".incoming-", ".part");
                ByteBuffer payload = r.payload();
                byte[] bytes = new byte[payload.remaining()];
                payload.get(bytes);
                Files.write(tmp, bytes);
                if (kind.equals(METRICS)) {
                    // must be final metrics (a JSON object, FinalMetrics' format); then fsync'd and moved into place
                    FinalMetrics.fromJson(METRICS_JSON.readTree(bytes));
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                            java.nio.file.StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                    Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    return new Stored(t.experimentId(), t.trial(), target.toString(), -1, bytes.length);
                }
                // CheckpointIO verifies files: land the bytes in a temporary file and read that back
                Checkpoint c = CheckpointIO.read(tmp);
                if (kind.equals(BEST)) {
                    CheckpointIO.write(target, c);
                    return new Stored(t.experimentId(), t.trial(), target.toString(), c.iteration(),
                            Files.size(target));
                }
                return store(t.experimentId(), t.trial(), c);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // a stray temporary file; the store itself is intact
                    }
                }
            }
        }, io);
        reply(work, t.experimentId(), t.trial(), t.replyTo());
        return this;
    }

    private Reply store(String experimentId, String trial, Checkpoint c) {
        Path target = storedPath(dataDir, experimentId, trial);
        CheckpointIO.write(target, c);
        try {
            return new Stored(experimentId, trial, target.toString(), c.iteration(), Files.size(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void reply(CompletionStage<Reply> work, String experimentId, String trial, ActorRef<Reply> replyTo) {
        pendingFiles++;
        lastExperiment = experimentId;
        lastTrial = trial;
        long started = System.nanoTime();
        context.pipeToSelf(work, (ok, failure) -> {
            status.latency("store").record(System.nanoTime() - started);
            if (failure == null) {
                return new Done(ok, replyTo);
            }
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            return new Done(new Failed(experimentId, trial, cause.getMessage() == null ? cause.toString()
                    : cause.getMessage()), replyTo);
        });
    }
}

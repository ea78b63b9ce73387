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
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ReceivedTensor;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorReceiver;
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

    /** {@code channel} is null when this store takes no transfers. */
    public record UploadChannel(String channel, int streamId) implements CborSerializable {}

    /** A checkpoint file sent over Aeron as a {@code uint8} tensor; store it once it arrived and verified. */
    public record StoreTransfer(String experimentId, String trial, TensorDescriptor descriptor,
                                ActorRef<Reply> replyTo) implements Command, CborSerializable {}

    public sealed interface Reply extends CborSerializable {}

    public record Stored(String experimentId, String trial, String path, long iteration, long bytes)
            implements Reply {}

    public record Failed(String experimentId, String trial, String reason) implements Reply {}

    private record Done(Reply reply, ActorRef<Reply> replyTo) implements Command {}

    private final ActorContext<Command> context;
    private final Path dataDir;
    private final TensorReceiver receiver;
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "checkpoint-store-io");
        t.setDaemon(true);
        return t;
    });

    /** A store that copies from shared run folders only. */
    public static Behavior<Command> create(Path dataDir) {
        return Behaviors.setup(ctx -> new CheckpointActor(ctx, dataDir, null));
    }

    /** A store that also takes checkpoints over Aeron on {@code channel}/{@code streamId}. */
    public static Behavior<Command> create(Path dataDir, AeronNode aeron, String channel, int streamId) {
        return Behaviors.setup(ctx -> new CheckpointActor(ctx, dataDir, aeron.newReceiver(channel, streamId)));
    }

    private CheckpointActor(ActorContext<Command> context, Path dataDir, TensorReceiver receiver) {
        super(context);
        this.context = context;
        this.dataDir = dataDir;
        this.receiver = receiver;
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    }

    /** Where a trial's checkpoint is stored. */
    public static Path storedPath(Path dataDir, String experimentId, String trial) {
        return dataDir.resolve(experimentId).resolve("checkpoints").resolve(trial + ".ckpt");
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Export.class, this::onExport)
                .onMessage(GetUploadChannel.class, g -> {
                    g.replyTo().tell(receiver == null ? new UploadChannel(null, 0)
                            : new UploadChannel(receiver.channel(), receiver.streamId()));
                    return this;
                })
                .onMessage(StoreTransfer.class, this::onTransfer)
                .onMessage(Done.class, d -> {
                    if (d.reply() instanceof Failed f) {
                        context.getLog().warn("checkpoint of {} / {} not stored: {}", f.experimentId(), f.trial(),
                                f.reason());
                    }
                    d.replyTo().tell(d.reply());
                    return this;
                })
                .onSignal(akka.actor.typed.PostStop.class, s -> {
                    io.shutdown();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onExport(Export e) {
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
        if (receiver == null) {
            t.replyTo().tell(new Failed(t.experimentId(), t.trial(), "this checkpoint store takes no transfers"));
            return this;
        }
        CompletionStage<Reply> work = receiver.expect(t.descriptor()).thenApplyAsync((ReceivedTensor r) -> {
            Path tmp = null;
            try {
                // CheckpointIO verifies files: land the bytes in a temporary file and read that back
                Path dir = storedPath(dataDir, t.experimentId(), t.trial()).getParent();
                Files.createDirectories(dir);
                tmp = Files.createTempFile(dir, ".incoming-", ".ckpt");
                ByteBuffer payload = r.payload();
                byte[] bytes = new byte[payload.remaining()];
                payload.get(bytes);
                Files.write(tmp, bytes);
                return store(t.experimentId(), t.trial(), CheckpointIO.read(tmp));
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
        context.pipeToSelf(work, (ok, failure) -> {
            if (failure == null) {
                return new Done(ok, replyTo);
            }
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            return new Done(new Failed(experimentId, trial, cause.getMessage() == null ? cause.toString()
                    : cause.getMessage()), replyTo);
        });
    }
}

package io.ndevid.actors.checkpoint;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ChunkFilter;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorSender;
import io.ndevid.actors.transport.TransferException;
import io.ndevid.metrics.protocol.FinalMetrics;
import io.ndevid.training.run.RunFolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The trainer side of shipping a finished trial to the experiment store over Aeron: the final checkpoint, the
 * best-IS checkpoint ({@code checkpoints/best.bin}) and {@code final-metrics.json} when present. Each file goes as a
 * {@code uint8} tensor to the store's receiver ({@link CheckpointActor.GetUploadChannel}); the descriptor goes in a
 * {@link CheckpointActor.StoreTransfer}; the store asks for resends of chunks that failed their CRC or went missing
 * ({@link CheckpointActor.ResendRequest}), verifies, writes atomically and answers
 * {@link CheckpointActor.Stored}. {@link #ship} blocks (it runs on the trial's thread) and returns once the store
 * has every file, or throws.
 *
 * <p>{@link Mode}: {@code shared-fs} never ships (the coordinator copies from the shared run folder); {@code aeron}
 * always ships; {@code auto} ships unless the store's id file is visible in the store's data directory from here.
 */
public final class CheckpointShipper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointShipper.class);

    /** {@code ndevid.store.transfer}. */
    public enum Mode {
        AUTO, AERON, SHARED_FS;

        public static Mode parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "aeron" -> AERON;
                case "shared-fs", "shared" -> SHARED_FS;
                default -> throw new IllegalArgumentException("ndevid.store.transfer must be auto, aeron or "
                        + "shared-fs, got '" + s + "'");
            };
        }
    }

    /** One file the store now holds. */
    public record ShippedFile(String kind, String path, long bytes, long nanos) {}

    /** What {@link #ship} did: {@code files} is empty when it skipped (shared data directory). */
    public record Shipped(List<ShippedFile> files) {
        public String finalPath() {
            return files.stream().filter(f -> f.kind().equals(CheckpointActor.FINAL)).map(ShippedFile::path)
                    .findFirst().orElse(null);
        }
    }

    private record Pending(TensorSender sender, TensorDescriptor descriptor, ByteBuffer payload) {}

    private final ActorSystem<?> system;
    private final Mode mode;
    private final Supplier<AeronNode> aeronFactory;
    private final ChunkFilter filter;
    private final Duration timeout;
    private final Map<String, TensorSender> senders = new HashMap<>();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final ExecutorService resender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "checkpoint-resend");
        t.setDaemon(true);
        return t;
    });
    private final ActorRef<CheckpointActor.ResendRequest> resendRef;
    private final io.ndevid.actors.transport.LatencyStats transferLatency =
            new io.ndevid.actors.transport.LatencyStats("transfer");
    private final java.util.concurrent.atomic.AtomicLong bytesShipped = new java.util.concurrent.atomic.AtomicLong();
    private AeronNode aeron;

    /**
     * @param aeronFactory the Aeron node to send with, made on the first transfer (closed with this shipper)
     * @param filter       fault injection for tests, else null
     * @param timeout      how long one file may take to be stored (resends included)
     */
    public CheckpointShipper(ActorSystem<?> system, Mode mode, Supplier<AeronNode> aeronFactory, ChunkFilter filter,
                             Duration timeout) {
        this.system = system;
        this.mode = mode;
        this.aeronFactory = aeronFactory;
        this.filter = filter;
        this.timeout = timeout;
        this.resendRef = mode == Mode.SHARED_FS ? null : system.systemActorOf(
                Behaviors.receive(CheckpointActor.ResendRequest.class).onMessage(CheckpointActor.ResendRequest.class,
                        r -> {
                            resender.execute(() -> resend(r));
                            return Behaviors.same();
                        }).build(), "checkpoint-resend-" + UUID.randomUUID(), Props.empty());
    }

    public Mode mode() {
        return mode;
    }

    /** Time from reading a file to the store's acknowledgement, per shipped file (for the status console). */
    public io.ndevid.actors.transport.LatencyStats transferLatency() {
        return transferLatency;
    }

    /** Bytes of files the store acknowledged. */
    public long bytesShipped() {
        return bytesShipped.get();
    }

    private void resend(CheckpointActor.ResendRequest r) {
        Pending p = pending.get(r.transferId());
        if (p == null) {
            return;
        }
        try {
            p.sender().resend(p.descriptor(), p.payload().duplicate(), r.chunks() == null ? new int[0] : r.chunks());
            LOG.info("resent {} chunk(s) of {}", r.chunks() == null || r.chunks().length == 0 ? "all"
                    : r.chunks().length, p.descriptor().name());
        } catch (RuntimeException e) {
            LOG.warn("resend of {} failed: {}", p.descriptor().name(), e.toString());
        }
    }

    /**
     * Ships the trial's files to the store and returns what it holds now; skips (empty) when the data directory is
     * shared (mode {@code shared-fs}, or {@code auto} and the store's id file is visible here).
     *
     * @throws Exception when there is no store, no checkpoint, or a transfer failed after its resends
     */
    public Shipped ship(String experimentId, String trial, Path runDir) throws Exception {
        if (mode == Mode.SHARED_FS) {
            return new Shipped(List.of());
        }
        Reached reached = reachStore();
        ActorRef<CheckpointActor.Command> store = reached.store();
        CheckpointActor.UploadChannel up = reached.up();
        if (mode == Mode.AUTO && sharesDataDir(up)) {
            return new Shipped(List.of());
        }
        if (up.channel() == null) {
            throw new IllegalStateException("the checkpoint store takes no transfers (its node runs with "
                    + "ndevid.store.transfer = shared-fs) and does not share this trainer's data directory");
        }
        RunFolder run = new RunFolder(runDir);
        Optional<Path> last = run.latestCheckpoint();
        if (last.isEmpty()) {
            throw new IllegalStateException("no checkpoint in " + runDir + " to ship");
        }
        List<ShippedFile> done = new ArrayList<>();
        done.add(shipFile(store, up, experimentId, trial, CheckpointActor.FINAL, last.get()));
        if (Files.isRegularFile(run.bestCheckpoint())) {
            done.add(shipFile(store, up, experimentId, trial, CheckpointActor.BEST, run.bestCheckpoint()));
        }
        Path metrics = FinalMetrics.in(runDir);
        if (Files.isRegularFile(metrics)) {
            done.add(shipFile(store, up, experimentId, trial, CheckpointActor.METRICS, metrics));
        }
        for (ShippedFile f : done) {
            // one line per file shipped, next to the trial's stats (transfer latencies for benchmarks)
            run.appendJsonLine(runDir.resolve(TRANSFERS_FILE), Map.of("experiment", experimentId, "trial", trial,
                    "kind", f.kind(), "bytes", f.bytes(), "ms", f.nanos() / 1e6, "stored", f.path(),
                    "time", java.time.Instant.now().toString()));
        }
        return new Shipped(List.copyOf(done));
    }

    /** {@code <runDir>/transfers.jsonl}: what was shipped to the store, how big, how long it took. */
    public static final String TRANSFERS_FILE = "transfers.jsonl";

    /** Whether this process sees {@code up}'s store id file in the store's data directory (i.e. shares it). */
    static boolean sharesDataDir(CheckpointActor.UploadChannel up) {
        if (up.storeId() == null || up.dataDir() == null) {
            return false;
        }
        try {
            Path id = CheckpointActor.storeIdFile(Path.of(up.dataDir()), up.storeId());
            return Files.isRegularFile(id) && Files.readString(id).trim().equals(up.storeId());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private record Reached(ActorRef<CheckpointActor.Command> store, CheckpointActor.UploadChannel up) {}

    /**
     * Asks every listed store at once for its upload channel and takes the first that answers: each coordinator
     * node runs a store, and while a dead node is being downed its store is still listed but silent (asking it alone
     * would fail the trial's end after the timeout).
     */
    private Reached reachStore() throws Exception {
        Set<ActorRef<CheckpointActor.Command>> stores = findStores();
        CompletableFuture<Reached> first = new CompletableFuture<>();
        AtomicInteger failed = new AtomicInteger();
        for (ActorRef<CheckpointActor.Command> store : stores) {
            AskPattern.<CheckpointActor.Command, CheckpointActor.UploadChannel>ask(store,
                    CheckpointActor.GetUploadChannel::new, timeout, system.scheduler()).whenComplete((up, e) -> {
                        if (e == null) {
                            first.complete(new Reached(store, up));
                        } else if (failed.incrementAndGet() == stores.size()) {
                            first.completeExceptionally(new IllegalStateException("no checkpoint store of "
                                    + stores.size() + " answered within " + timeout.toSeconds() + " s", e));
                        }
                    });
        }
        try {
            return first.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        }
    }

    private Set<ActorRef<CheckpointActor.Command>> findStores() throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Receptionist.Listing l = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                    system.receptionist(), r -> Receptionist.find(CheckpointActor.SERVICE_KEY, r), timeout,
                    system.scheduler()).toCompletableFuture().get();
            Set<ActorRef<CheckpointActor.Command>> stores = l.getServiceInstances(CheckpointActor.SERVICE_KEY);
            if (!stores.isEmpty()) {
                return stores;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no checkpoint store in the cluster within " + timeout.toSeconds()
                        + " s");
            }
            Thread.sleep(200);
        }
    }

    private synchronized TensorSender sender(CheckpointActor.UploadChannel up) throws InterruptedException {
        if (aeron == null) {
            aeron = aeronFactory.get();
        }
        String key = up.channel() + "#" + up.streamId();
        TensorSender s = senders.get(key);
        if (s == null) {
            s = aeron.newSender(up.channel(), up.streamId(), filter);
            senders.put(key, s);
        }
        long deadline = System.nanoTime() + aeron.settings().connectTimeout().toNanos();
        while (!s.isConnected() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return s;
    }

    private ShippedFile shipFile(ActorRef<CheckpointActor.Command> store, CheckpointActor.UploadChannel up,
                                 String experimentId, String trial, String kind, Path file) throws Exception {
        long t0 = System.nanoTime();
        byte[] bytes = Files.readAllBytes(file);
        TensorSender s = sender(up);
        ByteBuffer payload = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        String name = experimentId + "/" + trial + "/" + kind;
        TensorDescriptor d = s.describe(name, new long[] {bytes.length}, "uint8", payload.duplicate());
        pending.put(d.transferId(), new Pending(s, d, payload));
        try {
            try {
                s.send(d, payload.duplicate());
            } catch (TransferException e) {
                if (!e.retryable()) {
                    throw e;
                }
                // the store's resend requests (or its receive timeout) settle it
                LOG.warn("first send of {} failed ({}); relying on resends", name, e.getMessage());
            }
            CheckpointActor.Reply reply = AskPattern.<CheckpointActor.Command, CheckpointActor.Reply>ask(store,
                    r -> new CheckpointActor.StoreTransfer(experimentId, trial, kind, d, resendRef, r), timeout,
                    system.scheduler()).toCompletableFuture().get();
            if (reply instanceof CheckpointActor.Failed f) {
                throw new IllegalStateException("the store refused " + kind + " of " + trial + ": " + f.reason());
            }
            CheckpointActor.Stored st = (CheckpointActor.Stored) reply;
            long nanos = System.nanoTime() - t0;
            transferLatency.record(nanos);
            bytesShipped.addAndGet(bytes.length);
            LOG.info("shipped {} ({} bytes) to the store in {} ms: {}", name, bytes.length, nanos / 1_000_000,
                    st.path());
            return new ShippedFile(kind, st.path(), bytes.length, nanos);
        } finally {
            pending.remove(d.transferId());
        }
    }

    @Override
    public synchronized void close() {
        senders.values().forEach(TensorSender::close);
        senders.clear();
        resender.shutdownNow();
        if (aeron != null) {
            aeron.close();
            aeron = null;
        }
    }
}

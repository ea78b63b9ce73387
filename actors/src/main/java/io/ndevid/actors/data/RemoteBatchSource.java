package io.ndevid.actors.data;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.transport.ReceivedTensor;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.training.data.ClipShape;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.spec.TrialSpec;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A trial's training batches from a {@link DataLoaderActor} (found through the Receptionist), usually in a loader
 * process: batch {@code k} is asked for with its stream's seed and index, its videos arrive over Aeron on this
 * source's own {@link TensorReceiver} (chunk and payload CRC32C checked by the transfer layer), its labels in the
 * Akka reply. Since the loader computes batch {@code k} exactly as the in-process loader does, the losses are the
 * same bit for bit.
 *
 * <p><b>Back-pressure.</b> At most {@link Settings#readAhead()} batches are requested and not yet handed to the loop.
 *
 * <p><b>Failures.</b> A batch whose loader is no longer registered (it stopped, or its process died and the member
 * was downed: checked every {@link #LIVENESS_CHECK} while waiting), that fails its transfer checks, or that does not
 * arrive within {@link Settings#requestTimeout()} (a stuck loader) is asked for again — with everything after it — from the loader the
 * Receptionist lists then (another one first), up to {@link Settings#attempts()} attempts. After that the source
 * either reads the rest of the stream in this process, from that very batch (so the losses still do not change),
 * logging why, or — without {@link Settings#localFallback()} — fails with a {@link RemoteDataException} that ends the
 * trial as failed.
 *
 * <p>Used by the trainer loop's thread only; the futures complete on Akka's and the receiver's threads, and nothing
 * numeric (the copy into the {@code float[]}) happens there.
 */
public final class RemoteBatchSource implements TrainingBatchSource {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteBatchSource.class);
    /** While waiting for a batch, how often to check that its loader is still registered. */
    static final Duration LIVENESS_CHECK = Duration.ofSeconds(1);

    /**
     * @param readAhead      batches requested ahead of the loop (≥ 1)
     * @param requestTimeout request → batch verified in hand, per batch and attempt
     * @param findTimeout    how long to wait for a loader to be registered
     * @param attempts       attempts per batch on loaders (≥ 1) before the fallback or the failure
     * @param localFallback  read in this process when every attempt failed (else fail the trial)
     */
    public record Settings(int readAhead, Duration requestTimeout, Duration findTimeout, int attempts,
                           boolean localFallback) {
        public Settings {
            if (readAhead < 1 || attempts < 1) {
                throw new IllegalArgumentException("remote data needs read-ahead ≥ 1 and attempts ≥ 1");
            }
        }

        public static Settings defaults() {
            return new Settings(2, Duration.ofSeconds(60), Duration.ofSeconds(30), 2, true);
        }
    }

    /** The loaders failed and there is no fallback; the message says which batch and why. */
    public static final class RemoteDataException extends RuntimeException {
        RemoteDataException(String message) {
            super(message);
        }
    }

    /** @param nanos when the verified tensor was in hand ({@link System#nanoTime()}) */
    private record Arrived(DataLoaderActor.BatchSent sent, ReceivedTensor tensor, long nanos) {}

    private record Pending(long index, long issuedNanos, CompletableFuture<Arrived> future) {}

    private final ActorSystem<?> system;
    private final TensorReceiver receiver;
    private final TrialSpec spec;
    private final DataLoaderActor.DataKey key;
    private final Settings settings;
    private final TrainingBatchSource.Opener fallback;
    private final Recorder latency;
    private final Runnable onClose;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private ActorRef<DataLoaderActor.Command> loader;
    private long next;
    private long nextToRequest;
    private long remoteBatches;
    private TrainingBatchSource local;
    private String fallbackReason;
    private boolean closed;

    /**
     * @param receiver where the loader sends the videos (this source's own stream while it is open)
     * @param first    the first batch the loop asks for (the iteration it starts at)
     * @param fallback opens the in-process stream when the loaders fail (used only with {@code localFallback})
     * @param latency  records request → batch verified in hand (not counting the time it then waits for the loop),
     *                 in nanoseconds (may be null)
     * @param onClose  runs when the source closes (e.g. hands the receiver back to a pool; may be null)
     */
    public RemoteBatchSource(ActorSystem<?> system, TensorReceiver receiver, TrialSpec spec, long first,
                             Settings settings, TrainingBatchSource.Opener fallback, Recorder latency,
                             Runnable onClose) {
        this.system = system;
        this.receiver = receiver;
        this.spec = spec;
        this.key = DataLoaderActor.DataKey.of(spec);
        this.settings = settings;
        this.fallback = fallback;
        this.latency = latency;
        this.onClose = onClose;
        this.next = first;
        this.nextToRequest = first;
    }

    /** Batches that came from a loader so far. */
    public long remoteBatches() {
        return remoteBatches;
    }

    /** Why the source switched to in-process loading, or null while it has not. */
    public String fallbackReason() {
        return fallbackReason;
    }

    @Override
    public HostBatch next() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("remote batch source of " + spec.name() + " is closed");
        }
        if (local != null) {
            next++;
            return local.next();
        }
        String lastFailure = null;
        ActorRef<DataLoaderActor.Command> failed = null;
        for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
            try {
                if (loader == null) {
                    loader = findLoader(failed);
                }
                fill(true);
                Pending p = inFlight.peekFirst();
                Arrived a = await(p);
                inFlight.pollFirst();
                HostBatch batch = toHostBatch(a);
                if (latency != null) {
                    latency.recordValue(Math.max(1, a.nanos() - p.issuedNanos()));
                }
                remoteBatches++;
                next++;
                fill(false);
                return batch;
            } catch (ExecutionException e) {
                lastFailure = describe(e.getCause() == null ? e : e.getCause());
            } catch (TimeoutException e) {
                lastFailure = "no batch within " + settings.requestTimeout().toMillis() + " ms";
            } catch (RemoteDataException e) {
                lastFailure = e.getMessage();
            }
            LOG.warn("trial {}: batch {} from data loader {} failed (attempt {} of {}): {}", spec.name(), next,
                    loader == null ? "(none)" : loader.path(), attempt, settings.attempts(), lastFailure);
            failed = loader;
            loader = null;
            dropInFlight();
        }
        String reason = "batch " + next + " of trial " + spec.name() + " failed on the data loaders ("
                + settings.attempts() + " attempts): " + lastFailure;
        if (!settings.localFallback()) {
            throw new RemoteDataException(reason);
        }
        fallbackReason = reason;
        LOG.warn("{}; reading the data in this process from batch {} on (the same batches)", reason, next);
        local = fallback.open(spec, next);
        next++;
        return local.next();
    }

    /**
     * The batch, waiting up to requestTimeout in slices of {@link #LIVENESS_CHECK}: after each slice the loader must
     * still be registered, so a loader that stops or whose process dies (its member is downed) fails the batch in a
     * second or two rather than at the timeout.
     */
    private Arrived await(Pending p) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = p.issuedNanos() + settings.requestTimeout().toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return p.future().get(0, TimeUnit.NANOSECONDS); // done at the last moment, or the timeout
            }
            try {
                return p.future().get(Math.min(left, LIVENESS_CHECK.toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (!registered(loader)) {
                    throw new RemoteDataException("data loader " + loader.path() + " is gone (no longer registered)");
                }
            }
        }
    }

    /** Whether the Receptionist lists {@code ref} now (true when it cannot tell). */
    private boolean registered(ActorRef<DataLoaderActor.Command> ref) throws InterruptedException {
        try {
            return find().contains(ref);
        } catch (ExecutionException | TimeoutException e) {
            return true;
        }
    }

    private Set<ActorRef<DataLoaderActor.Command>> find()
            throws InterruptedException, ExecutionException, TimeoutException {
        Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                        system.receptionist(), r -> Receptionist.find(DataLoaderActor.SERVICE_KEY, r),
                        Duration.ofSeconds(5), system.scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return listing.getServiceInstances(DataLoaderActor.SERVICE_KEY);
    }

    /**
     * Keeps {@code readAhead} requests in flight: batches next … next + readAhead − 1, none past the trial's last
     * iteration unless {@code needNext} (the loop is asking for batch {@code next}, whatever the spec says).
     */
    private void fill(boolean needNext) {
        if (nextToRequest < next) {
            nextToRequest = next;
        }
        long limit = Math.min(next + settings.readAhead(), spec.iterations());
        if (needNext) {
            limit = Math.max(limit, next + 1);
        }
        while (nextToRequest < limit) {
            long index = nextToRequest++;
            inFlight.addLast(new Pending(index, System.nanoTime(), request(loader, index)));
        }
    }

    private CompletableFuture<Arrived> request(ActorRef<DataLoaderActor.Command> to, long index) {
        CompletableFuture<Arrived> out = new CompletableFuture<>();
        AskPattern.<DataLoaderActor.Command, DataLoaderActor.Reply>ask(to,
                        reply -> new DataLoaderActor.NextBatch(key, spec.seed(), index, spec.batchSize(),
                                receiver.channel(), receiver.streamId(), reply),
                        settings.requestTimeout(), system.scheduler())
                .whenComplete((reply, failure) -> {
                    if (failure != null) {
                        out.completeExceptionally(failure);
                    } else if (reply instanceof DataLoaderActor.BatchFailed f) {
                        out.completeExceptionally(new RemoteDataException("the loader could not make batch "
                                + f.index() + ": " + f.reason()));
                    } else if (reply instanceof DataLoaderActor.BatchSent s) {
                        if (out.isDone()) {
                            return; // given up (cancelled) before the reply: its chunks expire as orphans
                        }
                        if (s.index() != index) {
                            out.completeExceptionally(new RemoteDataException("asked for batch " + index
                                    + ", the loader sent batch " + s.index()));
                            return;
                        }
                        CompletableFuture<ReceivedTensor> t = receiver.expect(s.videos());
                        out.whenComplete((x, y) -> {
                            if (y != null) {
                                receiver.cancel(s.videos().transferId()); // given up: free the assembly
                            }
                        });
                        t.whenComplete((tensor, e) -> {
                            if (e != null) {
                                out.completeExceptionally(e);
                            } else {
                                out.complete(new Arrived(s, tensor, System.nanoTime()));
                            }
                        });
                    }
                });
        return out;
    }

    private HostBatch toHostBatch(Arrived a) {
        long[] shape = a.tensor().descriptor().shape();
        if (shape.length != 5 || shape[0] != spec.batchSize() || !"float32".equals(a.tensor().descriptor().dtype())) {
            throw new RemoteDataException("the loader sent a " + a.tensor().descriptor().dtype()
                    + Arrays.toString(shape) + " tensor; trial " + spec.name() + " needs float32 [" + spec.batchSize()
                    + ", C, T, H, W]");
        }
        float[] data = new float[Math.toIntExact(a.tensor().descriptor().byteLength() / Float.BYTES)];
        a.tensor().payload().duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(data);
        ClipShape clip = new ClipShape((int) shape[1], (int) shape[2], (int) shape[3], (int) shape[4]);
        return new HostBatch(data, clip, a.sent().labels(), a.sent().indices());
    }

    /** A registered loader, another than {@code avoid} if there is one, waiting up to findTimeout for one. */
    private ActorRef<DataLoaderActor.Command> findLoader(ActorRef<DataLoaderActor.Command> avoid)
            throws InterruptedException {
        long deadline = System.nanoTime() + settings.findTimeout().toNanos();
        ActorRef<DataLoaderActor.Command> fallbackChoice = null;
        while (true) {
            Set<ActorRef<DataLoaderActor.Command>> found;
            try {
                found = find();
            } catch (ExecutionException | TimeoutException e) {
                found = Set.of();
            }
            for (ActorRef<DataLoaderActor.Command> r : found) {
                if (!r.equals(avoid)) {
                    return r;
                }
                fallbackChoice = r;
            }
            if (System.nanoTime() - deadline > 0) {
                if (fallbackChoice != null) {
                    return fallbackChoice; // only the one that failed is listed: it may have been a glitch
                }
                throw new RemoteDataException("no data loader registered within "
                        + settings.findTimeout().toMillis() + " ms");
            }
            Thread.sleep(200);
        }
    }

    private void dropInFlight() {
        for (Pending p : inFlight) {
            p.future().cancel(false);
        }
        inFlight.clear();
        nextToRequest = next;
    }

    private static String describe(Throwable t) {
        if (t instanceof java.util.concurrent.TimeoutException || t instanceof akka.pattern.AskTimeoutException) {
            return "no answer from the loader (" + t.getMessage() + ")"; // a timeout, or Akka saw it terminated
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropInFlight();
        if (local != null) {
            local.close();
        }
        if (onClose != null) {
            onClose.run();
        }
    }
}

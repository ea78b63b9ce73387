package io.ndevid.actors.evalproc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.status.ActorStatus;
import io.ndevid.actors.transport.ReceivedTensor;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.actors.transport.TransferRetry;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.Score;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.spec.TrialSpec;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

/**
 * The evaluator process's actor (registered under {@link #SERVICE_KEY}): a trainer's {@link SampleRenderer} opens a
 * request ({@link Open}: trial, iteration, N samples in B batches), streams the batches over Aeron to this actor's
 * {@link TensorReceiver} and announces each with a {@link Batch} descriptor. Each verified batch (CRC32C per chunk,
 * resends asked from the worker) is classified on this actor's numerics thread as it arrives; when all B are in,
 * IS and FID are computed by the trial's {@link InProcessScorer} (as in-process) and {@link Scored} goes to the
 * request's {@code replyTo}. A batch that cannot be received, or does not arrive within {@code requestTimeout},
 * fails the request ({@link ScoreFailed}, naming the batch) — never a score from fewer samples.
 */
public final class SampleEvaluator extends AbstractBehavior<SampleEvaluator.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-sample-evaluator");

    /** Resends asked of a batch's sender before its request fails. */
    static final int MAX_RESENDS = 3;

    public sealed interface Command {}

    /**
     * Opens a request: {@code samples} videos in {@code batches} batches will follow.
     *
     * @param kind {@code periodic} or {@code final-K}: only named in logs and replies
     */
    public record Open(String requestId, TrialSpec spec, long iteration, String kind, int samples, int batches,
                       ActorRef<Reply> replyTo, ActorRef<Opened> openedTo) implements Command, CborSerializable {}

    /** Where to send the batches (the receiver's Aeron channel and stream). */
    public record Opened(String requestId, String channel, int streamId) implements CborSerializable {}

    /** Batch {@code index} of a request is on its way as the tensor {@code descriptor} describes. */
    public record Batch(String requestId, int index, TensorDescriptor descriptor, ActorRef<ResendRequest> resendTo)
            implements Command, CborSerializable {}

    /** Asks the batch's sender to resend chunks (empty: all) of a transfer. */
    public record ResendRequest(String requestId, long transferId, int[] chunks) implements CborSerializable {
        @Override
        public boolean equals(Object o) {
            return o instanceof ResendRequest r && r.requestId.equals(requestId) && r.transferId == transferId
                    && Arrays.equals(r.chunks, chunks);
        }

        @Override
        public int hashCode() {
            return requestId.hashCode() * 31 + Long.hashCode(transferId) * 17 + Arrays.hashCode(chunks);
        }

        @Override
        public String toString() {
            return "ResendRequest[" + requestId + ", " + transferId + ", " + Arrays.toString(chunks) + "]";
        }
    }

    public record GetStats(ActorRef<Stats> replyTo) implements Command, CborSerializable {}

    /** Counters since start: requests scored / failed, batches and bytes that came over Aeron. */
    public record Stats(long scored, long failed, long batches, long bytes, String channel)
            implements CborSerializable {}

    public sealed interface Reply extends CborSerializable {
        String requestId();
    }

    /** IS and FID of a request's N samples, with what produced them; {@code bytes} came over Aeron. */
    public record Scored(String requestId, String trial, long iteration, String kind, Score score, long bytes)
            implements Reply {}

    public record ScoreFailed(String requestId, String trial, String reason) implements Reply {}

    private record BatchDone(String requestId, int index, C3dEvaluator.Outputs outputs, long bytes,
                             Throwable failure) implements Command {}

    private record Finished(String requestId, Reply reply) implements Command {}

    private record Expired(String requestId) implements Command {}

    /** Publishes this actor's status report (console: queue of open requests, request → score latency). */
    private enum StatusTick implements Command { INSTANCE }

    private static final class Request {
        final Open open;
        final C3dEvaluator.Outputs[] parts;
        final long startNanos = System.nanoTime();
        int arrived;
        long bytes;
        boolean scoring;

        Request(Open open) {
            this.open = open;
            this.parts = new C3dEvaluator.Outputs[open.batches()];
        }
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final TensorReceiver receiver;
    private final InProcessScorer.Factory scorers;
    private final Duration requestTimeout;
    private final Map<String, Request> requests = new HashMap<>();
    /** Scorers by {@link TrialEvaluation#evaluatorKey}, touched on the numerics thread only; the two newest kept. */
    private final LinkedHashMap<String, InProcessScorer> cache = new LinkedHashMap<>(4, 0.75f, true);
    private final ExecutorService numerics = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sample-evaluator");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService resends = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sample-evaluator-resend");
        t.setDaemon(true);
        return t;
    });
    private final ActorStatus status;
    private String lastTrial;
    private long scored;
    private long failed;
    private long batches;
    private long bytes;

    /**
     * @param receiver       where batches arrive (its channel is what {@link Opened} names); closed with the actor
     * @param requestTimeout a request whose batches are not all in after this fails
     */
    public static Behavior<Command> create(TensorReceiver receiver, InProcessScorer.Factory scorers,
                                           Duration requestTimeout) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new SampleEvaluator(ctx, timers, receiver, scorers, requestTimeout)));
    }

    private SampleEvaluator(ActorContext<Command> context, TimerScheduler<Command> timers, TensorReceiver receiver,
                            InProcessScorer.Factory scorers, Duration requestTimeout) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.receiver = receiver;
        this.scorers = scorers;
        this.requestTimeout = requestTimeout;
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "evaluator");
        status.bytesFrom(() -> 0L); // bytes are counted where they are sent (SampleRenderer's trainer), once
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
        context.getLog().info("sample evaluator receives batches on {} stream {}", receiver.channel(),
                receiver.streamId());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Open.class, this::onOpen)
                .onMessage(Batch.class, this::onBatch)
                .onMessage(BatchDone.class, this::onBatchDone)
                .onMessage(Finished.class, this::onFinished)
                .onMessage(Expired.class, this::onExpired)
                .onMessageEquals(StatusTick.INSTANCE, () -> {
                    status.publish(requests.isEmpty() ? "idle" : "scoring " + requests.size() + " request(s)",
                            requests.size(), null, null, null, lastTrial);
                    return this;
                })
                .onMessage(GetStats.class, g -> {
                    g.replyTo().tell(new Stats(scored, failed, batches, bytes, receiver.channel()));
                    return this;
                })
                .onSignal(PostStop.class, s -> {
                    numerics.execute(() -> cache.values().forEach(InProcessScorer::close));
                    numerics.shutdown();
                    resends.shutdownNow();
                    receiver.close();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onOpen(Open o) {
        status.touch();
        lastTrial = o.spec().name();
        if (!requests.containsKey(o.requestId())) {
            if (o.batches() < 1 || o.samples() < 2) {
                o.replyTo().tell(new ScoreFailed(o.requestId(), o.spec().name(), "a request needs ≥ 1 batch and "
                        + "≥ 2 samples, got " + o.batches() + " / " + o.samples()));
                return this;
            }
            requests.put(o.requestId(), new Request(o));
            timers.startSingleTimer(o.requestId(), new Expired(o.requestId()), requestTimeout);
        }
        o.openedTo().tell(new Opened(o.requestId(), receiver.channel(), receiver.streamId()));
        return this;
    }

    private Behavior<Command> onBatch(Batch b) {
        Request r = requests.get(b.requestId());
        if (r == null || b.index() < 0 || b.index() >= r.parts.length) {
            context.getLog().warn("batch {} of unknown or finished request {}: dropped", b.index(), b.requestId());
            if (r == null) {
                receiver.cancel(b.descriptor().transferId());
            }
            return this;
        }
        ActorRef<ResendRequest> resendTo = b.resendTo();
        CompletableFuture<ReceivedTensor> arrived = resendTo == null ? receiver.expect(b.descriptor())
                : TransferRetry.receive(receiver, b.descriptor(), MAX_RESENDS,
                        failure -> resendTo.tell(new ResendRequest(b.requestId(), b.descriptor().transferId(),
                                failure.missingChunks())), resends);
        TrialSpec spec = r.open.spec();
        CompletableFuture<C3dEvaluator.Outputs> classified = arrived.thenApplyAsync(t -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray videos = SampleCodec.decode(m, t.payload(), t.descriptor().shape());
                return scorer(spec).classify(videos);
            }
        }, numerics);
        long size = b.descriptor().byteLength();
        context.pipeToSelf(classified, (out, failure) -> new BatchDone(b.requestId(), b.index(), out, size,
                failure));
        return this;
    }

    private Behavior<Command> onBatchDone(BatchDone d) {
        Request r = requests.get(d.requestId());
        if (r == null) {
            return this;
        }
        if (d.failure() != null) {
            fail(r, "batch " + d.index() + " of " + r.parts.length + ": " + message(d.failure()));
            return this;
        }
        if (r.parts[d.index()] == null) {
            r.parts[d.index()] = d.outputs();
            r.arrived++;
            r.bytes += d.bytes();
            batches++;
            bytes += d.bytes();
        }
        if (r.arrived == r.parts.length && !r.scoring) {
            r.scoring = true;
            Open o = r.open;
            List<C3dEvaluator.Outputs> parts = List.of(r.parts);
            int n = parts.stream().mapToInt(p -> p.probabilities().rows()).sum();
            CompletableFuture<Reply> score = CompletableFuture.supplyAsync(() -> {
                if (n != o.samples()) {
                    return new ScoreFailed(o.requestId(), o.spec().name(), "the batches hold " + n + " samples, "
                            + "the request announced " + o.samples());
                }
                Score sc = scorer(o.spec()).score(parts, n);
                return new Scored(o.requestId(), o.spec().name(), o.iteration(), o.kind(), sc, r.bytes);
            }, numerics);
            context.pipeToSelf(score, (ok, failure) -> new Finished(o.requestId(), ok != null ? ok
                    : new ScoreFailed(o.requestId(), o.spec().name(), "scoring failed: " + message(failure))));
        }
        return this;
    }

    private Behavior<Command> onFinished(Finished f) {
        Request r = requests.remove(f.requestId());
        if (r == null) {
            return this;
        }
        timers.cancel(f.requestId());
        if (f.reply() instanceof Scored s) {
            scored++;
            status.latency("eval").record(System.nanoTime() - r.startNanos);
            context.getLog().info("scored {} {} at iteration {}: {} samples in {} batches ({} bytes over Aeron {}) "
                            + "in {} ms: IS {}, FID {}", s.trial(), s.kind(), s.iteration(), s.score().n(),
                    r.parts.length, r.bytes, receiver.channel(), (System.nanoTime() - r.startNanos) / 1_000_000, s.score().is(),
                    s.score().fid());
        } else if (f.reply() instanceof ScoreFailed sf) {
            failed++;
            context.getLog().warn("request {} of {} failed: {}", sf.requestId(), sf.trial(), sf.reason());
        }
        r.open.replyTo().tell(f.reply());
        return this;
    }

    private Behavior<Command> onExpired(Expired e) {
        Request r = requests.get(e.requestId());
        if (r != null && !r.scoring) {
            List<Integer> missing = IntStream.range(0, r.parts.length).filter(i -> r.parts[i] == null).boxed()
                    .toList();
            fail(r, "batch(es) " + missing + " of " + r.parts.length + " did not arrive within "
                    + requestTimeout.toSeconds() + " s");
        }
        return this;
    }

    private void fail(Request r, String reason) {
        requests.remove(r.open.requestId());
        timers.cancel(r.open.requestId());
        failed++;
        context.getLog().warn("request {} of {} at iteration {} failed: {}", r.open.requestId(), r.open.spec().name(),
                r.open.iteration(), reason);
        r.open.replyTo().tell(new ScoreFailed(r.open.requestId(), r.open.spec().name(), reason));
    }

    /** The trial's scorer, built on first use; runs on the numerics thread. */
    private InProcessScorer scorer(TrialSpec spec) {
        String key = TrialEvaluation.evaluatorKey(spec);
        InProcessScorer s = cache.get(key);
        if (s == null) {
            try {
                s = scorers.open(spec);
            } catch (Exception e) {
                throw new CompletionException(new IllegalStateException("cannot build the evaluator for "
                        + spec.name() + ": " + message(e), e));
            }
            cache.put(key, s);
            while (cache.size() > 2) {
                var eldest = cache.entrySet().iterator().next();
                eldest.getValue().close();
                cache.remove(eldest.getKey());
            }
        }
        return s;
    }

    private static String message(Throwable t) {
        return EvaluationProtocol.message(t);
    }

}

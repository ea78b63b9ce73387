package io.ndevid.actors.evalproc;

import ai.djl.ndarray.NDManager;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ChunkFilter;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorSender;
import io.ndevid.actors.transport.TransferException;
import io.ndevid.actors.CborSerializable;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.EvaluationSamples;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.Score;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.ContinuousRenders;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.run.Trials;
import io.ndevid.training.spec.TrialSpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Renders samples of a generator snapshot off the training step: one worker of a node's {@link SampleRenderers}
 * pool. Its numerics run on its own thread with its own NDManager and its own inference-only copy of the generator
 * (built from the trial's spec, loaded from the snapshot the protocol wrote). It serves
 * <ul>
 *   <li>evaluation sampling ({@link Render}): the N samples of one score, drawn by the protocol's sampling loop
 *       ({@link EvaluationSamples}, the same videos as in-process), each chunk streamed over Aeron to the
 *       {@link SampleEvaluator} named in the request and announced with a {@link SampleEvaluator.Batch} descriptor;
 *       the evaluator answers the request's {@code replyTo}; resends it asks for are served from the payloads of
 *       the last two requests;</li>
 *   <li>the in-process fallback ({@link ScoreLocally}) when no evaluator can score a request: the same samples
 *       scored here by an {@link InProcessScorer};</li>
 *   <li>continuous-time renders ({@link RenderVideo}: a higher frame rate, before frame 0) written as a GIF grid,
 *       e.g. for the report — also from other cluster members, which find the pool with the Receptionist.</li>
 * </ul>
 */
public final class SampleRenderer extends AbstractBehavior<SampleRenderer.Command> {

    public sealed interface Command {}

    /**
     * Render {@code samples} videos of the snapshot with the protocol's seeds for {@code seed}, in batches of
     * {@code batchSize}, to {@code evaluator}; the score goes to {@code replyTo}.
     */
    public record Render(String requestId, TrialSpec spec, String snapshot, long iteration, String kind, long seed,
                         int samples, int batchSize, ActorRef<SampleEvaluator.Command> evaluator,
                         ActorRef<SampleEvaluator.Reply> replyTo) implements Command {}

    /** The same samples ({@code batchSize} at a time), scored in this process (no evaluator could). */
    public record ScoreLocally(String requestId, TrialSpec spec, String snapshot, long iteration, String kind,
                               long seed, int samples, int batchSize, ActorRef<SampleEvaluator.Reply> replyTo)
            implements Command {}

    /** Each worker of a pool answers (the pool broadcasts it). */
    public record GetStats(ActorRef<Stats> replyTo) implements Command {}

    /**
     * A continuous-time render of a snapshot: {@code samples} videos at the latent {@code times} (a higher frame rate,
     * before frame 0), written as a GIF grid to {@code gif} on this node ({@link ContinuousRenders#writeGif}). Served
     * on the worker's thread like evaluation renders, so it never blocks training either.
     */
    public record RenderVideo(TrialSpec spec, String snapshot, int samples, long seed, double[] times, String gif,
                              ActorRef<RenderReply> replyTo) implements Command, CborSerializable {}

    public sealed interface RenderReply extends CborSerializable {}

    /** The GIF is written; {@code shape} is the rendered tensor's [n, C, len(times), H, W]. */
    public record Rendered(String gif, long[] shape, long millis) implements RenderReply {}

    public record RenderFailed(String gif, String reason) implements RenderReply {}

    /**
     * The request's attempt was given up (its evaluator died, or it timed out): if it is still queued or rendering,
     * stop — so that renders for a dead evaluator do not hold up the ones that follow.
     */
    public record Cancel(String requestId) implements Command {}

    /**
     * Evaluation requests rendered, batches and bytes sent, continuous-time videos rendered, render time in total
     * (ms) — of one worker.
     */
    public record Stats(long requests, long batches, long bytes, long videos, long renderMillis) {}

    private record Resend(SampleEvaluator.ResendRequest request) implements Command {}

    private record Sent(String requestId, Throwable failure, ActorRef<SampleEvaluator.Reply> replyTo, String trial)
            implements Command {}

    /** A payload kept for resends. */
    private record Pending(String requestId, TensorSender sender, TensorDescriptor descriptor, ByteBuffer payload) {}

    private static final Logger LOG = LoggerFactory.getLogger(SampleRenderer.class);

    private final ActorContext<Command> context;
    /** For the numerics thread, which must not touch the context. */
    private final akka.actor.typed.Scheduler scheduler;
    private final Supplier<AeronNode> aeron;
    private final ChunkFilter filter;
    private final InProcessScorer.Factory localScorers;
    private final Duration askTimeout;
    private final ExecutorService numerics;
    private final ExecutorService resender;
    private final ActorRef<SampleEvaluator.ResendRequest> resendRef;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final ArrayDeque<String> recentRequests = new ArrayDeque<>();
    /** Ids of the renders this worker took lately (queued or done), so that it keeps only its own cancels. */
    private final java.util.LinkedHashSet<String> accepted = new java.util.LinkedHashSet<>();
    // numerics thread only
    private final Map<String, TensorSender> senders = new HashMap<>();
    private NDManager ganManager;
    private VideoGan gan;
    private InProcessScorer local;
    private String localKey;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong videos = new AtomicLong();
    private final AtomicLong renderNanos = new AtomicLong();

    /**
     * @param aeron        the process's Aeron node (made on first use, shared with other senders; not closed here)
     * @param localScorers for {@link ScoreLocally}, or null (then it fails)
     * @param askTimeout   how long the evaluator may take to open a request
     */
    public static Behavior<Command> create(String name, Supplier<AeronNode> aeron, InProcessScorer.Factory localScorers,
                                           Duration askTimeout) {
        return create(name, aeron, localScorers, askTimeout, null);
    }

    /** With fault injection on the sent chunks (tests). */
    public static Behavior<Command> create(String name, Supplier<AeronNode> aeron, InProcessScorer.Factory localScorers,
                                           Duration askTimeout, ChunkFilter filter) {
        return Behaviors.setup(ctx -> new SampleRenderer(ctx, name, aeron, localScorers, askTimeout, filter));
    }

    private SampleRenderer(ActorContext<Command> context, String name, Supplier<AeronNode> aeron,
                         InProcessScorer.Factory localScorers, Duration askTimeout, ChunkFilter filter) {
        super(context);
        this.filter = filter;
        this.scheduler = context.getSystem().scheduler();
        this.context = context;
        this.aeron = aeron;
        this.localScorers = localScorers;
        this.askTimeout = askTimeout;
        this.numerics = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sample-renderer-" + name);
            t.setDaemon(true);
            return t;
        });
        this.resender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sample-renderer-resend-" + name);
            t.setDaemon(true);
            return t;
        });
        this.resendRef = context.messageAdapter(SampleEvaluator.ResendRequest.class, Resend::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Render.class, this::onRender)
                .onMessage(ScoreLocally.class, this::onScoreLocally)
                .onMessage(RenderVideo.class, this::onRenderVideo)
                .onMessage(Cancel.class, c -> {
                    if (accepted.contains(c.requestId())) { // a pool broadcasts cancels: only the worker's own
                        cancelled.add(c.requestId());
                    }
                    return this;
                })
                .onMessage(Resend.class, r -> {
                    resender.execute(() -> resend(r.request()));
                    return this;
                })
                .onMessage(Sent.class, s -> {
                    if (s.failure() != null) {
                        String reason = "rendering or sending the samples failed: " + message(s.failure());
                        context.getLog().warn("request {} of {}: {}", s.requestId(), s.trial(), reason);
                        s.replyTo().tell(new SampleEvaluator.ScoreFailed(s.requestId(), s.trial(), reason));
                    }
                    return this;
                })
                .onMessage(GetStats.class, g -> {
                    g.replyTo().tell(new Stats(requests.get(), batches.get(), bytes.get(), videos.get(),
                            renderNanos.get() / 1_000_000));
                    return this;
                })
                .onSignal(PostStop.class, s -> {
                    numerics.execute(this::closeNumerics);
                    numerics.execute(() -> {
                        if (local != null) {
                            local.close();
                        }
                    });
                    numerics.shutdown();
                    resender.shutdownNow();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onRender(Render r) {
        remember(r.requestId());
        CompletableFuture<Void> work = CompletableFuture.runAsync(() -> render(r), numerics);
        context.pipeToSelf(work, (ok, failure) -> new Sent(r.requestId(), failure, r.replyTo(), r.spec().name()));
        return this;
    }

    private Behavior<Command> onScoreLocally(ScoreLocally s) {
        CompletableFuture<SampleEvaluator.Reply> work = CompletableFuture.supplyAsync(() -> {
            if (localScorers == null) {
                throw new IllegalStateException("this trainer has no in-process evaluator");
            }
            long t0 = System.nanoTime();
            VideoGan g = load(s.spec(), Path.of(s.snapshot()));
            String key = TrialEvaluation.evaluatorKey(s.spec());
            if (local == null || !key.equals(localKey)) {
                try {
                    if (local != null) {
                        local.close();
                        local = null;
                    }
                    local = localScorers.open(s.spec());
                    localKey = key;
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }
            Score sc = local.score(g, s.samples(), s.seed(), s.batchSize());
            renderNanos.addAndGet(System.nanoTime() - t0);
            return new SampleEvaluator.Scored(s.requestId(), s.spec().name(), s.iteration(), s.kind(), sc, 0);
        }, numerics);
        context.pipeToSelf(work, (ok, failure) -> {
            s.replyTo().tell(ok != null ? ok : new SampleEvaluator.ScoreFailed(s.requestId(), s.spec().name(),
                    "in-process scoring failed: " + message(failure)));
            return new Sent(s.requestId(), null, s.replyTo(), s.spec().name());
        });
        return this;
    }

    private Behavior<Command> onRenderVideo(RenderVideo r) {
        CompletableFuture<RenderReply> work = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            VideoGan g = load(r.spec(), Path.of(r.snapshot()));
            try {
                long[] shape = ContinuousRenders.writeGif(g, r.samples(), r.seed(), r.times(), Path.of(r.gif()));
                videos.incrementAndGet();
                renderNanos.addAndGet(System.nanoTime() - t0);
                return new Rendered(r.gif(), shape, (System.nanoTime() - t0) / 1_000_000);
            } catch (java.io.IOException e) {
                throw new CompletionException(e);
            }
        }, numerics);
        context.pipeToSelf(work, (ok, failure) -> {
            r.replyTo().tell(ok != null ? ok : new RenderFailed(r.gif(), message(failure)));
            return new Sent("render", null, null, r.spec().name());
        });
        return this;
    }

    /** Keeps resend payloads of the last two requests only. */
    private void remember(String requestId) {
        accepted.add(requestId);
        while (accepted.size() > 64) {
            accepted.remove(accepted.iterator().next());
        }
        recentRequests.addLast(requestId);
        while (recentRequests.size() > 2) {
            String old = recentRequests.removeFirst();
            pending.values().removeIf(p -> p.requestId().equals(old));
        }
    }

    /** On the numerics thread: load, open, render and send every batch. */
    private void render(Render r) {
        checkCancelled(r.requestId());
        long t0 = System.nanoTime();
        VideoGan g = load(r.spec(), Path.of(r.snapshot()));
        SampleEvaluator.Opened opened;
        try {
            opened = AskPattern.<SampleEvaluator.Command, SampleEvaluator.Opened>ask(r.evaluator(),
                    to -> new SampleEvaluator.Open(r.requestId(), r.spec(), r.iteration(), r.kind(), r.samples(),
                            EvaluationSamples.chunks(r.samples(), r.batchSize()), r.replyTo(), to),
                    askTimeout, scheduler).toCompletableFuture().get();
        } catch (Exception e) {
            throw new CompletionException(new IllegalStateException("the evaluator did not open the request within "
                    + askTimeout.toSeconds() + " s: " + message(e), e));
        }
        TensorSender sender = sender(opened.channel(), opened.streamId());
        // the protocol's sampling loop: chunk k of the request's seed, as in-process scoring draws it
        EvaluationSamples.draw(g, r.samples(), r.seed(), r.batchSize(), (k, videos) -> {
            checkCancelled(r.requestId());
            long[] shape = videos.getShape().getShape();
            ByteBuffer payload = SampleCodec.encode(videos);
            String name = r.spec().name() + "/" + r.kind() + "/" + r.iteration() + "/" + k;
            TensorDescriptor d = sender.describe(name, shape, SampleCodec.DTYPE, payload.duplicate());
            pending.put(d.transferId(), new Pending(r.requestId(), sender, d, payload));
            try {
                sender.send(d, payload.duplicate());
            } catch (TransferException e) {
                if (!e.retryable()) {
                    throw e;
                }
                // the evaluator's resend requests (or its receive timeout) settle it
                LOG.warn("first send of {} failed ({}); relying on resends", name, e.getMessage());
            }
            r.evaluator().tell(new SampleEvaluator.Batch(r.requestId(), k, d, resendRef));
            batches.incrementAndGet();
            bytes.addAndGet(d.byteLength());
        });
        requests.incrementAndGet();
        renderNanos.addAndGet(System.nanoTime() - t0);
        cancelled.remove(r.requestId());
    }

    private void checkCancelled(String requestId) {
        if (cancelled.remove(requestId)) {
            throw new java.util.concurrent.CancellationException("request " + requestId + " was given up");
        }
    }

    private void resend(SampleEvaluator.ResendRequest r) {
        Pending p = pending.get(r.transferId());
        if (p == null) {
            LOG.warn("resend of transfer {} of request {} asked, but its payload is gone",
                    r.transferId(), r.requestId());
            return;
        }
        try {
            p.sender().resend(p.descriptor(), p.payload().duplicate(), r.chunks() == null ? new int[0] : r.chunks());
        } catch (RuntimeException e) {
            LOG.warn("resend of {} failed: {}", p.descriptor().name(), e.toString());
        }
    }

    /** The worker's generator for the spec with the snapshot's weights (rebuilt when the trial changes). */
    private VideoGan load(TrialSpec spec, Path snapshot) {
        if (gan != null && gan.spec().equals(spec)) {
            TrainerLoop.restore(gan, snapshot);
            return gan;
        }
        closeGan();
        ganManager = NDManager.newBaseManager();
        gan = Trials.load(snapshot, ganManager, null);
        return gan;
    }

    private TensorSender sender(String channel, int streamId) {
        String key = channel + "#" + streamId;
        TensorSender s = senders.get(key);
        if (s == null) {
            s = aeron.get().newSender(channel, streamId, filter);
            senders.put(key, s);
        }
        long deadline = System.nanoTime() + aeron.get().settings().connectTimeout().toNanos();
        while (!s.isConnected() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }
        return s;
    }

    private void closeGan() {
        if (gan != null) {
            gan.close();
            gan = null;
        }
        if (ganManager != null) {
            ganManager.close();
            ganManager = null;
        }
    }

    private void closeNumerics() {
        closeGan();
        senders.values().forEach(TensorSender::close);
        senders.clear();
    }

    static String message(Throwable t) {
        return EvaluationProtocol.message(t);
    }

}

package io.ndevid.actors.evalproc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.Scorer;
import io.ndevid.training.spec.TrialSpec;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A trainer process's client of the evaluator processes: hands a score request to its node's
 * {@link SampleRenderers} pool, which renders the samples and streams them to a {@link SampleEvaluator}, and brings
 * the evaluator's answer back as a future. Made by the node's guardian when its agent runs evaluator processes
 * ({@code ndevid.node.evaluators > 0}) and handed to the trainer's executor, which makes a {@link RemoteScorer} per
 * trial ({@link #scorer}). Failure handling per request: the evaluator is watched (its process dying fails the
 * attempt at once) and each attempt has a timeout; a failed attempt is re-sent to whichever evaluator is registered
 * then (a restarted one), and when every attempt failed the samples are scored in-process by a renderer
 * ({@link SampleRenderer.ScoreLocally}, if {@code local-fallback} is on) — never a score of other samples.
 */
public final class EvaluatorClient {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluatorClient.class);
    /** The route of a score from an evaluator process, as {@code evaluations.jsonl} names it. */
    public static final String ROUTE = "evaluator";
    private final ActorSystem<?> system;
    private final ActorRef<SampleRenderer.Command> renderers;
    private final EvaluationSettings settings;
    private final Recorder latency = new Recorder(1_000, TimeUnit.HOURS.toNanos(1), 3);
    private final Histogram cumulative = new Histogram(1_000, TimeUnit.HOURS.toNanos(1), 3);

    /** @param renderers the process's sample-renderer pool (or one renderer) */
    public EvaluatorClient(ActorSystem<?> system, ActorRef<SampleRenderer.Command> renderers,
                           EvaluationSettings settings) {
        this.system = system;
        this.renderers = renderers;
        this.settings = settings;
    }

    public EvaluationSettings settings() {
        return settings;
    }

    /** The scorer of one trial's protocol through this client. */
    public RemoteScorer scorer(TrialSpec spec) {
        return new RemoteScorer(this, spec);
    }

    /** Request → score latencies so far (a copy). */
    public synchronized Histogram latencies() {
        cumulative.add(latency.getIntervalHistogram());
        return cumulative.copy();
    }

    /**
     * Scores {@code samples} videos of the snapshot drawn, {@code chunk} at a time, with the protocol's seeds for
     * {@code seed}. Never blocks; the future fails only when the evaluators and the fallback all failed.
     */
    public CompletableFuture<Scorer.Scored> score(TrialSpec spec, Path snapshot, long iteration, String kind,
                                                  long seed, int samples, int chunk) {
        long t0 = System.nanoTime();
        List<String> failures = new ArrayList<>();
        CompletableFuture<Scorer.Scored> out = new CompletableFuture<>();
        attempt(spec, snapshot, iteration, kind, seed, samples, chunk, 1, failures, t0, out);
        return out;
    }

    private void attempt(TrialSpec spec, Path snapshot, long iteration, String kind, long seed, int samples,
                         int chunk, int n, List<String> failures, long t0, CompletableFuture<Scorer.Scored> out) {
        String requestId = spec.name() + "-" + kind + "-" + iteration + "-" + UUID.randomUUID().toString()
                .substring(0, 8);
        findEvaluator().thenCompose(evaluator -> ask(evaluator, requestId, reply -> new SampleRenderer.Render(
                        requestId, spec, snapshot.toString(), iteration, kind, seed, samples, chunk, evaluator,
                        reply)))
                .whenComplete((scored, failure) -> {
                    if (failure == null) {
                        done(out, new Scorer.Scored(scored.score(), ROUTE, n, System.nanoTime() - t0,
                                scored.bytes()));
                        return;
                    }
                    renderers.tell(new SampleRenderer.Cancel(requestId)); // if it still waits for a renderer
                    String why = SampleRenderer.message(failure);
                    failures.add("attempt " + n + ": " + why);
                    LOG.warn("evaluation of {} {} at iteration {} (attempt {}): {}", spec.name(), kind, iteration, n,
                            why);
                    if (n < settings.attempts()) {
                        attempt(spec, snapshot, iteration, kind, seed, samples, chunk, n + 1, failures, t0, out);
                    } else if (settings.localFallback()) {
                        LOG.warn("scoring {} {} at iteration {} in the trainer process (no evaluator could)",
                                spec.name(), kind, iteration);
                        ask(null, requestId + "-local", reply -> new SampleRenderer.ScoreLocally(requestId + "-local",
                                spec, snapshot.toString(), iteration, kind, seed, samples, chunk, reply))
                                .whenComplete((s, f) -> {
                                    if (f == null) {
                                        done(out, new Scorer.Scored(s.score(), InProcessScorer.ROUTE, n,
                                                System.nanoTime() - t0, 0));
                                    } else {
                                        failures.add("in-process: " + SampleRenderer.message(f));
                                        out.completeExceptionally(new IllegalStateException(String.join("; ",
                                                failures)));
                                    }
                                });
                    } else {
                        out.completeExceptionally(new IllegalStateException(String.join("; ", failures)));
                    }
                });
    }

    private void done(CompletableFuture<Scorer.Scored> out, Scorer.Scored r) {
        latency.recordValue(Math.max(1_000, Math.min(r.nanos(), TimeUnit.HOURS.toNanos(1))));
        out.complete(r);
    }

    /** Sends the renderers a request whose reply comes to a one-shot actor that watches the evaluator. */
    private CompletableFuture<SampleEvaluator.Scored> ask(ActorRef<SampleEvaluator.Command> evaluator,
                                                          String requestId,
                                                          java.util.function.Function<ActorRef<SampleEvaluator.Reply>,
                                                                  SampleRenderer.Command> request) {
        CompletableFuture<SampleEvaluator.Scored> f = new CompletableFuture<>();
        String gone = "evaluator-gone";
        system.systemActorOf(Behaviors.<Object>setup(ctx -> {
            if (evaluator != null) {
                ctx.watchWith(evaluator, gone);
            }
            ctx.setReceiveTimeout(settings.attemptTimeout().plusSeconds(5), "expired"); // the future timed out
            renderers.tell(request.apply(ctx.getSelf().narrow()));
            return Behaviors.receive(Object.class)
                    .onMessage(SampleEvaluator.Scored.class, s -> {
                        f.complete(s);
                        return Behaviors.stopped();
                    })
                    .onMessage(SampleEvaluator.ScoreFailed.class, s -> {
                        f.completeExceptionally(new IllegalStateException(s.reason()));
                        return Behaviors.stopped();
                    })
                    .onMessageEquals("expired", Behaviors::stopped)
                    .onMessageEquals(gone, () -> {
                        f.completeExceptionally(new IllegalStateException("the evaluator process died"));
                        return Behaviors.stopped();
                    })
                    .build();
        }), "evaluation-" + requestId.replaceAll("[^A-Za-z0-9-]", "_"), Props.empty());
        return f.orTimeout(settings.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(t -> {
            Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            return CompletableFuture.failedFuture(c instanceof TimeoutException
                    ? new IllegalStateException("no score within " + settings.attemptTimeout().toSeconds() + " s")
                    : c);
        });
    }

    /** A registered evaluator, waiting up to findTimeout for one (e.g. while a dead one restarts). */
    private CompletableFuture<ActorRef<SampleEvaluator.Command>> findEvaluator() {
        long deadline = System.nanoTime() + settings.findTimeout().toNanos();
        return find(deadline);
    }

    private CompletableFuture<ActorRef<SampleEvaluator.Command>> find(long deadline) {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        r -> Receptionist.find(SampleEvaluator.SERVICE_KEY, r), Duration.ofSeconds(5),
                        system.scheduler()).toCompletableFuture()
                .thenCompose(l -> {
                    Set<ActorRef<SampleEvaluator.Command>> all = l.getServiceInstances(SampleEvaluator.SERVICE_KEY);
                    if (!all.isEmpty()) {
                        // several evaluators: spread trainers by their process id
                        List<ActorRef<SampleEvaluator.Command>> list = all.stream()
                                .sorted(java.util.Comparator.comparing(a -> a.path().toString())).toList();
                        return CompletableFuture.completedFuture(list.get((int) (ProcessHandle.current().pid()
                                % list.size())));
                    }
                    if (System.nanoTime() > deadline) {
                        return CompletableFuture.failedFuture(new IllegalStateException("no evaluator registered "
                                + "within " + settings.findTimeout().toSeconds() + " s"));
                    }
                    return CompletableFuture.supplyAsync(() -> null,
                                    CompletableFuture.delayedExecutor(250, TimeUnit.MILLISECONDS))
                            .thenCompose(x -> find(deadline));
                });
    }
}

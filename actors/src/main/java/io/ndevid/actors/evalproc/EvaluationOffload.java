package io.ndevid.actors.evalproc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.training.spec.TrialSpec;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A trainer process's link to the evaluator processes: hands evaluation requests to its {@link SolverWorker} and
 * brings the {@link SampleEvaluator}'s answer back as a future. One per trainer process, installed by the node's
 * guardian when its agent runs evaluator processes ({@code ndevid.node.evaluators > 0}); {@link #current()} is what
 * the production executor asks. Failure handling per request: the evaluator is watched (its process dying fails the
 * attempt at once) and each attempt has a timeout; a failed attempt is re-sent once to whichever evaluator is
 * registered then (a restarted one), and if that fails too the samples are scored in-process by the worker
 * ({@link SolverWorker.ScoreLocally}) — never a score of other samples.
 */
public final class EvaluationOffload {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationOffload.class);
    private static volatile EvaluationOffload current;

    /**
     * @param attemptTimeout  one attempt (render + transfer + scoring) may take this long
     * @param findTimeout     how long to wait for an evaluator to be registered (a restarting one)
     * @param attempts        attempts on evaluators before the in-process fallback (≥ 1)
     * @param localFallback   score in-process when every attempt failed
     * @param batchSize       samples per batch sent
     */
    public record Settings(Duration attemptTimeout, Duration findTimeout, int attempts, boolean localFallback,
                           int batchSize) {
        public Settings {
            if (attempts < 1 || batchSize < 1) {
                throw new IllegalArgumentException("evaluation offload needs attempts ≥ 1 and batch ≥ 1");
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(10), Duration.ofSeconds(60), 2, true, 64);
        }
    }

    /** A scored request: the reply and the route ({@code evaluator}, {@code in-process}) and its latency. */
    public record Result(SampleEvaluator.Scored scored, String route, long nanos, int attempts) {}

    private final ActorSystem<?> system;
    private final ActorRef<SolverWorker.Command> worker;
    private final Settings settings;
    private final Recorder latency = new Recorder(1_000, TimeUnit.HOURS.toNanos(1), 3);
    private final Histogram cumulative = new Histogram(1_000, TimeUnit.HOURS.toNanos(1), 3);

    public EvaluationOffload(ActorSystem<?> system, ActorRef<SolverWorker.Command> worker, Settings settings) {
        this.system = system;
        this.worker = worker;
        this.settings = settings;
    }

    /** Makes {@code o} this process's offload (null: evaluate in the trainer). */
    public static void install(EvaluationOffload o) {
        current = o;
    }

    public static Optional<EvaluationOffload> current() {
        return Optional.ofNullable(current);
    }

    public Settings settings() {
        return settings;
    }

    /** The trainer-side hook of a trial: periodic IS/FID, best.bin and the final K × N through this offload. */
    public OffloadedEvaluation forTrial(TrialSpec spec, Path runDir, TrialExecutor.Listener listener) {
        return new OffloadedEvaluation(this, spec, runDir, listener);
    }

    /** Request → score latencies so far (a copy). */
    public synchronized Histogram latencies() {
        cumulative.add(latency.getIntervalHistogram());
        return cumulative.copy();
    }

    /**
     * Scores {@code samples} videos of the snapshot drawn with the protocol's seeds for {@code seed}. Never blocks;
     * the future fails only when the evaluators and the fallback all failed.
     */
    public CompletableFuture<Result> score(TrialSpec spec, Path snapshot, long iteration, String kind, long seed,
                                           int samples) {
        long t0 = System.nanoTime();
        List<String> failures = new ArrayList<>();
        CompletableFuture<Result> out = new CompletableFuture<>();
        attempt(spec, snapshot, iteration, kind, seed, samples, 1, failures, t0, out);
        return out;
    }

    private void attempt(TrialSpec spec, Path snapshot, long iteration, String kind, long seed, int samples, int n,
                         List<String> failures, long t0, CompletableFuture<Result> out) {
        String requestId = spec.name() + "-" + kind + "-" + iteration + "-" + UUID.randomUUID().toString()
                .substring(0, 8);
        findEvaluator().thenCompose(evaluator -> ask(evaluator, requestId, reply -> new SolverWorker.Render(
                        requestId, spec, snapshot.toString(), iteration, kind, seed, samples, settings.batchSize(),
                        evaluator, reply)))
                .whenComplete((scored, failure) -> {
                    if (failure == null) {
                        done(out, new Result(scored, "evaluator", System.nanoTime() - t0, n));
                        return;
                    }
                    worker.tell(new SolverWorker.Cancel(requestId)); // if it still waits for the worker
                    String why = SolverWorker.message(failure);
                    failures.add("attempt " + n + ": " + why);
                    LOG.warn("evaluation of {} {} at iteration {} (attempt {}): {}", spec.name(), kind, iteration, n,
                            why);
                    if (n < settings.attempts()) {
                        attempt(spec, snapshot, iteration, kind, seed, samples, n + 1, failures, t0, out);
                    } else if (settings.localFallback()) {
                        LOG.warn("scoring {} {} at iteration {} in the trainer process (no evaluator could)",
                                spec.name(), kind, iteration);
                        ask(null, requestId + "-local", reply -> new SolverWorker.ScoreLocally(requestId + "-local",
                                spec, snapshot.toString(), iteration, kind, seed, samples, reply))
                                .whenComplete((s, f) -> {
                                    if (f == null) {
                                        done(out, new Result(s, "in-process", System.nanoTime() - t0, n));
                                    } else {
                                        failures.add("in-process: " + SolverWorker.message(f));
                                        out.completeExceptionally(new IllegalStateException(String.join("; ",
                                                failures)));
                                    }
                                });
                    } else {
                        out.completeExceptionally(new IllegalStateException(String.join("; ", failures)));
                    }
                });
    }

    private void done(CompletableFuture<Result> out, Result r) {
        latency.recordValue(Math.max(1_000, Math.min(r.nanos(), TimeUnit.HOURS.toNanos(1))));
        out.complete(r);
    }

    /** Sends the worker a request whose reply comes to a one-shot actor that watches the evaluator. */
    private CompletableFuture<SampleEvaluator.Scored> ask(ActorRef<SampleEvaluator.Command> evaluator,
                                                          String requestId,
                                                          java.util.function.Function<ActorRef<SampleEvaluator.Reply>,
                                                                  SolverWorker.Command> request) {
        CompletableFuture<SampleEvaluator.Scored> f = new CompletableFuture<>();
        String gone = "evaluator-gone";
        system.systemActorOf(Behaviors.<Object>setup(ctx -> {
            if (evaluator != null) {
                ctx.watchWith(evaluator, gone);
            }
            ctx.setReceiveTimeout(settings.attemptTimeout().plusSeconds(5), "expired"); // the future timed out
            worker.tell(request.apply(ctx.getSelf().narrow()));
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

package io.ndevid.actors.eval;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.status.ActorStatus;
import io.ndevid.study.experiment.BestMetrics;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Evaluates checkpoints (role-agnostic; registered under {@link #SERVICE_KEY}): one at a time, in arrival order, on
 * its own thread, through an injected {@link EvaluationService}. The coordinator asks it to score each trial's final
 * checkpoint once the checkpoint store holds it, and journals the metrics it answers.
 */
public final class Evaluator extends AbstractBehavior<Evaluator.Command> {

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-evaluator");

    public sealed interface Command {}

    /** Score {@code checkpoint} (a file {@link CheckpointIO} reads) of a trial with {@code spec}. */
    public record Evaluate(String experimentId, String trial, TrialSpec spec, String checkpoint,
                           ActorRef<Reply> replyTo) implements Command, CborSerializable {}

    public sealed interface Reply extends CborSerializable {}

    public record Evaluated(String experimentId, String trial, long iteration, Map<String, Double> metrics)
            implements Reply {
        public Evaluated {
            metrics = BestMetrics.clean(metrics);
        }
    }

    public record EvaluationFailed(String experimentId, String trial, String reason) implements Reply {}

    private record Done(Reply reply, ActorRef<Reply> replyTo) implements Command {}

    private enum StatusTick implements Command { INSTANCE }

    private final ActorContext<Command> context;
    private final EvaluationService service;
    private final ActorStatus status;
    /** Evaluations asked for and not answered yet (the one running included). */
    private int pending;
    private String lastExperiment;
    private String lastTrial;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "evaluator");
        t.setDaemon(true);
        return t;
    });

    public static Behavior<Command> create(EvaluationService service) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Evaluator(ctx, timers, service)));
    }

    private Evaluator(ActorContext<Command> context, akka.actor.typed.javadsl.TimerScheduler<Command> timers,
                      EvaluationService service) {
        super(context);
        this.context = context;
        this.service = service;
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "evaluator");
        context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Evaluate.class, this::onEvaluate)
                .onMessageEquals(StatusTick.INSTANCE, () -> {
                    status.publish(pending > 0 ? "evaluating" : "idle", pending, null, null, lastExperiment,
                            lastTrial);
                    return this;
                })
                .onMessage(Done.class, d -> {
                    pending--;
                    if (d.reply() instanceof EvaluationFailed f) {
                        context.getLog().warn("evaluation of {} / {} failed: {}", f.experimentId(), f.trial(),
                                f.reason());
                    }
                    d.replyTo().tell(d.reply());
                    return this;
                })
                .onSignal(PostStop.class, s -> {
                    thread.shutdownNow();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onEvaluate(Evaluate e) {
        status.touch();
        pending++;
        lastExperiment = e.experimentId();
        lastTrial = e.trial();
        CompletableFuture<Reply> work = CompletableFuture.supplyAsync(() -> {
            long started = System.nanoTime();
            try {
                Path file = Path.of(e.checkpoint());
                long iteration = CheckpointIO.read(file).iteration();
                Map<String, Double> metrics = service.evaluate(e.spec(), file);
                status.latency("eval").record(System.nanoTime() - started);
                return new Evaluated(e.experimentId(), e.trial(), iteration, metrics);
            } catch (Exception ex) {
                throw new CompletionException(ex);
            }
        }, thread);
        context.pipeToSelf(work, (ok, failure) -> {
            if (failure == null) {
                return new Done(ok, e.replyTo());
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return new Done(new EvaluationFailed(e.experimentId(), e.trial(), cause.getMessage() == null
                    ? cause.toString() : cause.getMessage()), e.replyTo());
        });
        return this;
    }
}

package io.ndevid.actors.trainer;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.checkpoint.CheckpointShipper;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrainerProtocol.Command;
import io.ndevid.actors.protocol.TrainerProtocol.Describe;
import io.ndevid.actors.protocol.TrainerProtocol.Drain;
import io.ndevid.actors.protocol.TrainerProtocol.ResultAcked;
import io.ndevid.actors.protocol.TrainerProtocol.StartTrial;
import io.ndevid.actors.protocol.TrainerProtocol.Status;
import io.ndevid.actors.protocol.TrainerProtocol.StopTrial;
import io.ndevid.actors.protocol.TrainerProtocol.TrialRef;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.status.ActorStatus;
import io.ndevid.actors.transport.LatencyStats;
import io.ndevid.study.experiment.BestMetrics;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One trainer slot (role {@code trainer}, one per process): registers with the Receptionist, accepts one trial at a
 * time, runs it through the {@link TrialExecutor} on its own thread (the actor never blocks), reports progress to the
 * coordinator at most once per {@code progressInterval} — and at least once per {@code heartbeatInterval} — and
 * re-sends the trial's end until the coordinator acknowledges it, so a result survives a coordinator fail-over.
 */
public final class TrainerActor extends AbstractBehavior<TrainerProtocol.Command> {

    private record ExecutorDone(TrainerLoop.Result result, Throwable failure, String stored) implements Command {}

    /** What the trial's thread returns: the loop's result and where the store put the shipped checkpoint. */
    private record Finished(TrainerLoop.Result result, String stored) {}

    private enum Tick implements Command { INSTANCE }

    private enum StatusTick implements Command { INSTANCE }

    /** A trial in this slot: written by the trial's thread (progress), read by the actor. */
    private static final class Running {
        final TrialRef ref;
        final TrialSpec spec;
        final String runDir;
        final StopHandle stop = new StopHandle();
        final AtomicReference<TrainerLoop.Progress> latest = new AtomicReference<>();
        final AtomicLong startIteration = new AtomicLong(-1);
        final AtomicReference<Map<String, Double>> metrics = new AtomicReference<>(Map.of());
        final AtomicReference<String> message = new AtomicReference<>("");
        /** Time per iteration, from the trial thread's progress callbacks (one per iteration). */
        final LatencyStats steps = new LatencyStats("step");
        long lastProgressNanos;
        long lastProgressIteration = -1;
        TrainerLoop.Progress sent;
        long sentAt;
        CoordinatorProtocol.TrialEnded ended;
        long endedSentAt;

        Running(TrialRef ref, TrialSpec spec, String runDir) {
            this.ref = ref;
            this.spec = spec;
            this.runDir = runDir;
        }
    }

    private final ActorContext<Command> context;
    private final SlotInfo slot;
    private final TrialExecutor executor;
    private final ActorRef<CoordinatorProtocol.Command> coordinator;
    private final TrainerSettings settings;
    private final CheckpointShipper shipper;
    private final ExecutorService trialThread;
    private final List<ActorRef<Done>> drainers = new ArrayList<>();
    private final ActorStatus status;
    private Running current;
    private TrialRef last;

    public static Behavior<Command> create(SlotInfo slot, TrialExecutor executor,
                                           ActorRef<CoordinatorProtocol.Command> coordinator,
                                           TrainerSettings settings) {
        return create(slot, executor, coordinator, settings, null);
    }

    /**
     * @param shipper ships a finished trial's checkpoints to the store before its end is reported (null: never,
     *                the data directory is shared)
     */
    public static Behavior<Command> create(SlotInfo slot, TrialExecutor executor,
                                           ActorRef<CoordinatorProtocol.Command> coordinator, TrainerSettings settings,
                                           CheckpointShipper shipper) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new TrainerActor(ctx, timers, slot, executor, coordinator, settings, shipper)));
    }

    private TrainerActor(ActorContext<Command> context, TimerScheduler<Command> timers, SlotInfo slot,
                         TrialExecutor executor, ActorRef<CoordinatorProtocol.Command> coordinator,
                         TrainerSettings settings, CheckpointShipper shipper) {
        super(context);
        this.shipper = shipper;
        this.context = context;
        this.slot = slot;
        this.executor = executor;
        this.coordinator = coordinator;
        this.settings = settings;
        // The trial's own thread: a trial blocks for hours, and the engine allows one gradient collector per JVM.
        this.trialThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "trial-" + slot.id());
            t.setDaemon(true);
            return t;
        });
        context.getSystem().receptionist().tell(Receptionist.register(TrainerProtocol.SERVICE_KEY, context.getSelf()));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.progressInterval());
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "trainer");
        if (shipper != null) {
            status.latency("transfer", shipper.transferLatency());
            status.bytesFrom(shipper::bytesShipped);
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Describe.class, this::onDescribe)
                .onMessage(StartTrial.class, this::onStart)
                .onMessage(StopTrial.class, this::onStop)
                .onMessage(ResultAcked.class, this::onAcked)
                .onMessage(Drain.class, this::onDrain)
                .onMessage(ExecutorDone.class, this::onExecutorDone)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(StatusTick.INSTANCE, this::onStatusTick)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onDescribe(Describe d) {
        status.touch();
        d.replyTo().tell(new Status(context.getSelf(), slot, current == null ? null : current.ref,
                current != null && current.ended != null));
        return this;
    }

    private Behavior<Command> onStart(StartTrial s) {
        status.touch();
        if (current != null) {
            if (current.ref.is(s.experimentId(), s.spec().name(), s.attempt())) {
                // a duplicate (the coordinator re-sent it): confirm again
                coordinator.tell(new CoordinatorProtocol.TrialAccepted(s.experimentId(), s.spec().name(), s.attempt(),
                        context.getSelf(), slot));
            } else {
                coordinator.tell(new CoordinatorProtocol.TrialRejected(s.experimentId(), s.spec().name(), s.attempt(),
                        context.getSelf(), "slot " + slot.id() + " is busy with " + current.ref.trial()));
            }
            return this;
        }
        if (!drainers.isEmpty()) {
            coordinator.tell(new CoordinatorProtocol.TrialRejected(s.experimentId(), s.spec().name(), s.attempt(),
                    context.getSelf(), "slot " + slot.id() + " is shutting down"));
            return this;
        }
        Running r = new Running(new TrialRef(s.experimentId(), s.spec().name(), s.attempt()), s.spec(), s.runDir());
        current = r;
        last = r.ref;
        status.latency("step", r.steps);
        context.getLog().info("slot {} starts {} / {} attempt {} in {}", slot.id(), s.experimentId(),
                s.spec().name(), s.attempt(), s.runDir());
        coordinator.tell(new CoordinatorProtocol.TrialAccepted(s.experimentId(), s.spec().name(), s.attempt(),
                context.getSelf(), slot));
        TrialExecutor.Listener listener = new TrialExecutor.Listener() {
            @Override
            public void onProgress(TrainerLoop.Progress p) {
                r.startIteration.compareAndSet(-1, p.iteration() - 1);
                r.latest.set(p);
                // on the trial's thread: per-iteration time into a wait-free HdrHistogram recorder
                long now = System.nanoTime();
                long done = p.iteration() - r.lastProgressIteration;
                if (r.lastProgressIteration >= 0 && done > 0) {
                    r.steps.record((now - r.lastProgressNanos) / done);
                }
                r.lastProgressNanos = now;
                r.lastProgressIteration = p.iteration();
            }

            @Override
            public void onMessage(String message) {
                r.message.set(message);
            }

            @Override
            public void onMetrics(long iteration, Map<String, Double> metrics) {
                r.metrics.updateAndGet(best -> BestMetrics.merge(best, metrics));
            }
        };
        CompletableFuture<Finished> run = CompletableFuture.supplyAsync(() -> {
            TrainerLoop.Result result;
            try {
                // fences off earlier attempts' writers (a paused trainer of a re-assigned trial); refused if newer
                RunFolder.claimAttempt(Path.of(r.runDir), r.ref.attempt());
                result = executor.execute(r.spec, Path.of(r.runDir), listener, r.stop);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
            if (shipper == null || shipper.mode() == CheckpointShipper.Mode.SHARED_FS
                    || !Outcome.of(result.status()).isResult()) {
                return new Finished(result, null);
            }
            // the result counts only once the store has the bytes
            r.message.set("shipping checkpoints to the store");
            try {
                CheckpointShipper.Shipped shipped = shipper.ship(r.ref.experimentId(), r.ref.trial(),
                        Path.of(r.runDir));
                return new Finished(result, shipped.finalPath());
            } catch (Exception e) {
                Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                        ? e.getCause() : e;
                throw new CompletionException(new IllegalStateException("checkpoint transfer to the store failed: "
                        + cause.getMessage(), cause));
            }
        }, trialThread);
        context.pipeToSelf(run, (f, failure) -> new ExecutorDone(f == null ? null : f.result(), failure,
                f == null ? null : f.stored()));
        return this;
    }

    private Behavior<Command> onStop(StopTrial s) {
        status.touch();
        if (current != null && current.ref.is(s.experimentId(), s.trial(), s.attempt()) && current.ended == null) {
            context.getLog().info("slot {} stops {} attempt {}: {}", slot.id(), s.trial(), s.attempt(), s.reason());
            current.stop.request();
        }
        return this;
    }

    private Behavior<Command> onAcked(ResultAcked a) {
        status.touch();
        if (current != null && current.ended != null && current.ref.is(a.experimentId(), a.trial(), a.attempt())) {
            current = null;
            drainers.forEach(d -> d.tell(Done.getInstance()));
            drainers.clear();
        }
        return this;
    }

    private Behavior<Command> onDrain(Drain d) {
        status.touch();
        if (current == null) {
            d.replyTo().tell(Done.getInstance());
        } else {
            drainers.add(d.replyTo());
            current.stop.request();
        }
        return this;
    }

    private Behavior<Command> onExecutorDone(ExecutorDone done) {
        Running r = current;
        if (r == null) {
            return this;
        }
        Outcome outcome;
        long iterations;
        String message;
        Map<String, Double> losses;
        if (done.failure() != null) {
            Throwable cause = done.failure() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : done.failure();
            context.getLog().error("slot {}: trial {} threw", slot.id(), r.ref.trial(), cause);
            outcome = Outcome.FAILED;
            TrainerLoop.Progress p = r.latest.get();
            iterations = p == null ? Math.max(0, r.startIteration.get()) : p.iteration();
            message = "failed: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
            losses = p == null ? Map.of() : p.losses();
        } else {
            TrainerLoop.Result res = done.result();
            outcome = Outcome.of(res.status());
            iterations = res.iterationsDone();
            message = res.message();
            losses = res.lastLosses();
        }
        sendProgress(r, true);
        r.ended = new CoordinatorProtocol.TrialEnded(r.ref.experimentId(), r.ref.trial(), r.ref.attempt(), outcome,
                iterations, message, losses, r.metrics.get(), r.runDir, context.getSelf(), done.stored());
        context.getLog().info("slot {}: {} attempt {} ended {} at iteration {}", slot.id(), r.ref.trial(),
                r.ref.attempt(), outcome, iterations);
        sendEnded(r);
        return this;
    }

    private Behavior<Command> onTick() {
        Running r = current;
        if (r == null) {
            return this;
        }
        if (r.ended != null) {
            if (System.nanoTime() - r.endedSentAt >= settings.resultResend().toNanos()) {
                sendEnded(r);
            }
        } else {
            sendProgress(r, false);
        }
        return this;
    }

    private Behavior<Command> onStatusTick() {
        Running r = current;
        String state = r == null ? (drainers.isEmpty() ? "idle" : "stopped")
                : r.ended != null ? "ending" : !drainers.isEmpty() ? "draining" : "running";
        TrialRef t = r != null ? r.ref : last;
        status.publish(state, r == null ? 0 : 1, slot.device(), slot.id(), t == null ? null : t.experimentId(),
                t == null ? null : t.trial());
        return this;
    }

    private void sendEnded(Running r) {
        r.endedSentAt = System.nanoTime();
        coordinator.tell(r.ended);
    }

    /** Sends progress when there is news, or as a heartbeat when there was none for heartbeatInterval. */
    private void sendProgress(Running r, boolean force) {
        TrainerLoop.Progress p = r.latest.get();
        long now = System.nanoTime();
        boolean news = p != null && p != r.sent;
        if (!force && !news && now - r.sentAt < settings.heartbeatInterval().toNanos()) {
            return;
        }
        r.sent = p;
        r.sentAt = now;
        coordinator.tell(new CoordinatorProtocol.TrialProgress(r.ref.experimentId(), r.ref.trial(), r.ref.attempt(),
                context.getSelf(), slot, r.startIteration.get(), p == null ? -1 : p.iteration(),
                r.spec.iterations(), p == null ? 0 : p.itPerSec(), p == null ? 0 : p.etaSeconds(),
                p == null ? Map.of() : p.losses(), r.metrics.get(), r.message.get()));
    }

    private Behavior<Command> onPostStop() {
        if (current != null) {
            current.stop.request();
        }
        trialThread.shutdown();
        return this;
    }
}

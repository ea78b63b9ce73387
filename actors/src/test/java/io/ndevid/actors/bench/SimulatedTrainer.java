package io.ndevid.actors.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import org.HdrHistogram.ConcurrentHistogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A trainer slot that trains nothing (for {@link CoordinatorScaleBench}): it registers under the trainers' service
 * key and speaks the real {@link TrainerProtocol} to the real coordinator — answers "describe", accepts a trial,
 * reports its start and then progress every {@code progressInterval} (as a TrainerActor does), ends it COMPLETED after
 * a random duration (uniform in 0.5–1.5 × {@code meanTrial}) and re-sends the end until it is acknowledged. The
 * final checkpoint is faked as if the trainer had shipped it to the store over Aeron: a small file at the store's
 * path, named in the end report, so the coordinator takes its "already stored" hand-over.
 *
 * <p>Measures, in microseconds, how long it waits for work: from the end report of its previous trial (the slot is
 * free) to the next {@code StartTrial}; for its first trial, from the experiment's submission.
 */
final class SimulatedTrainer extends AbstractBehavior<TrainerProtocol.Command> {

    /** What all simulated slots record, shared. */
    static final class Stats {
        /** Slot free (its end sent) → next assignment received, µs. */
        final ConcurrentHistogram steady = new ConcurrentHistogram(3);
        /** Experiment submitted → a slot's first assignment received, µs. */
        final ConcurrentHistogram first = new ConcurrentHistogram(3);
        /** When the experiment was submitted (System.nanoTime), 0 before. */
        final AtomicLong submittedAt = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        /** Assignments that reached a slot still holding an unacknowledged trial: must stay 0. */
        final AtomicLong overlaps = new AtomicLong();
        /** StopTrial received (the coordinator gave up on an attempt): 0 in a healthy run. */
        final AtomicLong stops = new AtomicLong();
        /** Ends re-sent because no acknowledgement came within the resend interval. */
        final AtomicLong resends = new AtomicLong();
    }

    /** How the simulated slots behave. */
    record Plan(Path dataDir, Duration meanTrial, Duration progressInterval, Duration resend, int checkpointBytes) {}

    private enum Progress implements TrainerProtocol.Command { INSTANCE }

    private enum End implements TrainerProtocol.Command { INSTANCE }

    private enum Resend implements TrainerProtocol.Command { INSTANCE }

    private final ActorContext<TrainerProtocol.Command> context;
    private final TimerScheduler<TrainerProtocol.Command> timers;
    private final SlotInfo slot;
    private final ActorRef<CoordinatorProtocol.Command> coordinator;
    private final Plan plan;
    private final Stats stats;
    private final Random random;

    private TrainerProtocol.StartTrial current;
    private boolean ending;
    private long startedAt;
    private long durationNanos;
    private long freeSince; // nanoTime the slot last became free; 0: never ran a trial
    private long endSentAt;
    private CoordinatorProtocol.TrialEnded endReport;

    static Behavior<TrainerProtocol.Command> create(SlotInfo slot, ActorRef<CoordinatorProtocol.Command> coordinator,
                                                    Plan plan, Stats stats, long seed) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SimulatedTrainer(ctx, timers, slot,
                coordinator, plan, stats, seed)));
    }

    private SimulatedTrainer(ActorContext<TrainerProtocol.Command> context,
                             TimerScheduler<TrainerProtocol.Command> timers, SlotInfo slot,
                             ActorRef<CoordinatorProtocol.Command> coordinator, Plan plan, Stats stats, long seed) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.slot = slot;
        this.coordinator = coordinator;
        this.plan = plan;
        this.stats = stats;
        this.random = new Random(seed);
        context.getSystem().receptionist().tell(Receptionist.register(TrainerProtocol.SERVICE_KEY, context.getSelf()));
    }

    @Override
    public Receive<TrainerProtocol.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(TrainerProtocol.Describe.class, this::onDescribe)
                .onMessage(TrainerProtocol.StartTrial.class, this::onStart)
                .onMessage(TrainerProtocol.StopTrial.class, this::onStop)
                .onMessage(TrainerProtocol.ResultAcked.class, this::onAcked)
                .onMessage(TrainerProtocol.Drain.class, d -> {
                    d.replyTo().tell(akka.Done.getInstance());
                    return this;
                })
                .onMessageEquals(Progress.INSTANCE, this::onProgress)
                .onMessageEquals(End.INSTANCE, () -> end(Outcome.COMPLETED, current.spec().iterations()))
                .onMessageEquals(Resend.INSTANCE, this::onResend)
                .build();
    }

    private TrainerProtocol.TrialRef running() {
        return current == null ? null : new TrainerProtocol.TrialRef(current.experimentId(), current.spec().name(),
                current.attempt());
    }

    private Behavior<TrainerProtocol.Command> onDescribe(TrainerProtocol.Describe d) {
        d.replyTo().tell(new TrainerProtocol.Status(context.getSelf(), slot, running(), ending));
        return this;
    }

    private Behavior<TrainerProtocol.Command> onStart(TrainerProtocol.StartTrial s) {
        long now = System.nanoTime();
        if (current != null) {
            stats.overlaps.incrementAndGet();
            return this; // a real trainer rejects it; the bench counts it as a scheduling error
        }
        if (freeSince > 0) {
            stats.steady.recordValue(Math.max(0, (now - freeSince) / 1000));
        } else {
            stats.first.recordValue(Math.max(0, (now - stats.submittedAt.get()) / 1000));
        }
        current = s;
        ending = false;
        startedAt = now;
        durationNanos = (long) (plan.meanTrial().toNanos() * (0.5 + random.nextDouble()));
        coordinator.tell(new CoordinatorProtocol.TrialAccepted(s.experimentId(), s.spec().name(), s.attempt(),
                context.getSelf(), slot));
        progress(-1); // the attempt began at iteration 0 (journaled as Started), no iteration done yet
        timers.startTimerWithFixedDelay(Progress.INSTANCE, plan.progressInterval());
        timers.startSingleTimer(End.INSTANCE, Duration.ofNanos(durationNanos));
        return this;
    }

    private void progress(long iteration) {
        TrainerProtocol.StartTrial s = current;
        double total = s.spec().iterations();
        double seconds = (System.nanoTime() - startedAt) / 1e9;
        double left = Math.max(0, (durationNanos / 1e9) - seconds);
        coordinator.tell(new CoordinatorProtocol.TrialProgress(s.experimentId(), s.spec().name(), s.attempt(),
                context.getSelf(), slot, 0, iteration, s.spec().iterations(),
                total / (durationNanos / 1e9), left,
                Map.of("d_loss", 0.7 - 0.1 * random.nextDouble(), "g_loss", 1.1 + 0.1 * random.nextDouble()),
                Map.of(), ""));
    }

    private Behavior<TrainerProtocol.Command> onProgress() {
        if (current != null && !ending) {
            double done = Math.min(1, (System.nanoTime() - startedAt) / (double) durationNanos);
            progress((long) (done * current.spec().iterations()));
        }
        return this;
    }

    private Behavior<TrainerProtocol.Command> end(Outcome outcome, long iterations) {
        timers.cancel(Progress.INSTANCE);
        timers.cancel(End.INSTANCE);
        TrainerProtocol.StartTrial s = current;
        Path stored = CheckpointActor.storedPath(plan.dataDir(), s.experimentId(), s.spec().name());
        try {
            Files.createDirectories(stored.getParent());
            Files.write(stored, new byte[plan.checkpointBytes()]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the simulated checkpoint " + stored, e);
        }
        ending = true;
        endSentAt = System.nanoTime();
        endReport = new CoordinatorProtocol.TrialEnded(s.experimentId(), s.spec().name(), s.attempt(), outcome,
                iterations, outcome.name().toLowerCase(java.util.Locale.ROOT), Map.of("d_loss", 0.25, "g_loss", 0.9),
                Map.of("is", 1.0 + random.nextDouble(), "fid", 500 + 100 * random.nextDouble()), s.runDir(),
                context.getSelf(), stored.toString());
        coordinator.tell(endReport);
        timers.startTimerWithFixedDelay(Resend.INSTANCE, plan.resend());
        return this;
    }

    private Behavior<TrainerProtocol.Command> onResend() {
        if (ending && endReport != null) {
            stats.resends.incrementAndGet();
            coordinator.tell(endReport);
        }
        return this;
    }

    private Behavior<TrainerProtocol.Command> onStop(TrainerProtocol.StopTrial s) {
        if (current != null && !ending && current.spec().name().equals(s.trial()) && current.attempt() == s.attempt()
                && current.experimentId().equals(s.experimentId())) {
            stats.stops.incrementAndGet();
            double done = Math.min(1, (System.nanoTime() - startedAt) / (double) durationNanos);
            return end(Outcome.STOPPED, (long) (done * current.spec().iterations()));
        }
        return this;
    }

    private Behavior<TrainerProtocol.Command> onAcked(TrainerProtocol.ResultAcked a) {
        if (current != null && ending && current.experimentId().equals(a.experimentId())
                && current.spec().name().equals(a.trial()) && current.attempt() == a.attempt()) {
            timers.cancel(Resend.INSTANCE);
            current = null;
            ending = false;
            endReport = null;
            freeSince = endSentAt;
            stats.completed.incrementAndGet();
        }
        return this;
    }
}

package io.ndevid.actors.coordinator;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.PreRestart;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.coordinator.Scheduling.Live;
import io.ndevid.actors.coordinator.Scheduling.Slot;
import io.ndevid.actors.coordinator.Scheduling.SlotState;
import io.ndevid.actors.coordinator.Scheduling.TrialKey;
import io.ndevid.actors.protocol.CoordinatorProtocol.Accepted;
import io.ndevid.actors.protocol.CoordinatorProtocol.Ack;
import io.ndevid.actors.protocol.CoordinatorProtocol.Cancel;
import io.ndevid.actors.protocol.CoordinatorProtocol.Command;
import io.ndevid.actors.protocol.CoordinatorProtocol.ExperimentList;
import io.ndevid.actors.protocol.CoordinatorProtocol.GetStatus;
import io.ndevid.actors.protocol.CoordinatorProtocol.ListExperiments;
import io.ndevid.actors.protocol.CoordinatorProtocol.Pause;
import io.ndevid.actors.protocol.CoordinatorProtocol.Rejected;
import io.ndevid.actors.protocol.CoordinatorProtocol.Resume;
import io.ndevid.actors.protocol.CoordinatorProtocol.StatusReply;
import io.ndevid.actors.protocol.CoordinatorProtocol.Submit;
import io.ndevid.actors.protocol.CoordinatorProtocol.TrialAccepted;
import io.ndevid.actors.protocol.CoordinatorProtocol.TrialEnded;
import io.ndevid.actors.protocol.CoordinatorProtocol.TrialProgress;
import io.ndevid.actors.protocol.CoordinatorProtocol.TrialRejected;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.actors.status.ActorStatus;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.Attempt;
import io.ndevid.study.experiment.BestMetrics;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.training.run.EpochFence;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.report.Renderer;
import io.ndevid.study.report.StudyReport;
import io.ndevid.training.spec.TrialSpec;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The experiment coordinator (a cluster singleton on role {@code coordinator}): accepts experiments, expands their
 * grids into trials, and hands PENDING trials to free trainer slots found through the Receptionist. Each decision is
 * journaled (fsync'd) in the experiment's folder before it is acted on — the decisions of one message in one group
 * commit ({@link #committed}) — so a coordinator that restarts — here or on
 * another node — replays the journals and carries on: finished trials stay finished, trials that were running are
 * reclaimed by their trainer if it is still at it, and re-queued (to resume from their checkpoints) if not.
 *
 * <p>Failures: a trial that fails or whose trainer dies (watch) or goes silent (no progress within
 * {@code progressTimeout}) is retried from its last checkpoint until it has failed more than {@code maxFailures}
 * times, then it is ERROR.
 *
 * <p>This class is the wiring: its messages are {@link CoordinatorProtocol} (and {@link TrainerProtocol} towards the
 * slots); the decisions are {@link Scheduling} (slots, dispatch, timeouts, reclaiming), {@link Recovery} (replaying
 * the journals), {@link StoreHandoff} (final checkpoints to the store) and {@link ResultsPublisher} (results.json,
 * the results tables and the report when an experiment finishes).
 */
public final class Coordinator extends AbstractBehavior<CoordinatorProtocol.Command> {

    // ---- internal ----

    /** One adapter for every Listing (message adapters are per class): trainers and checkpoint stores. */
    private record Listed(Receptionist.Listing listing) implements Command {}

    private record TrainerDescribed(TrainerProtocol.Status status) implements Command {}

    private record TrainerGone(ActorRef<TrainerProtocol.Command> trainer) implements Command {}

    private record CheckpointReply(CheckpointActor.Reply reply) implements Command {}

    private enum Tick implements Command { INSTANCE }

    private enum StatusTick implements Command { INSTANCE }

    private final ActorContext<Command> context;
    private final CoordinatorSettings settings;
    private final Map<String, ExperimentJournal> experiments = new LinkedHashMap<>();
    private final Map<String, String> unreadable = new LinkedHashMap<>();
    private final Scheduling<ActorRef<TrainerProtocol.Command>> scheduling;
    private final Map<ActorRef<TrainerProtocol.Command>, Slot<ActorRef<TrainerProtocol.Command>>> slots;
    private final Map<TrialKey, Live<ActorRef<TrainerProtocol.Command>>> live;
    private final ResultsPublisher results;
    private final ActorRef<TrainerProtocol.Status> describedAdapter;
    private final ActorRef<CheckpointActor.Reply> checkpointAdapter;
    private Set<ActorRef<CheckpointActor.Command>> stores = Set.of();
    private final ActorStatus status;
    /** What the message being handled decided to send, held until its journal appends are forced. */
    private final List<Runnable> outbox = new ArrayList<>();
    /**
     * This incarnation's epoch, claimed in {@code <data-dir>/.fence/} before anything is replayed: every journal
     * append is refused once a newer coordinator (after a fail-over, or a restart) claimed a newer one.
     */
    private final EpochFence fence;

    /** Where coordinator epochs are claimed: beside the experiment folders, in the shared data directory. */
    public static Path fenceDir(Path dataDir) {
        return dataDir.resolve(".fence");
    }

    /** A coordinator that renders the reports' continuous-time figures in its own process. */
    public static Behavior<Command> create(CoordinatorSettings settings) {
        return create(settings, Renderer.inProcess());
    }

    /** @param renderer renders the continuous-time figures of the reports written when an experiment finishes */
    public static Behavior<Command> create(CoordinatorSettings settings, Renderer renderer) {
        return create(settings, renderer, new AtomicReference<>());
    }

    /**
     * The coordinator as the cluster runs it: an I/O failure (a journal write error) restarts it after a back-off
     * doubling from {@code restart-backoff-min} to {@code -max}; the restarted one claims a new epoch and replays
     * the journals, so what was journaled is kept; requests meanwhile go unanswered or are dropped with a failing
     * restart (the HTTP API's asks time out: 503, and clients ask again). A
     * fenced-off append ({@link EpochFence.FencedException}, not an I/O failure) stops it for good, and so does a
     * restart after a newer coordinator claimed an epoch: restarting would fence out the one that replaced it.
     */
    public static Behavior<Command> supervised(CoordinatorSettings settings, Renderer renderer) {
        AtomicReference<EpochFence> previous = new AtomicReference<>();
        return Behaviors.supervise(create(settings, renderer, previous)).onFailure(UncheckedIOException.class,
                SupervisorStrategy.restartWithBackoff(settings.restartBackoffMin(), settings.restartBackoffMax(),
                        0.2));
    }

    private static Behavior<Command> create(CoordinatorSettings settings, Renderer renderer,
                                            AtomicReference<EpochFence> previous) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Coordinator(ctx, timers, settings,
                renderer, previous)));
    }

    private Coordinator(ActorContext<Command> context, TimerScheduler<Command> timers, CoordinatorSettings settings,
                        Renderer renderer, AtomicReference<EpochFence> previous) {
        super(context);
        this.context = context;
        this.settings = settings;
        this.scheduling = new Scheduling<>(settings, experiments);
        this.slots = scheduling.slots;
        this.live = scheduling.live;
        this.results = new ResultsPublisher(renderer);
        this.describedAdapter = context.messageAdapter(TrainerProtocol.Status.class, TrainerDescribed::new);
        this.checkpointAdapter = context.messageAdapter(CheckpointActor.Reply.class, CheckpointReply::new);
        if (previous.get() != null) {
            previous.get().check(); // restarted: only if nobody took over meanwhile
        }
        this.fence = EpochFence.claimNext(fenceDir(settings.dataDir()), "coordinator");
        previous.set(fence);
        context.getLog().info("coordinator incarnation {} (journal appends fenced by {})", fence.epoch(), fence);
        recover();
        ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, Listed::new);
        context.getSystem().receptionist().tell(Receptionist.subscribe(TrainerProtocol.SERVICE_KEY, listings));
        context.getSystem().receptionist().tell(Receptionist.subscribe(CheckpointActor.SERVICE_KEY, listings));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
        this.status = ActorStatus.start(context, timers, StatusTick.INSTANCE, "coordinator");
    }

    /** Adopts what {@link Recovery} finds in the data directory; finished experiments get a missing report. */
    private void recover() {
        Recovery.Recovered r = Recovery.recover(settings.dataDir(), fence);
        experiments.putAll(r.experiments());
        unreadable.putAll(r.unreadable());
        long now = System.nanoTime();
        for (Recovery.Running t : r.running()) {
            Live<ActorRef<TrainerProtocol.Command>> l = new Live<>();
            l.slot = t.slot();
            l.since = now;
            live.put(new TrialKey(t.experimentId(), t.trial()), l);
        }
        r.recovered().forEach(line -> context.getLog().info(line));
        r.errors().forEach(line -> context.getLog().error(line));
        experiments.forEach((id, j) -> {
            if (j.state().phase() != ExperimentState.Phase.RUNNING && !StudyReport.current(dirOf(id))) {
                results.report(dirOf(id));
            }
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, m -> committed(onSubmit(m)))
                .onMessage(Cancel.class, m -> committed(onCancel(m)))
                .onMessage(Pause.class, m -> committed(onPause(m)))
                .onMessage(Resume.class, m -> committed(onResume(m)))
                .onMessage(GetStatus.class, m -> committed(onGetStatus(m)))
                .onMessage(ListExperiments.class, m -> committed(onList(m)))
                .onMessage(TrialAccepted.class, m -> committed(onAccepted(m)))
                .onMessage(TrialRejected.class, m -> committed(onRejected(m)))
                .onMessage(TrialProgress.class, m -> committed(onProgress(m)))
                .onMessage(TrialEnded.class, m -> committed(onEnded(m)))
                .onMessage(Listed.class, m -> committed(onListing(m)))
                .onMessage(TrainerDescribed.class, m -> committed(onDescribed(m)))
                .onMessage(TrainerGone.class, m -> committed(onGone(m)))
                .onMessage(CheckpointReply.class, m -> committed(onCheckpointReply(m)))
                .onMessageEquals(Tick.INSTANCE, () -> committed(onTick()))
                .onMessageEquals(StatusTick.INSTANCE, this::onStatusTick)
                .onSignal(PostStop.class, s -> closeAll())
                .onSignal(PreRestart.class, s -> closeAll())
                .build();
    }

    /**
     * The end of every message: a group commit. What the message appended to the journals is forced to disk (one
     * fsync per journal it touched), and only then does anything it decided leave this actor — replies, StartTrial,
     * acknowledgements, exports, results files — in the order it decided them. A failing force throws before anything
     * is sent; the supervisor's restart drops what was queued.
     */
    private Behavior<Command> committed(Behavior<Command> next) {
        for (ExperimentJournal j : experiments.values()) {
            j.force();
        }
        if (!outbox.isEmpty()) {
            List<Runnable> out = List.copyOf(outbox);
            outbox.clear();
            out.forEach(Runnable::run);
        }
        return next;
    }

    /** Sends {@code message} once this message's journal appends are on disk ({@link #committed}). */
    private <T> void send(ActorRef<T> to, T message) {
        outbox.add(() -> to.tell(message));
    }

    private Behavior<Command> closeAll() {
        experiments.values().forEach(ExperimentJournal::close);
        results.close();
        return this;
    }

    /** Queue depth: trials waiting for a slot; state: running experiments and busy slots. */
    private Behavior<Command> onStatusTick() {
        int pending = 0;
        int running = 0;
        for (ExperimentJournal j : experiments.values()) {
            pending += j.state().counts().getOrDefault(TrialState.PENDING, 0);
            if (j.state().phase() == ExperimentState.Phase.RUNNING) {
                running++;
            }
        }
        long busy = slots.values().stream().filter(s -> s.state == SlotState.BUSY).count();
        status.publish(running + " exp, " + busy + "/" + slots.size() + " busy", pending, null, null, null, null);
        return this;
    }

    // ---- clients ----

    private Behavior<Command> onSubmit(Submit s) {
        status.touch();
        GridSpec grid = s.grid();
        String id = grid.name();
        ExperimentJournal existing = experiments.get(id);
        if (existing != null) {
            if (existing.state().grid().equals(grid)) {
                send(s.replyTo(), new Accepted(id, List.copyOf(existing.state().trials().keySet()), true));
            } else {
                send(s.replyTo(), new Rejected(id, "an experiment named '" + id + "' already exists with a different "
                        + "grid; choose another name"));
            }
            return this;
        }
        if (unreadable.containsKey(id)) {
            send(s.replyTo(), new Rejected(id, "experiment folder '" + id + "' holds a journal that cannot be read: "
                    + unreadable.get(id)));
            return this;
        }
        List<TrialSpec> trials;
        try {
            trials = grid.expand();
        } catch (IllegalArgumentException e) {
            send(s.replyTo(), new Rejected(id, e.getMessage()));
            return this;
        }
        ExperimentJournal j;
        try {
            j = ExperimentJournal.create(dirOf(id), new JournalEvent.Submitted(id, grid, trials, now()), fence);
        } catch (RuntimeException e) {
            send(s.replyTo(), new Rejected(id, "cannot start the journal: " + e.getMessage()));
            return this;
        }
        experiments.put(id, j);
        context.getLog().info("experiment {}: {} trials queued", id, trials.size());
        send(s.replyTo(), new Accepted(id, trials.stream().map(TrialSpec::name).toList(), false));
        dispatch();
        return this;
    }

    private Behavior<Command> onCancel(Cancel c) {
        status.touch();
        ExperimentJournal j = experiments.get(c.experimentId());
        if (j == null) {
            send(c.replyTo(), new Ack(false, "unknown experiment '" + c.experimentId() + "'"));
            return this;
        }
        if (!j.append(new JournalEvent.Cancelled(c.reason() == null ? "" : c.reason(), now()))) {
            send(c.replyTo(), new Ack(true, "already cancelled"));
            return this;
        }
        for (TrialRecord t : List.copyOf(j.state().trials().values())) {
            if (t.state() == TrialState.RUNNING) {
                stopOrDrop(c.experimentId(), t, "experiment cancelled");
            }
        }
        context.getLog().info("experiment {} cancelled: {}", c.experimentId(), c.reason());
        finishedCheck(c.experimentId());
        send(c.replyTo(), new Ack(true, "cancelled"));
        return this;
    }

    private Behavior<Command> onPause(Pause p) {
        status.touch();
        ExperimentJournal j = experiments.get(p.experimentId());
        TrialRecord t = j == null ? null : j.state().trial(p.trial());
        if (t == null) {
            send(p.replyTo(), new Ack(false, "unknown trial " + p.experimentId() + " / " + p.trial()));
            return this;
        }
        if (!j.append(new JournalEvent.PauseRequested(p.trial(), now()))) {
            send(p.replyTo(), new Ack(false, "trial " + p.trial() + " is " + t.state() + ": cannot pause"));
            return this;
        }
        if (t.state() == TrialState.RUNNING) {
            stopOrDrop(p.experimentId(), j.state().trial(p.trial()), "paused");
        }
        send(p.replyTo(), new Ack(true, "paused"));
        return this;
    }

    private Behavior<Command> onResume(Resume r) {
        status.touch();
        ExperimentJournal j = experiments.get(r.experimentId());
        TrialRecord t = j == null ? null : j.state().trial(r.trial());
        if (t == null) {
            send(r.replyTo(), new Ack(false, "unknown trial " + r.experimentId() + " / " + r.trial()));
            return this;
        }
        boolean ok = j.append(new JournalEvent.Resumed(r.trial(), now()));
        send(r.replyTo(), new Ack(ok, ok ? "resumed" : "trial " + r.trial() + " is " + t.state() + ": not paused"));
        dispatch();
        return this;
    }

    /** Stops a running attempt: asks its trainer, or — for an orphan nobody runs — ends it at once. */
    private void stopOrDrop(String experimentId, TrialRecord t, String reason) {
        TrialKey key = new TrialKey(experimentId, t.name());
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(key);
        if (l != null && l.trainer != null) {
            send(l.trainer, new TrainerProtocol.StopTrial(experimentId, t.name(), t.attempt(), reason));
        } else {
            end(experimentId, t, Outcome.ORPHANED, reason + " (no trainer held it)", null);
        }
    }

    private Behavior<Command> onGetStatus(GetStatus g) {
        status.touch();
        ExperimentJournal j = experiments.get(g.experimentId());
        if (j == null) {
            String why = unreadable.get(g.experimentId());
            send(g.replyTo(), new StatusReply(null, why != null ? "experiment '" + g.experimentId()
                    + "' cannot be read: " + why : "unknown experiment '" + g.experimentId() + "'"));
        } else {
            send(g.replyTo(), new StatusReply(status(j.state(), g.from(), g.max()), null));
        }
        return this;
    }

    private Behavior<Command> onList(ListExperiments l) {
        status.touch();
        Map<String, ExperimentState.Phase> phases = new LinkedHashMap<>();
        experiments.forEach((id, j) -> phases.put(id, j.state().phase()));
        List<SlotInfo> known = slots.values().stream().filter(s -> s.info != null).map(s -> s.info).toList();
        send(l.replyTo(), new ExperimentList(phases, Map.copyOf(unreadable), known));
        return this;
    }

    /** The status with the trials {@code from} … {@code from + max - 1} (the grid's order); counts of all. */
    private ExperimentStatus status(ExperimentState state, int from, int max) {
        List<TrialStatus> rows = new ArrayList<>();
        Set<String> devices = scheduling.slotDevices(); // one look at the slots for every waiting trial
        // a whole status lists the store once; a page (StatusPages asks a few hundred trials) looks each one up
        Set<String> stored = from == 0 && max >= state.trials().size()
                ? StoreHandoff.storedFiles(settings.dataDir(), state.id()) : null;
        int index = -1;
        for (TrialRecord t : state.trials().values()) {
            index++;
            if (index < from) {
                continue;
            }
            if (index - from >= max) {
                break;
            }
            Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(state.id(), t.name()));
            Attempt a = t.current();
            var r = t.result();
            boolean running = t.state() == TrialState.RUNNING && l != null;
            long iteration = running && l.iteration >= 0 ? l.iteration : r != null ? r.iterations()
                    : a != null ? Math.max(0, a.startIteration()) : 0;
            Map<String, Double> best = r == null ? Map.of() : r.metrics();
            if (running) {
                best = BestMetrics.merge(best, l.metrics);
            }
            rows.add(new TrialStatus(t.name(), t.spec().configId(), t.spec().seed(), t.state(), t.attempt(),
                    t.failures(), a == null ? null : a.slot().id(), a == null ? 0 : a.slot().pid(),
                    a == null ? -1 : a.startIteration(), iteration, t.spec().iterations(),
                    running ? l.itPerSec : 0, running ? l.eta : 0,
                    running ? l.losses : r == null ? Map.of() : r.losses(), best,
                    running ? l.message : t.state() == TrialState.PENDING && Scheduling.waiting(t, devices) != null
                            ? Scheduling.waiting(t, devices) : r == null ? "" : r.message(),
                    runDir(state.id(), t.name()).toString(), t.attempts(), r,
                    stored != null ? StoreHandoff.storedCheckpoint(settings.dataDir(), state.id(), t, stored)
                            : StoreHandoff.storedCheckpoint(settings.dataDir(), state.id(), t)));
        }
        return new ExperimentStatus(state.id(), state.phase(), state.counts(), rows, dirOf(state.id()).toString());
    }

    private Behavior<Command> onCheckpointReply(CheckpointReply m) {
        if (m.reply() instanceof CheckpointActor.Stored s) {
            context.getLog().info("{} / {}: final checkpoint (iteration {}) stored in {}", s.experimentId(),
                    s.trial(), s.iteration(), s.path());
            if (experiments.containsKey(s.experimentId())) {
                finishedCheck(s.experimentId()); // the status names the stored checkpoint now
            }
        } else if (m.reply() instanceof CheckpointActor.Failed f) {
            context.getLog().warn("{} / {}: final checkpoint not stored: {}", f.experimentId(), f.trial(),
                    f.reason());
        }
        return this;
    }

    // ---- trainers ----

    private Behavior<Command> onListing(Listed m) {
        if (m.listing().isForKey(CheckpointActor.SERVICE_KEY)) {
            stores = m.listing().getServiceInstances(CheckpointActor.SERVICE_KEY);
            return this;
        }
        Scheduling.ListingChange<ActorRef<TrainerProtocol.Command>> change = scheduling.listed(
                m.listing().getServiceInstances(TrainerProtocol.SERVICE_KEY), System.nanoTime());
        change.added().forEach(s -> context.watchWith(s.ref, new TrainerGone(s.ref)));
        change.describe().forEach(s -> send(s.ref, new TrainerProtocol.Describe(describedAdapter)));
        return this;
    }

    private void describe(Slot<ActorRef<TrainerProtocol.Command>> s) {
        s.describedAt = System.nanoTime();
        send(s.ref, new TrainerProtocol.Describe(describedAdapter));
    }

    private Behavior<Command> onDescribed(TrainerDescribed d) {
        TrainerProtocol.Status st = d.status();
        Slot<ActorRef<TrainerProtocol.Command>> s = slots.get(st.trainer());
        if (s == null) {
            return this; // gone meanwhile
        }
        s.info = st.slot();
        TrainerProtocol.TrialRef running = st.running();
        if (running == null) {
            if (s.state == SlotState.UNKNOWN) {
                s.state = SlotState.IDLE;
            }
        } else if (st.ending() && !scheduling.isRunning(running.experimentId(), running.trial(),
                running.attempt())) {
            // its end crossed this answer (or reached a coordinator before a restart): acknowledge it again
            send(st.trainer(), new TrainerProtocol.ResultAcked(running.experimentId(), running.trial(),
                    running.attempt()));
            s.state = SlotState.UNKNOWN;
        } else if (!reclaim(running, s)) {
            s.state = SlotState.UNKNOWN; // asked to stop; described again later
            send(st.trainer(), new TrainerProtocol.StopTrial(running.experimentId(), running.trial(), running.attempt(),
                    "the coordinator does not know this attempt"));
        }
        dispatch();
        return this;
    }

    /** A trainer runs {@code r}: adopt it if it is the attempt the journal has running and nobody else holds it. */
    private boolean reclaim(TrainerProtocol.TrialRef r, Slot<ActorRef<TrainerProtocol.Command>> s) {
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(r.experimentId(), r.trial()));
        boolean orphan = l != null && l.trainer == null;
        boolean adopted = scheduling.reclaim(r.experimentId(), r.trial(), r.attempt(), s, System.nanoTime());
        if (adopted && orphan) {
            context.getLog().info("{} / {} attempt {} reclaimed by {}", r.experimentId(), r.trial(), r.attempt(),
                    s.info == null ? s.ref : s.info.id());
        }
        return adopted;
    }

    private Behavior<Command> onAccepted(TrialAccepted a) {
        status.touch();
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(a.experimentId(), a.trial()));
        TrialRecord t = record(a.experimentId(), a.trial());
        if (l != null && t != null && t.attempt() == a.attempt() && a.trainer().equals(l.trainer)) {
            l.accepted = true;
            l.lastHeard = System.nanoTime();
        }
        return this;
    }

    private Behavior<Command> onRejected(TrialRejected r) {
        status.touch();
        TrialRecord t = record(r.experimentId(), r.trial());
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(r.experimentId(), r.trial()));
        if (t != null && t.state() == TrialState.RUNNING && t.attempt() == r.attempt() && l != null
                && r.trainer().equals(l.trainer)) {
            end(r.experimentId(), t, Outcome.REJECTED, r.reason(), null);
        }
        Slot<ActorRef<TrainerProtocol.Command>> s = slots.get(r.trainer());
        if (s != null) {
            s.state = SlotState.UNKNOWN;
            describe(s);
        }
        dispatch();
        return this;
    }

    private Behavior<Command> onProgress(TrialProgress p) {
        status.touch();
        TrialKey key = new TrialKey(p.experimentId(), p.trial());
        TrialRecord t = record(p.experimentId(), p.trial());
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(key);
        boolean current = t != null && t.state() == TrialState.RUNNING && t.attempt() == p.attempt() && l != null;
        if (current && l.trainer == null) {
            Slot<ActorRef<TrainerProtocol.Command>> s = slots.get(p.trainer());
            if (s != null) {
                s.info = p.slot();
                current = reclaim(new TrainerProtocol.TrialRef(p.experimentId(), p.trial(), p.attempt()), s);
            } else {
                current = false; // not discovered yet: wait for the listing, then describe
            }
        }
        if (!current || !p.trainer().equals(l.trainer)) {
            if (t == null || t.state() != TrialState.RUNNING || t.attempt() != p.attempt()) {
                // an attempt the coordinator gave up on (timed out, or decided before a restart): stop it
                send(p.trainer(), new TrainerProtocol.StopTrial(p.experimentId(), p.trial(), p.attempt(),
                        "this attempt is no longer current"));
            }
            return this;
        }
        l.lastHeard = System.nanoTime();
        l.accepted = true;
        if (p.iteration() >= 0) {
            l.iteration = p.iteration();
            l.itPerSec = p.itPerSec();
            l.eta = p.etaSeconds();
            l.losses = p.losses();
        }
        l.metrics = BestMetrics.merge(l.metrics, p.metrics());
        l.message = p.message();
        if (p.startIteration() >= 0 && t.current().startIteration() < 0) {
            experiments.get(p.experimentId()).append(new JournalEvent.Started(p.trial(), p.attempt(),
                    p.startIteration(), now()));
        }
        return this;
    }

    private Behavior<Command> onEnded(TrialEnded e) {
        status.touch();
        TrialRecord t = record(e.experimentId(), e.trial());
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(e.experimentId(), e.trial()));
        if (t != null && t.state() == TrialState.RUNNING && t.attempt() == e.attempt() && l != null
                && (l.trainer == null || l.trainer.equals(e.trainer()))) {
            if (t.current().startIteration() < 0 && e.iterations() >= 0 && l.iteration < 0) {
                // it ended before reporting progress (e.g. resumed an already complete trial)
                experiments.get(e.experimentId()).append(new JournalEvent.Started(e.trial(), e.attempt(),
                        e.iterations(), now()));
            }
            end(e.experimentId(), t, e.outcome(), e.message(), e);
        }
        send(e.trainer(), new TrainerProtocol.ResultAcked(e.experimentId(), e.trial(), e.attempt()));
        Slot<ActorRef<TrainerProtocol.Command>> s = slots.get(e.trainer());
        if (s != null && s.state == SlotState.BUSY && !scheduling.busy(s.ref)) {
            s.state = s.listed ? SlotState.IDLE : SlotState.UNKNOWN;
        }
        dispatch();
        return this;
    }

    private Behavior<Command> onGone(TrainerGone g) {
        Slot<ActorRef<TrainerProtocol.Command>> s = slots.remove(g.trainer());
        String name = s == null || s.info == null ? g.trainer().path().toString() : s.info.id();
        List<TrialKey> lost = scheduling.heldBy(g.trainer());
        for (TrialKey k : lost) {
            TrialRecord t = record(k.experimentId(), k.trial());
            context.getLog().warn("trainer {} is gone while running {} / {}", name, k.experimentId(), k.trial());
            if (t != null) {
                end(k.experimentId(), t, Outcome.LOST, "trainer " + name + " died or left the cluster", null);
            }
            live.remove(k);
        }
        dispatch();
        return this;
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        for (Scheduling.Expired<ActorRef<TrainerProtocol.Command>> x : scheduling.expired(now)) {
            TrialRecord t = record(x.key().experimentId(), x.key().trial());
            end(x.key().experimentId(), t, x.outcome(), x.message(), null);
            if (x.stop() != null) {
                send(x.stop(), new TrainerProtocol.StopTrial(x.key().experimentId(), t.name(), t.attempt(),
                        "the coordinator gave up on it (silent)"));
            }
        }
        scheduling.describeDue(now).forEach(s -> send(s.ref, new TrainerProtocol.Describe(describedAdapter)));
        dispatch();
        return this;
    }

    // ---- decisions ----

    /** Starts what {@link Scheduling#dispatch} assigned (journaled already). */
    private void dispatch() {
        for (Scheduling.Assignment<ActorRef<TrainerProtocol.Command>> a : scheduling.dispatch(System.nanoTime())) {
            String name = a.trial().name();
            context.getLog().info("{} / {} attempt {} → {}", a.experimentId(), name, a.attempt(), a.slot().info.id());
            send(a.slot().ref, new TrainerProtocol.StartTrial(a.experimentId(), a.trial().spec(), a.attempt(),
                    runDir(a.experimentId(), name).toString()));
        }
    }

    /** Journals the end of the running attempt of {@code t} and forgets its live state. */
    private void end(String experimentId, TrialRecord t, Outcome outcome, String message, TrialEnded e) {
        ExperimentJournal j = experiments.get(experimentId);
        j.append(new JournalEvent.Ended(t.name(), t.attempt(), outcome, e == null ? lastIteration(experimentId, t)
                : e.iterations(), message, e == null ? Map.of() : e.losses(),
                e == null ? liveMetrics(experimentId, t) : BestMetrics.merge(liveMetrics(experimentId, t), e.metrics()),
                e == null ? runDir(experimentId, t.name()).toString() : e.runDir(), now()));
        live.remove(new TrialKey(experimentId, t.name()));
        TrialRecord after = j.state().trial(t.name());
        StoreHandoff.Action handoff = StoreHandoff.afterEnd(outcome, after, e == null ? -1 : e.iterations(),
                e == null ? null : e.storedCheckpoint(), !stores.isEmpty());
        context.getLog().info("{} / {} attempt {} ended {}: {} → {}", experimentId, t.name(), t.attempt(), outcome,
                message, after.state());
        if (handoff instanceof StoreHandoff.AlreadyStored stored) { // its reply runs the finished check
            onCheckpointReply(new CheckpointReply(new CheckpointActor.Stored(experimentId, t.name(), stored.path(),
                    stored.iteration(), -1)));
            return;
        }
        if (handoff instanceof StoreHandoff.Export export) {
            send(stores.iterator().next(), new CheckpointActor.Export(experimentId, t.name(), export.runDir(),
                    checkpointAdapter));
        }
        finishedCheck(experimentId);
    }

    private long lastIteration(String experimentId, TrialRecord t) {
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(experimentId, t.name()));
        return l != null && l.iteration >= 0 ? l.iteration : Math.max(0, t.current().startIteration());
    }

    private Map<String, Double> liveMetrics(String experimentId, TrialRecord t) {
        Live<ActorRef<TrainerProtocol.Command>> l = live.get(new TrialKey(experimentId, t.name()));
        return l == null ? Map.of() : l.metrics;
    }

    /**
     * When an experiment has finished: its final status ({@code results.json}) and — off this thread — its results
     * tables and report (results.md, results.csv, report.html), written next to its journal.
     */
    private void finishedCheck(String experimentId) {
        ExperimentState state = experiments.get(experimentId).state();
        if (state.phase() == ExperimentState.Phase.RUNNING) {
            return;
        }
        ExperimentStatus done = status(state, 0, Integer.MAX_VALUE);
        outbox.add(() -> results.finished(dirOf(experimentId), done)); // once what finished it is on disk
        context.getLog().info("experiment {} {}: {}", experimentId, state.phase(), state.counts());
    }

    private TrialRecord record(String experimentId, String trial) {
        return scheduling.record(experimentId, trial);
    }

    private Path dirOf(String experimentId) {
        return settings.dataDir().resolve(experimentId);
    }

    private Path runDir(String experimentId, String trial) {
        return dirOf(experimentId).resolve("trials").resolve(trial);
    }

    private static String now() {
        return Instant.now().toString();
    }
}

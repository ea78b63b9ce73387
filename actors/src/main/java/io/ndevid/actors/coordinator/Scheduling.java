package io.ndevid.actors.coordinator;

import io.ndevid.study.experiment.DeviceMatch;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.study.experiment.TrialState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The coordinator's scheduling state and decisions, without an actor: the trainer slots it knows (by a reference of
 * type {@code R}: an {@code ActorRef} in the coordinator, anything in a test), what it knows beyond the journal about
 * each RUNNING trial, which PENDING trial goes to which idle slot, and which running trials have timed out. The
 * coordinator sends the messages these decisions call for; the journals are the only persistent state.
 */
final class Scheduling<R> {

    enum SlotState { UNKNOWN, IDLE, BUSY }

    /** A trainer slot as the coordinator sees it. */
    static final class Slot<R> {
        final R ref;
        SlotInfo info;
        SlotState state = SlotState.UNKNOWN;
        boolean listed = true;
        long describedAt;

        Slot(R ref) {
            this.ref = ref;
        }
    }

    record TrialKey(String experimentId, String trial) {}

    /** What is known, beyond the journal, about a RUNNING trial. */
    static final class Live<R> {
        R trainer; // null: orphaned by a restart, waiting to be reclaimed
        SlotInfo slot;
        boolean accepted;
        long since;          // assignment time, or reclaim deadline start for orphans
        long lastHeard;
        long iteration = -1;
        double itPerSec;
        double eta;
        Map<String, Double> losses = Map.of();
        Map<String, Double> metrics = Map.of();
        String message = "";
    }

    /** A trial given to a slot (already journaled): the coordinator tells the slot to start it. */
    record Assignment<R>(String experimentId, TrialRecord trial, int attempt, Slot<R> slot) {}

    /**
     * A running trial given up on: the coordinator ends it with {@code outcome}; {@code stop} is the trainer to tell
     * to stop (null: none to tell).
     */
    record Expired<R>(TrialKey key, Outcome outcome, String message, R stop) {}

    /** A listing's consequences: slots seen for the first time (watch them) and slots to ask what they run. */
    record ListingChange<R>(List<Slot<R>> added, List<Slot<R>> describe) {}

    private final CoordinatorSettings settings;
    private final Map<String, ExperimentJournal> experiments;
    final Map<R, Slot<R>> slots = new LinkedHashMap<>();
    final Map<TrialKey, Live<R>> live = new HashMap<>();

    /** @param experiments the coordinator's journals, in submission order (read and appended to, not owned) */
    Scheduling(CoordinatorSettings settings, Map<String, ExperimentJournal> experiments) {
        this.settings = settings;
        this.experiments = experiments;
    }

    /** The journaled record of a trial, or null. */
    TrialRecord record(String experimentId, String trial) {
        ExperimentJournal j = experiments.get(experimentId);
        return j == null ? null : j.state().trial(trial);
    }

    /** The current trainer listing: new slots are added, slots that left it get nothing more assigned. */
    ListingChange<R> listed(Set<R> now, long nanos) {
        List<Slot<R>> added = new ArrayList<>();
        List<Slot<R>> describe = new ArrayList<>();
        for (R ref : now) {
            Slot<R> s = slots.get(ref);
            if (s == null) {
                s = new Slot<>(ref);
                slots.put(ref, s);
                added.add(s);
                describe.add(s);
            } else if (!s.listed) {
                s.listed = true;
                describe.add(s);
            }
        }
        for (Slot<R> s : slots.values()) {
            if (!now.contains(s.ref) && s.listed) {
                // unreachable or deregistering: assign nothing to it; the watch decides whether it is gone
                s.listed = false;
                if (s.state == SlotState.IDLE) {
                    s.state = SlotState.UNKNOWN;
                }
            }
        }
        describe.forEach(s -> s.describedAt = nanos);
        return new ListingChange<>(added, describe);
    }

    /** Whether {@code (experimentId, trial, attempt)} is the attempt the journal has running. */
    boolean isRunning(String experimentId, String trial, int attempt) {
        TrialRecord t = record(experimentId, trial);
        return t != null && t.state() == TrialState.RUNNING && t.attempt() == attempt;
    }

    /**
     * A trainer runs an attempt: adopt it if it is the attempt the journal has running and no other trainer holds it.
     * Returns whether the slot now runs it (BUSY).
     */
    boolean reclaim(String experimentId, String trial, int attempt, Slot<R> s, long nanos) {
        Live<R> l = live.get(new TrialKey(experimentId, trial));
        if (!isRunning(experimentId, trial, attempt) || l == null) {
            return false;
        }
        if (l.trainer != null && !l.trainer.equals(s.ref)) {
            return false;
        }
        if (l.trainer == null) {
            l.trainer = s.ref;
            l.accepted = true;
            l.lastHeard = nanos;
        }
        s.state = SlotState.BUSY;
        return true;
    }

    /** Whether some running trial is held by {@code ref}. */
    boolean busy(R ref) {
        return live.values().stream().anyMatch(l -> ref.equals(l.trainer));
    }

    /** The running trials held by {@code ref}. */
    List<TrialKey> heldBy(R ref) {
        return live.entrySet().stream().filter(e -> ref.equals(e.getValue().trainer)).map(Map.Entry::getKey).toList();
    }

    /**
     * Gives PENDING trials (experiments in submission order, trials in grid order; cancelled experiments skipped) to
     * idle, listed, described slots whose device the trial accepts ({@link DeviceMatch}), appending each assignment
     * to its journal before it is returned. The appends are not forced yet: the caller forces the journals
     * ({@link ExperimentJournal#force}) before it tells any slot to start — one fsync for all of them.
     */
    List<Assignment<R>> dispatch(long nanos) {
        List<Assignment<R>> out = new ArrayList<>();
        for (Slot<R> s : slots.values()) {
            if (s.state != SlotState.IDLE || !s.listed || s.info == null) {
                continue;
            }
            TrialRecord next = null;
            ExperimentJournal from = null;
            for (ExperimentJournal j : experiments.values()) {
                if (j.state().cancelled()) {
                    continue;
                }
                next = j.state().firstPending(t -> DeviceMatch.accepts(s.info.device(), t.spec()));
                if (next != null) {
                    from = j;
                    break;
                }
            }
            if (next == null) {
                continue; // nothing pending this slot's kind may run; another slot may still find work
            }
            int attempt = next.attempt() + 1;
            from.append(new JournalEvent.Assigned(next.name(), attempt, s.info, Instant.now().toString()));
            Live<R> l = new Live<>();
            l.trainer = s.ref;
            l.slot = s.info;
            l.since = nanos;
            l.lastHeard = nanos;
            live.put(new TrialKey(from.state().id(), next.name()), l);
            s.state = SlotState.BUSY;
            out.add(new Assignment<>(from.state().id(), next, attempt, s));
        }
        return out;
    }

    /**
     * Running trials to give up on at {@code nanos}: an orphan nobody reclaimed within {@code reclaimTimeout}
     * (ORPHANED), an assignment not accepted within {@code assignTimeout} (REJECTED; its slot is described again),
     * and a trial silent for {@code progressTimeout} (LOST; its trainer is told to stop).
     */
    List<Expired<R>> expired(long nanos) {
        List<Expired<R>> out = new ArrayList<>();
        for (Map.Entry<TrialKey, Live<R>> e : live.entrySet()) {
            Live<R> l = e.getValue();
            if (record(e.getKey().experimentId(), e.getKey().trial()) == null) {
                continue;
            }
            if (l.trainer == null) {
                if (nanos - l.since > settings.reclaimTimeout().toNanos()) {
                    out.add(new Expired<>(e.getKey(), Outcome.ORPHANED, "no trainer reclaimed it within "
                            + settings.reclaimTimeout().toSeconds() + " s of a coordinator restart", null));
                }
            } else if (!l.accepted && nanos - l.since > settings.assignTimeout().toNanos()) {
                unknown(l.trainer);
                out.add(new Expired<>(e.getKey(), Outcome.REJECTED, "the trainer did not accept within "
                        + settings.assignTimeout().toSeconds() + " s", null));
            } else if (l.accepted && nanos - l.lastHeard > settings.progressTimeout().toNanos()) {
                unknown(l.trainer);
                out.add(new Expired<>(e.getKey(), Outcome.LOST, "no progress or heartbeat for "
                        + settings.progressTimeout().toSeconds() + " s", l.trainer));
            }
        }
        return out;
    }

    /**
     * Why a PENDING trial cannot start anywhere now: {@code waiting for a gpu slot} when no listed, described slot
     * (idle or busy) may run it; null when one may (it waits for that slot to be free, or runs soon).
     */
    String waiting(TrialRecord t) {
        return waiting(t, slotDevices());
    }

    /** {@link #waiting(TrialRecord)} against {@code devices} from {@link #slotDevices()} (one look for many trials). */
    static String waiting(TrialRecord t, Set<String> devices) {
        return DeviceMatch.anyAccepts(devices, t.spec()) ? null : DeviceMatch.waiting(t.spec());
    }

    /** The device labels of the listed, described slots (idle or busy). */
    Set<String> slotDevices() {
        Set<String> devices = new HashSet<>();
        for (Slot<R> s : slots.values()) {
            if (s.listed && s.info != null) {
                devices.add(s.info.device());
            }
        }
        return devices;
    }

    /** Listed slots in an unknown state whose last "describe" is older than {@code describeRetry}. */
    List<Slot<R>> describeDue(long nanos) {
        List<Slot<R>> out = new ArrayList<>();
        for (Slot<R> s : slots.values()) {
            if (s.state == SlotState.UNKNOWN && s.listed && nanos - s.describedAt > settings.describeRetry().toNanos()) {
                s.describedAt = nanos;
                out.add(s);
            }
        }
        return out;
    }

    /** Marks a slot's state unknown (it will be described again). */
    void unknown(R ref) {
        Slot<R> s = slots.get(ref);
        if (s != null) {
            s.state = SlotState.UNKNOWN;
        }
    }
}

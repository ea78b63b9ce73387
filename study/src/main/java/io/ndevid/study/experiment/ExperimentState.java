package io.ndevid.study.experiment;

import io.ndevid.study.GridSpec;
import io.ndevid.training.spec.TrialSpec;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * An experiment's state as the journal defines it: a pure function of its events. The coordinator decides, journals
 * the event, then {@link #apply}s it; a restarted coordinator replays the same events and gets an equal state.
 * Events that do not fit the current state (a stale attempt number, a trial that already finished) are refused
 * by {@link #apply} returning false — the same way live and on replay.
 *
 * <p>Besides the trials it keeps two indexes, updated with every change of a trial (one place: {@link #put}), so
 * that the coordinator's per-message questions do not scan every trial of a large grid: which trials are PENDING (in
 * grid order) and how many trials are in each state.
 */
public final class ExperimentState {

    /** Where the experiment as a whole stands. */
    public enum Phase { RUNNING, FINISHED, CANCELLED }

    private final String id;
    private final GridSpec grid;
    private final Map<String, TrialRecord> trials = new LinkedHashMap<>();
    /** Each trial's place in grid order, and the trial at each place (the same records as {@code trials}). */
    private final Map<String, Integer> position = new HashMap<>();
    private final TrialRecord[] byPosition;
    /** Places of the PENDING trials. */
    private final BitSet pending = new BitSet();
    /** Trials per state, by {@link TrialState#ordinal()}. */
    private final int[] counts = new int[TrialState.values().length];
    private boolean cancelled;

    private ExperimentState(JournalEvent.Submitted s) {
        this.id = s.experimentId();
        this.grid = s.grid();
        Map<String, TrialSpec> specs = new LinkedHashMap<>();
        s.trials().forEach(t -> specs.put(t.name(), t));
        this.byPosition = new TrialRecord[specs.size()];
        specs.forEach((name, t) -> {
            position.put(name, position.size());
            put(name, TrialRecord.pending(t));
        });
    }

    /** Every change of a trial goes through here: the trial map and the indexes change together. */
    private void put(String name, TrialRecord t) {
        TrialRecord before = trials.put(name, t);
        if (before != null) {
            counts[before.state().ordinal()]--;
        }
        counts[t.state().ordinal()]++;
        int at = position.get(name);
        byPosition[at] = t;
        pending.set(at, t.state() == TrialState.PENDING);
    }

    public static ExperimentState submitted(JournalEvent.Submitted s) {
        return new ExperimentState(s);
    }

    public String id() {
        return id;
    }

    public GridSpec grid() {
        return grid;
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** The trials in grid order (unmodifiable view). */
    public Map<String, TrialRecord> trials() {
        return Collections.unmodifiableMap(trials);
    }

    public TrialRecord trial(String name) {
        return trials.get(name);
    }

    /** RUNNING while some trial may still run; then FINISHED, or CANCELLED when the experiment was cancelled. */
    public Phase phase() {
        for (TrialState s : TrialState.values()) {
            if (!s.finished() && counts[s.ordinal()] > 0) {
                return Phase.RUNNING;
            }
        }
        return cancelled ? Phase.CANCELLED : Phase.FINISHED;
    }

    /** Trials per state (every state present, 0 for none); a new map each call. */
    public Map<TrialState, Integer> counts() {
        return TrialState.counts(s -> counts[s.ordinal()]);
    }

    /** Trials waiting for a slot, in grid order. */
    public List<TrialRecord> pending() {
        List<TrialRecord> out = new ArrayList<>(counts[TrialState.PENDING.ordinal()]);
        for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) {
            out.add(byPosition[i]);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The first PENDING trial in grid order that {@code accept} takes, or null — looking at PENDING trials only, and
     * only up to that one.
     */
    public TrialRecord firstPending(Predicate<TrialRecord> accept) {
        for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) {
            if (accept.test(byPosition[i])) {
                return byPosition[i];
            }
        }
        return null;
    }

    /** Applies one event; returns false (changing nothing) when it does not fit the current state. */
    public boolean apply(JournalEvent e) {
        if (e instanceof JournalEvent.Assigned a) {
            return assigned(a);
        } else if (e instanceof JournalEvent.Started s) {
            TrialRecord t = running(s.trial(), s.attempt());
            if (t == null || t.current().startIteration() >= 0) {
                return false;
            }
            put(s.trial(), t.started(s.startIteration()));
            return true;
        } else if (e instanceof JournalEvent.Ended x) {
            return ended(x);
        } else if (e instanceof JournalEvent.PauseRequested p) {
            return pause(p.trial());
        } else if (e instanceof JournalEvent.Resumed r) {
            return resume(r.trial());
        } else if (e instanceof JournalEvent.Cancelled) {
            return cancel();
        } else if (e instanceof JournalEvent.Evaluated v) {
            TrialRecord t = trials.get(v.trial());
            if (t == null || t.state() != TrialState.TERMINATED || t.result() == null) {
                return false;
            }
            TrialResult r = t.result();
            put(v.trial(), t.withResult(new TrialResult(r.outcome(), r.iterations(), r.message(), r.losses(),
                    BestMetrics.merge(r.metrics(), v.metrics()), r.runDir())));
            return true;
        }
        return false; // Submitted: only ever the first line, consumed by the constructor
    }

    private boolean assigned(JournalEvent.Assigned a) {
        TrialRecord t = trials.get(a.trial());
        if (t == null || cancelled || t.state() != TrialState.PENDING || a.attempt() != t.attempt() + 1) {
            return false;
        }
        put(a.trial(), t.assigned(a.attempt(), a.slot()));
        return true;
    }

    private boolean ended(JournalEvent.Ended x) {
        TrialRecord t = running(x.trial(), x.attempt());
        if (t == null) {
            return false;
        }
        TrialResult r = new TrialResult(x.outcome(), x.iterations(), x.message(), x.losses(), x.metrics(),
                x.runDir());
        int failures = t.failures() + (x.outcome().countsAsFailure() ? 1 : 0);
        TrialState next;
        if (x.outcome().isResult()) {
            next = TrialState.TERMINATED;
        } else if (t.cancelRequested() || cancelled) {
            next = TrialState.CANCELLED;
        } else if (failures > grid.maxFailures()) {
            next = TrialState.ERROR;
        } else if (t.pauseRequested()) {
            next = TrialState.PAUSED;
        } else {
            next = TrialState.PENDING;
        }
        put(x.trial(), t.ended(next, failures, r));
        return true;
    }

    private boolean pause(String name) {
        TrialRecord t = trials.get(name);
        if (t == null || cancelled) {
            return false;
        }
        if (t.state() == TrialState.PENDING) {
            put(name, t.with(TrialState.PAUSED));
            return true;
        }
        if (t.state() == TrialState.RUNNING && !t.pauseRequested()) {
            put(name, t.withFlags(true, t.cancelRequested()));
            return true;
        }
        return false;
    }

    private boolean resume(String name) {
        TrialRecord t = trials.get(name);
        if (t == null || cancelled) {
            return false;
        }
        if (t.state() == TrialState.PAUSED) {
            put(name, t.with(TrialState.PENDING));
            return true;
        }
        if (t.state() == TrialState.RUNNING && t.pauseRequested()) {
            put(name, t.withFlags(false, t.cancelRequested()));
            return true;
        }
        return false;
    }

    private boolean cancel() {
        if (cancelled) {
            return false;
        }
        cancelled = true;
        for (TrialRecord t : byPosition) {
            switch (t.state()) {
                case PENDING, PAUSED -> put(t.name(), t.with(TrialState.CANCELLED));
                case RUNNING -> put(t.name(), t.withFlags(t.pauseRequested(), true));
                default -> { }
            }
        }
        return true;
    }

    private TrialRecord running(String trial, int attempt) {
        TrialRecord t = trials.get(trial);
        return t != null && t.state() == TrialState.RUNNING && t.attempt() == attempt ? t : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExperimentState s && id.equals(s.id) && grid.equals(s.grid) && cancelled == s.cancelled
                && trials.equals(s.trials);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, grid, cancelled, trials);
    }

    @Override
    public String toString() {
        return "ExperimentState[" + id + ", " + phase() + ", " + counts() + "]";
    }
}

package io.ndevid.study.experiment;

import io.ndevid.study.GridSpec;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An experiment's state as the journal defines it: a pure function of its events. The coordinator decides, journals
 * the event, then {@link #apply}s it; a restarted coordinator replays the same events and gets an equal state.
 * Events that do not fit the current state (a stale attempt number, a trial that already finished) are refused
 * by {@link #apply} returning false — the same way live and on replay.
 */
public final class ExperimentState {

    /** Where the experiment as a whole stands. */
    public enum Phase { RUNNING, FINISHED, CANCELLED }

    private final String id;
    private final GridSpec grid;
    private final Map<String, TrialRecord> trials = new LinkedHashMap<>();
    private boolean cancelled;

    private ExperimentState(JournalEvent.Submitted s) {
        this.id = s.experimentId();
        this.grid = s.grid();
        s.trials().forEach(t -> trials.put(t.name(), TrialRecord.pending(t)));
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

    public Phase phase() {
        if (trials.values().stream().allMatch(t -> t.state().finished())) {
            return cancelled ? Phase.CANCELLED : Phase.FINISHED;
        }
        return Phase.RUNNING;
    }

    public Map<TrialState, Integer> counts() {
        Map<TrialState, Integer> c = new EnumMap<>(TrialState.class);
        for (TrialState s : TrialState.values()) {
            c.put(s, 0);
        }
        trials.values().forEach(t -> c.merge(t.state(), 1, Integer::sum));
        return c;
    }

    /** Trials waiting for a slot, in grid order. */
    public List<TrialRecord> pending() {
        return trials.values().stream().filter(t -> t.state() == TrialState.PENDING).toList();
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
            trials.put(s.trial(), t.started(s.startIteration()));
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
            trials.put(v.trial(), t.withResult(new TrialResult(r.outcome(), r.iterations(), r.message(), r.losses(),
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
        trials.put(a.trial(), t.assigned(a.attempt(), a.slot()));
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
        trials.put(x.trial(), t.ended(next, failures, r));
        return true;
    }

    private boolean pause(String name) {
        TrialRecord t = trials.get(name);
        if (t == null || cancelled) {
            return false;
        }
        if (t.state() == TrialState.PENDING) {
            trials.put(name, t.with(TrialState.PAUSED));
            return true;
        }
        if (t.state() == TrialState.RUNNING && !t.pauseRequested()) {
            trials.put(name, t.withFlags(true, t.cancelRequested()));
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
            trials.put(name, t.with(TrialState.PENDING));
            return true;
        }
        if (t.state() == TrialState.RUNNING && t.pauseRequested()) {
            trials.put(name, t.withFlags(false, t.cancelRequested()));
            return true;
        }
        return false;
    }

    private boolean cancel() {
        if (cancelled) {
            return false;
        }
        cancelled = true;
        trials.replaceAll((name, t) -> switch (t.state()) {
            case PENDING, PAUSED -> t.with(TrialState.CANCELLED);
            case RUNNING -> t.withFlags(t.pauseRequested(), true);
            default -> t;
        });
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

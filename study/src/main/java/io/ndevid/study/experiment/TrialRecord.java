package io.ndevid.study.experiment;

import io.ndevid.training.spec.TrialSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * The journaled state of one trial (an immutable value; {@link ExperimentState} replaces it on each event).
 *
 * @param attempt         number of the latest attempt (0: never assigned)
 * @param failures        attempts that counted as failures
 * @param pauseRequested  a pause arrived while it ran: it becomes PAUSED when the attempt ends
 * @param cancelRequested its experiment was cancelled while it ran: it becomes CANCELLED when the attempt ends
 * @param attempts        every attempt, oldest first
 * @param result          what the latest ended attempt left ({@code null} before any ended)
 */
public record TrialRecord(TrialSpec spec, TrialState state, int attempt, int failures, boolean pauseRequested,
                          boolean cancelRequested, List<Attempt> attempts, TrialResult result) {

    public TrialRecord {
        attempts = List.copyOf(attempts);
    }

    static TrialRecord pending(TrialSpec spec) {
        return new TrialRecord(spec, TrialState.PENDING, 0, 0, false, false, List.of(), null);
    }

    public String name() {
        return spec.name();
    }

    /** The running (or latest) attempt, or {@code null} before the first. */
    public Attempt current() {
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }

    TrialRecord with(TrialState s) {
        return new TrialRecord(spec, s, attempt, failures, pauseRequested, cancelRequested, attempts, result);
    }

    TrialRecord withResult(TrialResult r) {
        return new TrialRecord(spec, state, attempt, failures, pauseRequested, cancelRequested, attempts, r);
    }

    TrialRecord withFlags(boolean pause, boolean cancel) {
        return new TrialRecord(spec, state, attempt, failures, pause, cancel, attempts, result);
    }

    TrialRecord assigned(int number, SlotInfo slot) {
        List<Attempt> a = new ArrayList<>(attempts);
        a.add(new Attempt(number, slot, -1, null, 0, null));
        return new TrialRecord(spec, TrialState.RUNNING, number, failures, pauseRequested, false, a, result);
    }

    TrialRecord started(long start) {
        List<Attempt> a = new ArrayList<>(attempts);
        a.set(a.size() - 1, current().started(start));
        return new TrialRecord(spec, state, attempt, failures, pauseRequested, cancelRequested, a, result);
    }

    TrialRecord ended(TrialState next, int failureCount, TrialResult r) {
        List<Attempt> a = new ArrayList<>(attempts);
        a.set(a.size() - 1, current().ended(r.outcome(), r.iterations(), r.message()));
        return new TrialRecord(spec, next, attempt, failureCount, false, false, a, r);
    }
}

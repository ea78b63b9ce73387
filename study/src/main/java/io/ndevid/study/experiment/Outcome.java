package io.ndevid.study.experiment;

import io.ndevid.training.run.TrainerLoop;

/** How one attempt at a trial ended. */
public enum Outcome {
    /** All iterations done: the trial is TERMINATED with a result. */
    COMPLETED,
    /** A non-finite loss: a result of the study (TERMINATED), not retried — a deterministic rerun diverges again. */
    DIVERGED,
    /** The trial itself failed (an exception in the model, bad data): counts towards maxFailures. */
    FAILED,
    /** Stopped on request (cancel, pause, a trainer shutting down cleanly): does not count as a failure. */
    STOPPED,
    /** Its trainer died or went silent: counts towards maxFailures (a trial that kills its JVM must not loop). */
    LOST,
    /** The coordinator restarted and no trainer claimed the running attempt: re-queued, not counted. */
    ORPHANED,
    /** The trainer refused or never acknowledged the assignment: re-queued, not counted. */
    REJECTED;

    public boolean countsAsFailure() {
        return this == FAILED || this == LOST;
    }

    public boolean isResult() {
        return this == COMPLETED || this == DIVERGED;
    }

    public static Outcome of(TrainerLoop.Status s) {
        return switch (s) {
            case COMPLETED -> COMPLETED;
            case DIVERGED -> DIVERGED;
            case FAILED -> FAILED;
            case STOPPED -> STOPPED;
        };
    }
}

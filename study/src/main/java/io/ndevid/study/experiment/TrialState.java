package io.ndevid.study.experiment;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Where a trial stands, Ray Tune's states plus {@code CANCELLED}: {@code PENDING → RUNNING → TERMINATED | ERROR};
 * a failed or lost attempt goes back to {@code PENDING} (resuming from its checkpoint) until it has failed more than
 * {@code maxFailures} times; {@code PAUSED} trials wait for a resume; {@code CANCELLED} ones were stopped with their
 * experiment.
 */
public enum TrialState {
    PENDING, RUNNING, PAUSED, TERMINATED, ERROR, CANCELLED;

    /** Whether the trial will never run again. */
    public boolean finished() {
        return this == TERMINATED || this == ERROR || this == CANCELLED;
    }

    /** Trials per state with every state present (0 for none), in state order; {@code count} gives each state's. */
    public static Map<TrialState, Integer> counts(ToIntFunction<TrialState> count) {
        Map<TrialState, Integer> c = new EnumMap<>(TrialState.class);
        for (TrialState s : values()) {
            c.put(s, count.applyAsInt(s));
        }
        return c;
    }
}

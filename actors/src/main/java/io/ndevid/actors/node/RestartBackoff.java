package io.ndevid.actors.node;

import java.time.Duration;

/**
 * When to restart a trainer process that died: after {@code min}, doubling with each quick death up to {@code max};
 * a process that ran for {@code reset} or longer starts the sequence again. A value, not a timer: the node agent
 * asks it and schedules.
 */
public record RestartBackoff(Duration min, Duration max, Duration reset) {

    public RestartBackoff {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("restart back-off needs 0 ≤ min ≤ max, got " + min + ", " + max);
        }
    }

    /**
     * @param previousDelay the delay used before the process that just died ({@code null} for its first death)
     * @param uptime        how long it ran
     */
    public Duration next(Duration previousDelay, Duration uptime) {
        if (previousDelay == null || uptime.compareTo(reset) >= 0) {
            return min;
        }
        Duration doubled = previousDelay.multipliedBy(2);
        if (doubled.compareTo(min) < 0) {
            doubled = min;
        }
        return doubled.compareTo(max) > 0 ? max : doubled;
    }
}

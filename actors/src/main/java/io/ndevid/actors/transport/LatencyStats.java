package io.ndevid.actors.transport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;

/**
 * Per-transfer latencies in nanoseconds (1 µs .. 1 h, 3 significant digits). Recording is wait-free and allocates
 * nothing (HdrHistogram {@link Recorder}); any thread (a status console) reads a cumulative snapshot.
 */
public final class LatencyStats {
    private static final long HIGHEST = TimeUnit.HOURS.toNanos(1);
    private final String name;
    private final Recorder recorder = new Recorder(1_000, HIGHEST, 3);
    private final Histogram cumulative = new Histogram(1_000, HIGHEST, 3);
    private Histogram interval;

    public LatencyStats(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void record(long nanos) {
        recorder.recordValue(Math.max(1_000, Math.min(nanos, HIGHEST)));
    }

    /** Everything recorded so far, as a copy the caller owns. */
    public synchronized Histogram snapshot() {
        interval = recorder.getIntervalHistogram(interval);
        cumulative.add(interval);
        return cumulative.copy();
    }

    /** One line for a status console: count and p50/p90/p99/max in milliseconds. */
    public String summary() {
        Histogram h = snapshot();
        return String.format("%s: n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms", name, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }
}

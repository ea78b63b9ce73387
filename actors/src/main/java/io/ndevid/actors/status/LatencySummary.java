package io.ndevid.actors.status;

import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.transport.LatencyStats;
import org.HdrHistogram.Histogram;

/** A latency distribution as the console shows it: how many, and p50/p99/max in milliseconds (HdrHistogram). */
public record LatencySummary(long count, double p50Ms, double p99Ms, double maxMs) implements CborSerializable {

    public static LatencySummary of(LatencyStats stats) {
        return of(stats.snapshot());
    }

    public static LatencySummary of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0);
        }
        return new LatencySummary(h.getTotalCount(), h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }
}

package io.ndevid.metrics.protocol;

import java.util.Locale;

/**
 * How the final spread over the K batches is computed. The paper's authors report {@code np.std} of their K scores
 * (divides by K; TGANv2's inception score does the same over its splits): {@link #POPULATION}. {@link #SAMPLE}
 * divides by K − 1 (the unbiased variance's square root). Recorded in {@code final-metrics.json} as
 * {@code std_convention}.
 */
public enum StdConvention {
    POPULATION, SAMPLE;

    /** {@code population} or {@code sample}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The convention named {@code id}.
     *
     * @throws IllegalArgumentException naming the known ones
     */
    public static StdConvention parse(String id) {
        for (StdConvention c : values()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("std convention must be population (np.std, the authors') or sample "
                + "(K - 1), got '" + id + "'");
    }

    /** The standard deviation of {@code v} under this convention; 0 for a single value. */
    public double of(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = FinalMetrics.mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (this == POPULATION ? v.length : v.length - 1));
    }
}

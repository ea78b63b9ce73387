package io.ndevid.study.stats;

import org.apache.commons.math3.distribution.TDistribution;

import java.util.Arrays;

/**
 * Statistics over training seeds — one final score per seed of a cell — as opposed to the within-run spread over the
 * K evaluation batches of one model, which says nothing about another training seed.
 *
 * <p>A cell's change against another (its base model's original G_t) gets a Welch t interval: the difference of the
 * across-seed means ± t(1 − α/2, ν) · √(s₁²/n₁ + s₂²/n₂), ν by the Welch–Satterthwaite formula. Welch rather than a
 * bootstrap over seeds because the study has few seeds per cell (3 by default): a bootstrap of 3 values has 10
 * distinct resamples and its percentile interval is too narrow at such n, while the t quantile widens with the few
 * degrees of freedom; Welch does not assume the two cells share a variance (ODE and SDE G_t need not).
 */
public final class AcrossSeeds {

    private AcrossSeeds() {}

    /**
     * Mean and sample standard deviation (n − 1) of one cell's per-seed scores.
     *
     * @param std NaN for fewer than two seeds
     */
    public record Summary(int n, double mean, double std) {
        public static final Summary EMPTY = new Summary(0, Double.NaN, Double.NaN);
    }

    /**
     * A difference of means with its two-sided interval at {@code level}.
     *
     * @param low  lower end; NaN when the interval is undefined (a side with fewer than two seeds, or no spread)
     * @param df   Welch–Satterthwaite degrees of freedom, NaN with the interval
     */
    public record Difference(double estimate, double low, double high, double df, double level) {
        public static final Difference NONE = new Difference(Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN);

        public boolean hasInterval() {
            return !Double.isNaN(low);
        }

        /** Whether the interval lies wholly above or wholly below 0. */
        public boolean excludesZero() {
            return hasInterval() && (low > 0 || high < 0);
        }
    }

    public static Summary summary(double... values) {
        int n = values.length;
        if (n == 0) {
            return Summary.EMPTY;
        }
        double mean = Arrays.stream(values).sum() / n;
        return new Summary(n, mean, n < 2 ? Double.NaN : Math.sqrt(variance(values, mean)));
    }

    /** Welch's interval for mean(a) − mean(b) at {@code level} (e.g. 0.95). */
    public static Difference welch(double[] a, double[] b, double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        if (a.length == 0 || b.length == 0) {
            return Difference.NONE;
        }
        Summary sa = summary(a);
        Summary sb = summary(b);
        double estimate = sa.mean() - sb.mean();
        if (a.length < 2 || b.length < 2) {
            return new Difference(estimate, Double.NaN, Double.NaN, Double.NaN, level);
        }
        double va = sa.std() * sa.std() / a.length;
        double vb = sb.std() * sb.std() / b.length;
        double se2 = va + vb;
        if (!(se2 > 0)) {
            return new Difference(estimate, Double.NaN, Double.NaN, Double.NaN, level);
        }
        double df = se2 * se2 / (va * va / (a.length - 1) + vb * vb / (b.length - 1));
        double half = new TDistribution(null, df).inverseCumulativeProbability(1 - (1 - level) / 2)
                * Math.sqrt(se2);
        return new Difference(estimate, estimate - half, estimate + half, df, level);
    }

    private static double variance(double[] v, double mean) {
        double s = 0;
        for (double x : v) {
            s += (x - mean) * (x - mean);
        }
        return s / (v.length - 1);
    }
}

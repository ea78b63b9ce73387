package io.ndevid.study.stats;

import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * Whether a learning curve was still moving at its end: the least-squares slope of its last {@link #LAST_POINTS}
 * periodic scores, per {@link #PER} iterations — positive for an IS still rising (or an FID still rising, i.e.
 * getting worse), negative for one falling. A cell's slopes over its seeds say whether training was long enough for
 * its final score to be its level rather than a point on the way up.
 */
public final class Trend {

    /** The periodic scores the end slope is fitted to (cpu-small: iterations 400, 500 and 600). */
    public static final int LAST_POINTS = 3;
    /** The slope's unit: change per this many iterations. */
    public static final double PER = 1000;

    /**
     * One cell's end slopes over its seeds.
     *
     * @param slope across-seed mean ± std of the slopes (seeds whose curve had at least 2 points)
     * @param up    seeds whose slope is above 0
     * @param down  seeds whose slope is below 0
     */
    public record End(AcrossSeeds.Summary slope, int up, int down) {
        public static final End NONE = new End(AcrossSeeds.Summary.EMPTY, 0, 0);

        /** Every seed with a slope moved up (false without any). */
        public boolean allUp() {
            return slope.n() > 0 && up == slope.n();
        }

        /** Every seed with a slope moved down (false without any). */
        public boolean allDown() {
            return slope.n() > 0 && down == slope.n();
        }
    }

    private Trend() {}

    /**
     * The least-squares slope of a curve's last {@link #LAST_POINTS} points, per {@link #PER} iterations:
     * {@code iterations} ascending, one finite value each. NaN with fewer than 2 points.
     */
    public static double endSlope(double[] iterations, double[] values) {
        SimpleRegression fit = new SimpleRegression();
        for (int i = Math.max(0, iterations.length - LAST_POINTS); i < iterations.length; i++) {
            fit.addData(iterations[i] / PER, values[i]);
        }
        return fit.getSlope();
    }

    /** The seeds' end slopes (NaN ones left out) as one cell's {@link End}. */
    public static End across(double[] slopes) {
        double[] finite = java.util.Arrays.stream(slopes).filter(Double::isFinite).toArray();
        int up = 0;
        int down = 0;
        for (double s : finite) {
            up += s > 0 ? 1 : 0;
            down += s < 0 ? 1 : 0;
        }
        return new End(AcrossSeeds.summary(finite), up, down);
    }
}

package io.ndevid.study.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The end slope of a learning curve: the last three points only, per 1000 iterations, and over seeds. */
class TrendTest {

    @Test
    void slopeOfTheLastThreePointsPerThousandIterations() {
        double[] it = {0, 100, 200, 300, 400};
        // last three: (0.2, 1.5), (0.3, 1.6), (0.4, 1.9) in thousands: Σ(x − x̄)(y − ȳ) = 0.004, Σ(x − x̄)² = 0.02
        assertEquals(2.0, Trend.endSlope(it, new double[] {9, -9, 1.5, 1.6, 1.9}), 1e-12,
                "the first two points do not count");
        assertEquals(-1.0, Trend.endSlope(new double[] {100, 200}, new double[] {3, 2.9}), 1e-12);
        assertTrue(Double.isNaN(Trend.endSlope(new double[] {100}, new double[] {3})), "one point: no slope");
        assertTrue(Double.isNaN(Trend.endSlope(new double[0], new double[0])));
    }

    @Test
    void acrossSeedsCountsUpAndDown() {
        Trend.End e = Trend.across(new double[] {2, -1, Double.NaN, 3});
        assertEquals(AcrossSeeds.summary(2, -1, 3), e.slope());
        assertEquals(2, e.up());
        assertEquals(1, e.down());
        assertFalse(e.allUp());
        assertTrue(Trend.across(new double[] {0.5, 0.1}).allUp());
        assertTrue(Trend.across(new double[] {-0.5, -0.1}).allDown());
        assertFalse(Trend.End.NONE.allUp() || Trend.End.NONE.allDown(), "no slope: neither");
    }
}

package io.ndevid.study.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Across-seed summaries and Welch intervals: a case worked by hand, scipy's answer, and the undefined cases. */
class AcrossSeedsTest {

    @Test
    void summaryIsMeanAndSampleStd() {
        AcrossSeeds.Summary s = AcrossSeeds.summary(1, 2, 3, 6);
        assertEquals(4, s.n());
        assertEquals(3.0, s.mean(), 1e-12);
        assertEquals(Math.sqrt(14.0 / 3), s.std(), 1e-12);
        assertTrue(Double.isNaN(AcrossSeeds.summary(5).std()), "one seed has no across-seed std");
        assertEquals(0, AcrossSeeds.summary().n());
    }

    @Test
    void welchByHand() {
        // equal n = 3 and equal variance 1: ν = 2(n − 1) = 4, se = √(2/3), t(0.975, 4) = 2.7764451051977987
        AcrossSeeds.Difference d = AcrossSeeds.welch(new double[] {1, 2, 3}, new double[] {0, 1, 2}, 0.95);
        assertEquals(1.0, d.estimate(), 1e-12);
        assertEquals(4.0, d.df(), 1e-9);
        double half = 2.7764451051977987 * Math.sqrt(2.0 / 3);
        assertEquals(1 - half, d.low(), 1e-9);
        assertEquals(1 + half, d.high(), 1e-9);
        assertFalse(d.excludesZero(), "[−1.27, 3.27] contains 0");
        AcrossSeeds.Difference far = AcrossSeeds.welch(new double[] {11, 12, 13}, new double[] {0, 1, 2}, 0.95);
        assertTrue(far.excludesZero());
        assertTrue(AcrossSeeds.welch(new double[] {0, 1, 2}, new double[] {11, 12, 13}, 0.95).excludesZero());
    }

    @Test
    void undefinedIntervalsSaySo() {
        AcrossSeeds.Difference one = AcrossSeeds.welch(new double[] {2}, new double[] {1, 2}, 0.95);
        assertEquals(0.5, one.estimate(), 1e-12);
        assertFalse(one.hasInterval(), "one seed: no interval");
        assertFalse(one.excludesZero());
        assertFalse(AcrossSeeds.welch(new double[] {1, 1}, new double[] {0, 0}, 0.95).hasInterval(), "no spread");
        assertFalse(AcrossSeeds.welch(new double[] {}, new double[] {1, 2}, 0.95).hasInterval());
        assertThrows(IllegalArgumentException.class, () -> AcrossSeeds.welch(new double[] {1}, new double[] {1}, 1));
    }

    /** scipy's t quantile with unequal variances and sizes (a non-integer ν). */
    @Test
    void welchMatchesScipy() throws Exception {
        String script = "import numpy as np\nfrom scipy import stats\n"
                + "a=np.array([2.054,1.98,2.11,2.2]); b=np.array([1.938,1.90,1.85])\n"
                + "va=a.var(ddof=1)/len(a); vb=b.var(ddof=1)/len(b)\n"
                + "df=(va+vb)**2/(va**2/(len(a)-1)+vb**2/(len(b)-1))\n"
                + "h=stats.t.ppf(0.975,df)*np.sqrt(va+vb); d=a.mean()-b.mean()\n"
                + "print(*(repr(float(x)) for x in (d, d-h, d+h, df)))\n";
        String out = Python.run(script);
        String[] v = out.trim().split("\\s+");
        AcrossSeeds.Difference d = AcrossSeeds.welch(new double[] {2.054, 1.98, 2.11, 2.2},
                new double[] {1.938, 1.90, 1.85}, 0.95);
        assertEquals(Double.parseDouble(v[0]), d.estimate(), 1e-12);
        assertEquals(Double.parseDouble(v[1]), d.low(), 1e-9);
        assertEquals(Double.parseDouble(v[2]), d.high(), 1e-9);
        assertEquals(Double.parseDouble(v[3]), d.df(), 1e-9);
    }
}

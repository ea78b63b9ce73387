package io.ndevid.metrics.is;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.DoubleMatrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InceptionScoreTest {

    @Test
    void uniformPredictionsScoreOne() {
        int n = 50;
        int c = 101;
        double[] p = new double[n * c];
        java.util.Arrays.fill(p, 1.0 / c);
        InceptionScore.Result r = InceptionScore.compute(new DoubleMatrix(n, c, p), 5);
        assertEquals(1.0, r.mean(), 1e-12);
        assertEquals(0.0, r.std(), 1e-12);
        assertEquals(5, r.splits());
        assertEquals(n, r.n());
    }

    @Test
    void oneHotDistinctClassesScoreTheNumberOfClasses() {
        int c = 10;
        // Two splits, each holding every class once: each split scores exactly c.
        double[] p = new double[2 * c * c];
        for (int i = 0; i < 2 * c; i++) {
            p[i * c + (i % c)] = 1;
        }
        InceptionScore.Result r = InceptionScore.compute(new DoubleMatrix(2 * c, c, p), 2);
        assertEquals(c, r.mean(), 1e-10);
        assertEquals(0, r.std(), 1e-10);
        assertArrayEquals(new double[] {c, c}, r.perSplit(), 1e-10);
        // One split over all: still c.
        assertEquals(c, InceptionScore.compute(new DoubleMatrix(2 * c, c, p), 1).mean(), 1e-10);
    }

    @Test
    void matchesHandComputedValueAndSplitStatistics() {
        // Split 1: rows (1, 0) and (½, ½): p(y) = (¾, ¼).
        //   KL1 = log(1/¾); KL2 = ½ log(½/¾) + ½ log(½/¼); IS₁ = exp((KL1 + KL2)/2).
        // Split 2: rows (1, 0), (0, 1): IS₂ = 2.
        double kl1 = Math.log(4.0 / 3);
        double kl2 = 0.5 * Math.log(2.0 / 3) + 0.5 * Math.log(2);
        double is1 = Math.exp((kl1 + kl2) / 2);
        double[] p = {1, 0, 0.5, 0.5, 1, 0, 0, 1};
        InceptionScore.Result r = InceptionScore.compute(new DoubleMatrix(4, 2, p), 2);
        assertEquals(is1, r.perSplit()[0], 1e-14);
        assertEquals(2, r.perSplit()[1], 1e-14);
        assertEquals((is1 + 2) / 2, r.mean(), 1e-14);
        assertEquals(Math.abs(is1 - 2) / 2, r.std(), 1e-14, "population std (numpy ddof=0)");
        // Uneven splits follow [i·N/splits, (i+1)·N/splits): 5 rows in 2 splits are rows 0-1 and 2-4.
        double[] q = {1, 0, 0, 1, 1, 0, 1, 0, 1, 0};
        InceptionScore.Result u = InceptionScore.compute(new DoubleMatrix(5, 2, q), 2);
        assertEquals(2, u.perSplit()[0], 1e-14);
        assertEquals(1, u.perSplit()[1], 1e-14);
    }

    @Test
    void rejectsNonProbabilities() {
        assertMessage(new double[] {0.5, 0.5, 0.7, 0.7}, 2, 2, 1, "sums to 1.4");
        assertMessage(new double[] {1.5, -0.5, 0.5, 0.5}, 2, 2, 1, "negative");
        assertMessage(new double[] {0.5, Double.NaN, 0.5, 0.5}, 2, 2, 1, "non-finite");
        assertMessage(new double[] {0.5, 0.5, 0.5, Double.POSITIVE_INFINITY}, 2, 2, 1, "non-finite");
        assertMessage(new double[] {0.5, 0.5}, 1, 2, 1, "at least 2 samples");
        assertMessage(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, 3, 2, 4, "fewer samples (3) than splits (4)");
        assertMessage(new double[] {0.5, 0.5, 0.5, 0.5}, 2, 2, 0, "splits must be");
        // float32 softmax rounding passes.
        InceptionScore.compute(new DoubleMatrix(2, 2, new double[] {0.5f + 1e-7, 0.5f, 0.25, 0.75}), 1);
    }

    private static void assertMessage(double[] p, int n, int c, int splits, String fragment) {
        var e = assertThrows(MetricsInputException.class,
                () -> InceptionScore.compute(new DoubleMatrix(n, c, p), splits));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}

package io.ndevid.training.golden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The comparison every golden test uses: shapes equal, and max |actual − expected| ≤ tol · max |expected| — an
 * error relative to the tensor's scale, so that elements near zero (cancellation in long sums) do not need their
 * own tolerance while a wrong element of any size still fails.
 */
public final class Closeness {

    private Closeness() {}

    public static void assertClose(String what, TensorExchange.Tensor expected, NDArray actual, double tol) {
        assertArrayEquals(expected.shape().getShape(), actual.getShape().getShape(), what + ": shape");
        assertClose(what, expected.values(), actual.toType(DataType.FLOAT64, false).toDoubleArray(), tol);
    }

    public static void assertClose(String what, double[] expected, double[] actual, double tol) {
        assertTrue(expected.length == actual.length, what + ": " + actual.length + " values, expected "
                + expected.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            if (!(d <= worst)) { // NaN counts as worst
                worst = d;
                at = i;
            }
        }
        assertTrue(scale > 0, what + ": the PyTorch values are all zero — not a useful comparison");
        double relative = worst / scale;
        String detail = at < 0 ? "" : String.format(Locale.ROOT, " (element %d: %s vs PyTorch %s)", at,
                actual[at], expected[at]);
        assertTrue(relative <= tol, String.format(Locale.ROOT, "%s: max |Δ| = %.3g = %.3g × max|PyTorch| %.3g, "
                + "tolerance %.1g%s", what, worst, relative, scale, tol, detail));
    }
}

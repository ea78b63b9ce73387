package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The solvers' check that a state is finite, with as few ops as the engine allows (one reduction, one read).
 *
 * <p>The fixed-step solvers check once per solve, not per step: every step they take is y + (increment), and IEEE
 * arithmetic keeps a non-finite element non-finite through such a sum (±Inf + finite = ±Inf, Inf − Inf = NaN, NaN +
 * anything = NaN), so an element that stops being finite at any step is still non-finite in every later output. One
 * check of the stacked outputs ({@link #firstNonFiniteRow}) therefore catches it, and the first non-finite output
 * says in which output interval it happened.
 */
public final class Finite {

    private Finite() {}

    /**
     * Whether every element of {@code y} is finite: max|y| is NaN or infinite iff some element is. Three ops (detach,
     * abs, max) and one host read; nothing is left in {@code y}'s manager.
     */
    public static boolean all(NDArray y) {
        try (NDManager tmp = y.getManager().newSubManager()) {
            NDArray detached = y.stopGradient();
            detached.attach(tmp);
            NDArray max = detached.abs().max();
            if (max.getDataType() == DataType.FLOAT32) {
                return Float.isFinite(max.getFloat());
            }
            max = max.toType(DataType.FLOAT64, false);
            max.attach(tmp);
            return Double.isFinite(max.getDouble());
        }
    }

    /**
     * The index along axis 0 of the first row of {@code stacked} with a non-finite element, or -1 when every element
     * is finite. One {@link #all} of the whole tensor; the rows are looked at one by one only when it fails.
     */
    public static int firstNonFiniteRow(NDArray stacked) {
        if (all(stacked)) {
            return -1;
        }
        long rows = stacked.getShape().get(0);
        try (NDManager tmp = stacked.getManager().newSubManager()) {
            for (int i = 0; i < rows; i++) {
                NDArray row = stacked.get(i);
                row.attach(tmp);
                if (!all(row)) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("a non-finite element that no row of " + stacked.getShape() + " holds");
    }
}

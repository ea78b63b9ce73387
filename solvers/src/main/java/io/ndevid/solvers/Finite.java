package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** The solvers' check that a state is finite, with as few ops as the engine allows (one reduction, one read). */
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
}

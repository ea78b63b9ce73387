package io.ndevid.solvers.sde;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Tensors over native memory, for constants that autograd may keep after their step closes.
 *
 * <p>{@code manager.create(double[] / float[] / double)} wraps a direct Java buffer ({@code torch::from_blob}); once
 * the NDArray is closed the buffer can be collected while a tensor that shares it is still read. DJL's
 * {@code toType(sameType, copy = true)} does not copy on the PyTorch engine (its JNI {@code torchTo} has no copy
 * flag and returns the same storage), so a real copy needs {@code duplicate()} (clone) when the type already
 * matches. Seen here: float64 scalars made by {@code io.ndevid.solvers.Scalars} read back garbage after a GC, which
 * is why the SDE solver uses this class instead.
 */
final class Tensors {

    private Tensors() {}

    /** A 0-d tensor holding v, of the given type, in {@code manager}, owning its memory. */
    static NDArray scalar(NDManager manager, double v, DataType type) {
        return owned(manager.create(v), type);
    }

    /** A 0-d tensor holding v, of {@code like}'s type, in {@code like}'s manager, owning its memory. */
    static NDArray scalar(NDArray like, double v) {
        return scalar(like.getManager(), v, like.getDataType());
    }

    /** {@code raw} converted to {@code type} in fresh tensor-owned memory; closes {@code raw}. */
    static NDArray owned(NDArray raw, DataType type) {
        NDArray out = raw.getDataType() == type ? raw.duplicate() : raw.toType(type, false);
        raw.close();
        return out;
    }
}

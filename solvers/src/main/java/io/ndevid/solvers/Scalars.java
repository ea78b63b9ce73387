package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Tensor scalars that are safe inside an autograd graph.
 *
 * <p>DJL's {@code x.mul(Number)} builds the scalar over a Java buffer that can be collected while autograd still
 * holds it (gradients turn to garbage after a GC; docs/ENGINE.md). A scalar made here is a native copy owned by the
 * given manager, so it lives exactly as long as the step that made it.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d tensor holding {@code v}, of {@code like}'s type and device, attached to {@code like}'s manager. */
    public static NDArray of(NDArray like, double v) {
        return of(like.getManager(), v, like.getDataType());
    }

    /** A 0-d tensor holding {@code v} of the given type, attached to {@code manager} (native memory, never aliased). */
    public static NDArray of(NDManager manager, double v, DataType type) {
        if (type != DataType.FLOAT64) {
            // torch::full allocates natively; a float carries every value of the narrower types exactly enough.
            return manager.full(new Shape(), (float) v, type);
        }
        // No full(double) in DJL: create over a buffer, then clone natively (toType of the same type would alias).
        NDArray d = manager.create(v);
        NDArray out = d.duplicate();
        d.close();
        return out;
    }

    /**
     * {@code raw} (typically made by {@code manager.create(array)} over a Java buffer) as a tensor that owns its
     * memory, of the given type; closes {@code raw}. {@code toType} of the same type would alias, hence the clone.
     */
    public static NDArray owned(NDArray raw, DataType type) {
        NDArray out = raw.getDataType() == type ? raw.duplicate() : raw.toType(type, false);
        raw.close();
        return out;
    }
}

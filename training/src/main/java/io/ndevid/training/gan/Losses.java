package io.ndevid.training.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** GAN losses without scalar constants in the graph (see {@code Scalars}). */
final class Losses {

    private Losses() {}

    /** Binary cross-entropy with logits against an all-ones (real) or all-zeros (fake) target, mean over entries. */
    static NDArray bce(NDArray logits, boolean real) {
        return Activation.softPlus(real ? logits.neg() : logits).mean();
    }

    /** The non-saturating softplus loss: softplus(−x) (want real) or softplus(x) (want fake), mean. */
    static NDArray softplus(NDArray logits, boolean real) {
        return bce(logits, real);
    }

    /** The loss on the host: a float32 loss is read as it is (widening to double is exact), others converted. */
    static double value(NDArray scalar) {
        if (scalar.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
            return scalar.getFloat();
        }
        return scalar.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
    }
}

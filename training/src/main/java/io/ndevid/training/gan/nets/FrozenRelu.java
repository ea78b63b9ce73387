package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

import java.util.List;
import java.util.function.Supplier;

/**
 * A ReLU whose on/off pattern can be recorded on one pass and replayed on later ones. Outside
 * {@link #recording}/{@link #replaying} it is the plain ReLU.
 *
 * <p>Why: {@link io.ndevid.training.gan.ZeroCentredGradientPenalty} forms a Hessian–vector product from D at
 * x ± εg. With every ReLU's pattern frozen to the one at x, a D made of convolutions, average pools, sums, linear
 * layers and these ReLUs is affine in its input, so that central difference is exact for any ε — and equals what an
 * exact double backward computes (ReLU'' = 0). Left free, the ReLUs whose inputs cross zero between x − εg and x + εg
 * add jumps of order 1/ε: on TGANv2's ResNet-3D D at float32 and ε = 1e-2 input units the parameter gradient of the
 * penalty was off by 4× its size (PenaltyGoldenTest).
 */
public final class FrozenRelu {

    private static final ThreadLocal<State> STATE = new ThreadLocal<>();

    private record State(List<NDArray> masks, boolean replay, int[] next) {}

    private FrozenRelu() {}

    /** ReLU; records its pattern inside {@link #recording}, applies the recorded one inside {@link #replaying}. */
    public static NDArray relu(NDArray h) {
        State s = STATE.get();
        if (s == null) {
            return Activation.relu(h);
        }
        if (!s.replay()) {
            s.masks().add(h.stopGradient().gt(0).toType(h.getDataType(), false));
            return Activation.relu(h);
        }
        int i = s.next()[0]++;
        if (i >= s.masks().size() || !s.masks().get(i).getShape().equals(h.getShape())) {
            throw new IllegalStateException("replayed pass differs from the recorded one at ReLU " + i
                    + " (D must run the same layers on the same shapes)");
        }
        return h.mul(s.masks().get(i));
    }

    /** Runs {@code pass}, appending every ReLU's pattern to {@code masks}. */
    public static <T> T recording(List<NDArray> masks, Supplier<T> pass) {
        return run(new State(masks, false, new int[1]), pass);
    }

    /** Runs {@code pass} with the patterns of {@code masks}, in order; every one must be used. */
    public static <T> T replaying(List<NDArray> masks, Supplier<T> pass) {
        State s = new State(masks, true, new int[1]);
        T out = run(s, pass);
        if (s.next()[0] != masks.size()) {
            throw new IllegalStateException("replayed pass used " + s.next()[0] + " of " + masks.size()
                    + " recorded ReLU patterns");
        }
        return out;
    }

    private static <T> T run(State s, Supplier<T> pass) {
        State before = STATE.get();
        STATE.set(s);
        try {
            return pass.get();
        } finally {
            if (before == null) {
                STATE.remove();
            } else {
                STATE.set(before);
            }
        }
    }
}

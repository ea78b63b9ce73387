package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.ndevid.training.util.Randomness;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Weight initialisation drawn on the JVM from the trial seed, after DJL's own {@code initialize} (whose initializers
 * use the engine's process-global generator). Two models built from one spec therefore start bit-identical, whatever
 * else ran in the process before.
 */
public final class Init {

    private Init() {}

    /** Draws the values of one tensor. */
    @FunctionalInterface
    public interface Rule {
        float[] draw(Shape shape, SplittableRandom r);
    }

    /** U(−a, a) (TGAN: a = 0.01). */
    public static Rule uniform(double a) {
        return (shape, r) -> {
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((2 * r.nextDouble() - 1) * a);
            }
            return v;
        };
    }

    /** N(0, σ²) (DCGAN-style σ = 0.02). */
    public static Rule normal(double sigma) {
        return (shape, r) -> {
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * sigma);
            }
            return v;
        };
    }

    /**
     * Xavier/Glorot uniform as PyTorch computes it: bound = gain·√(6 / (fan_in + fan_out)) with fan_in = shape[1]·k,
     * fan_out = shape[0]·k (k = the receptive field, the product of the remaining axes).
     */
    public static Rule xavierUniform(double gain) {
        return (shape, r) -> {
            long[] fans = fans(shape);
            return uniform(gain * Math.sqrt(6.0 / (fans[0] + fans[1]))).draw(shape, r);
        };
    }

    /**
     * Xavier/Glorot normal as PyTorch's {@code xavier_normal_}: N(0, gain²·2 / (fan_in + fan_out)), fans as in
     * {@link #xavierUniform}.
     */
    public static Rule xavierNormal(double gain) {
        return (shape, r) -> {
            long[] fans = fans(shape);
            return normal(gain * Math.sqrt(2.0 / (fans[0] + fans[1]))).draw(shape, r);
        };
    }

    /**
     * PyTorch's default for a Linear or (transposed) convolution weight: U(±1/√fan_in) with fan_in = shape[1]·k —
     * the input channels of a Linear or convolution, the output channels of a transposed convolution (PyTorch reads
     * its dimension 1 either way; ndevid's ConvTranspose keeps PyTorch's [in, out, k…] layout).
     */
    public static Rule torchDefault() {
        return (shape, r) -> uniform(1 / Math.sqrt(fanIn(shape))).draw(shape, r);
    }

    /**
     * PyTorch's default for a bias: U(±1/√fan_in) of its layer's weight. Only for {@link #apply}'s bias argument
     * (the bias's own shape does not tell the fan-in): the weight is the parameter named like the bias with
     * {@code weight} for {@code bias}.
     */
    public static final Rule TORCH_DEFAULT_BIAS = (shape, r) -> {
        throw new IllegalStateException("TORCH_DEFAULT_BIAS is resolved by Init.apply");
    };

    private static long fanIn(Shape w) {
        return fans(w)[0];
    }

    /** PyTorch's fans of a weight: {fan_in, fan_out} = {shape[1]·k, shape[0]·k}, k the product of the other axes. */
    private static long[] fans(Shape w) {
        long receptive = 1;
        for (int a = 2; a < w.dimension(); a++) {
            receptive *= w.get(a);
        }
        return new long[] {(w.dimension() > 1 ? w.get(1) : 1) * receptive, w.get(0) * receptive};
    }

    public static Rule zeros() {
        return (shape, r) -> new float[Math.toIntExact(shape.size())];
    }

    /**
     * Re-draws every weight (parameters of type WEIGHT) of {@code block} with {@code weights} and every bias with
     * {@code biases}; BatchNorm parameters keep DJL's deterministic γ = 1, β = 0. Each tensor's stream is seeded from
     * (seed, tag, its parameter name), so adding a network elsewhere does not shift these draws.
     */
    public static void apply(Block block, long seed, String tag, Rule weights, Rule biases) {
        java.util.Map<String, Shape> weightShapes = new java.util.HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                weightShapes.put(p.getKey(), p.getValue().getArray().getShape());
            }
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            Rule rule = type == Parameter.Type.WEIGHT ? weights : type == Parameter.Type.BIAS ? biases : null;
            if (rule == null) {
                continue;
            }
            if (rule == TORCH_DEFAULT_BIAS) {
                String key = p.getKey();
                int at = key.lastIndexOf("bias");
                Shape w = at < 0 ? null : weightShapes.get(key.substring(0, at) + "weight" + key.substring(at + 4));
                if (w == null) {
                    throw new IllegalStateException("no weight beside bias " + key + " in " + weightShapes.keySet());
                }
                double bound = 1 / Math.sqrt(fanIn(w));
                rule = (shape, r) -> uniform(bound).draw(shape, r);
            }
            NDArray a = p.getValue().getArray();
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("models are built in float32; " + p.getKey() + " is "
                        + a.getDataType());
            }
            SplittableRandom r = new SplittableRandom(Randomness.derive(seed, 0, tag + "/" + p.getKey()));
            a.set(FloatBuffer.wrap(rule.draw(a.getShape(), r)));
        }
    }
}

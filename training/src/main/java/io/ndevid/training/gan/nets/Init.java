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
            long receptive = 1;
            for (int a = 2; a < shape.dimension(); a++) {
                receptive *= shape.get(a);
            }
            long fanOut = shape.get(0) * receptive;
            long fanIn = (shape.dimension() > 1 ? shape.get(1) : 1) * receptive;
            return uniform(gain * Math.sqrt(6.0 / (fanIn + fanOut))).draw(shape, r);
        };
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
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            Rule rule = type == Parameter.Type.WEIGHT ? weights : type == Parameter.Type.BIAS ? biases : null;
            if (rule == null) {
                continue;
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

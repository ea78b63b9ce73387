package io.ndevid.training.temporal;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;

/** Small builders shared by the temporal generators. */
public final class Blocks {

    private Blocks() {}

    /** Linear(units) followed by tanh. */
    public static SequentialBlock linearTanh(long units) {
        return new SequentialBlock().add(Linear.builder().setUnits(units).build()).add(Activation.tanhBlock());
    }

    /**
     * The authors' MLP before the ODE: {@code hiddenLayers} layers Linear(width) + LeakyReLU(0.2), then Linear(out) +
     * LeakyReLU(0.2) — their MLPs end in the activation too (TGAN: 3 hidden layers of 512, MoCoGAN: 1 of 64).
     */
    public static SequentialBlock mlp(int width, int hiddenLayers, int out) {
        SequentialBlock b = new SequentialBlock();
        for (int i = 0; i < hiddenLayers; i++) {
            b.add(Linear.builder().setUnits(width).build()).add(Activation.leakyReluBlock(0.2f));
        }
        return b.add(Linear.builder().setUnits(out).build()).add(Activation.leakyReluBlock(0.2f));
    }

    /** Xavier-uniform with gain √2 on weights, as in the authors' code (bound = √2·√(6 / (fan_in + fan_out))). */
    public static void xavierGainSqrt2(Block b) {
        // DJL's Xavier: bound = √(magnitude / ((fan_in + fan_out) / 2)); gain² · 3 = 6 reproduces PyTorch's.
        b.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                XavierInitializer.FactorType.AVG, 6f), Parameter.Type.WEIGHT);
    }

    /** Number of scalars in every parameter of an initialized block. */
    public static long parameterCount(Block b) {
        long n = 0;
        for (Pair<String, Parameter> p : b.getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
    }
}

package io.ndevid.training.gan.nets;

import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;

/** Image generators built as plain sequences. */
public final class Generators {

    private Generators() {}

    /**
     * MoCoGAN's image generator on [N, z, 1, 1] (z = content ⊕ motion): a transposed convolution k4 s1 p0 to
     * 8·width channels at 4×4, then k4 s2 p1 doubling the size (channels halving; BatchNorm + ReLU), the last one
     * to the colour channels with tanh. At width 64 and 64 px: z→512→256→128→64→3, as in MoCoGAN.
     */
    public static SequentialBlock mocogan(int zDim, int width, int frameSize, int channels) {
        return mocogan(zDim, width, frameSize, channels, true);
    }

    /** {@link #mocogan(int, int, int, int)}; {@code lastBias} false: no bias anywhere, as MoCoGAN's code. */
    public static SequentialBlock mocogan(int zDim, int width, int frameSize, int channels, boolean lastBias) {
        int ups = Layers.log2(frameSize) - 2;
        if (ups < 1) {
            throw new IllegalArgumentException("MoCoGAN's generator starts at 4×4 and doubles: frameSize must be a "
                    + "power of two ≥ 8, got " + frameSize);
        }
        int c = 8 * width;
        SequentialBlock g = new SequentialBlock()
                .add(Layers.deconv(2, zDim, c, 4, 1, 0, false)).add(Layers.batchNorm()).add(Activation.reluBlock());
        for (int i = 1; i <= ups; i++) {
            boolean last = i == ups;
            int next = last ? channels : Math.max(1, c / 2);
            g.add(Layers.deconv(2, c, next, 4, 2, 1, last && lastBias));
            if (last) {
                g.add(Activation.tanhBlock());
            } else {
                g.add(Layers.batchNorm()).add(Activation.reluBlock());
            }
            c = next;
        }
        return g;
    }
}

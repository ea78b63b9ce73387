package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/** The convolutional discriminators of TGAN and MoCoGAN, sized from the spec's frame size, frames and width. */
public final class Discriminators {

    private Discriminators() {}

    /**
     * TGAN's D: 3-D convolutions (k4 s2 p1; channels width, 2·width, 4·width, …) down to 4×4, LeakyReLU 0.2, BatchNorm
     * on every layer but the first; then a convolution k(1, 4, 4) to one channel — the paper's "2-D conv 512→1 (k4)
     * per remaining time step" — giving one WGAN score per remaining time step: [B, T′].
     * Time halves with the space while it is ≥ 2 (16 frames → 1 at 64 px, as in TGAN); a time axis of 1 is kept
     * with a k3 s1 p1 temporal kernel.
     */
    public static SequentialBlock tgan(int frameSize, int frames, int width) {
        int layers = Layers.log2(frameSize) - 2;
        if (layers < 1) {
            throw new IllegalArgumentException("TGAN's D needs frameSize ≥ 8 (a power of two), got " + frameSize);
        }
        SequentialBlock d = new SequentialBlock();
        long t = frames;
        for (int i = 0; i < layers; i++) {
            long[] k = t >= 2 ? new long[] {4, 4, 4} : new long[] {3, 4, 4};
            long[] s = t >= 2 ? new long[] {2, 2, 2} : new long[] {1, 2, 2};
            d.add(Layers.conv3d(width << i, k, s, new long[] {1, 1, 1}, i == 0));
            if (i > 0) {
                d.add(Layers.batchNorm());
            }
            d.add(Activation.leakyReluBlock(0.2f));
            t = t >= 2 ? t / 2 : t;
        }
        d.add(Layers.conv3d(1, new long[] {1, 4, 4}, new long[] {1, 1, 1}, new long[] {0, 0, 0}, true));
        return d.add(Layers.flatten());
    }

    /**
     * MoCoGAN's patch image D: 2-D convolutions k4 s2 p1 (width, 2·width, 4·width; BatchNorm on the middle ones,
     * LeakyReLU 0.2), the last to one channel: a map of logits. Four layers (64 px → 4×4 patches, as in MoCoGAN),
     * fewer for frames under 16 px.
     */
    public static SequentialBlock mocoganImage(int frameSize, int width) {
        return mocoganImage(frameSize, width, true);
    }

    /** {@link #mocoganImage(int, int)}; {@code biases} false: no bias anywhere, as MoCoGAN's code. */
    public static SequentialBlock mocoganImage(int frameSize, int width, boolean biases) {
        int layers = Math.min(4, Layers.log2(frameSize));
        SequentialBlock d = new SequentialBlock();
        for (int i = 0; i < layers; i++) {
            boolean last = i == layers - 1;
            d.add(Layers.conv2d(last ? 1 : width << i, 4, 2, 1, biases && (last || i == 0)));
            if (!last) {
                if (i > 0) {
                    d.add(Layers.batchNorm());
                }
                d.add(Activation.leakyReluBlock(0.2f));
            }
        }
        return d;
    }

    /**
     * MoCoGAN's patch video D: 3-D convolutions with kernel 4 in space and stride (1, 2, 2), padding (0, 1, 1); the
     * temporal kernel is 4 (no temporal padding: 16 frames → 13 → 10 → 7 → 4, as in MoCoGAN) or what is left of the
     * time axis. Channels width, 2·width, 4·width (BatchNorm on the middle ones, LeakyReLU 0.2), the last to one
     * channel: a [B, 1, T′, h, w] map of logits.
     */
    public static SequentialBlock mocoganVideo(int frameSize, int frames, int width) {
        int layers = Math.min(4, Layers.log2(frameSize));
        SequentialBlock d = new SequentialBlock();
        long t = frames;
        for (int i = 0; i < layers; i++) {
            boolean last = i == layers - 1;
            long kt = Math.min(4, t);
            d.add(Layers.conv3d(last ? 1 : width << i, new long[] {kt, 4, 4}, new long[] {1, 2, 2},
                    new long[] {0, 1, 1}, last || i == 0));
            t = t - kt + 1;
            if (!last) {
                if (i > 0) {
                    d.add(Layers.batchNorm());
                }
                d.add(Activation.leakyReluBlock(0.2f));
            }
        }
        return d;
    }

    /**
     * MoCoGAN's (non-patch) {@code VideoDiscriminator}, which the authors trained with: 3-D convolutions kernel 4,
     * stride (1, 2, 2), padding (0, 1, 1) down to 4×4 (channels width, 2·width, …; BatchNorm on all but the first,
     * LeakyReLU 0.2), then a convolution over what is left — (min(4, T′), 4, 4) — to one logit per video: [B, 1, 1, 1,
     * 1] (16 frames at 64 px: 16 → 13 → 10 → 7 → 4 frames, then 1). No biases, as MoCoGAN's code.
     */
    public static SequentialBlock mocoganVideoFull(int frameSize, int frames, int width) {
        int layers = Layers.log2(frameSize) - 2;
        if (layers < 1) {
            throw new IllegalArgumentException("MoCoGAN's video D needs frameSize ≥ 8, got " + frameSize);
        }
        SequentialBlock d = new SequentialBlock();
        long t = frames;
        for (int i = 0; i < layers; i++) {
            long kt = Math.min(4, t);
            d.add(Layers.conv3d(width << i, new long[] {kt, 4, 4}, new long[] {1, 2, 2}, new long[] {0, 1, 1},
                    false));
            t = t - kt + 1;
            if (i > 0) {
                d.add(Layers.batchNorm());
            }
            d.add(Activation.leakyReluBlock(0.2f));
        }
        return d.add(Layers.conv3d(1, new long[] {Math.min(4, t), 4, 4}, new long[] {1, 1, 1}, new long[] {0, 0, 0},
                false));
    }

    /**
     * One of TGANv2's 3-D ResNet discriminators (no BatchNorm; D must be deterministic for the gradient penalty):
     * {@link ResDown3d} blocks from {@code size} px down to 2×2 (channels width, 2·width, … at most 8·width), then
     * ReLU, a sum over time and space, and Linear → one logit per video [B, 1]. Piecewise linear in its input, with
     * every ReLU a {@link FrozenRelu}, as the gradient penalty needs.
     */
    public static SequentialBlock tganv2Level(int size, int width, int channels) {
        int blocks = Math.max(1, Layers.log2(size) - 1);
        SequentialBlock d = new SequentialBlock();
        int in = channels;
        for (int i = 0; i < blocks; i++) {
            int out = Math.min(8 * width, width << i);
            d.add(new ResDown3d(in, out, i == 0));
            in = out;
        }
        return d.add(new LambdaBlock(x -> new NDList(
                        FrozenRelu.relu(x.singletonOrThrow()).sum(new int[] {2, 3, 4})), "relu-sum"))
                .add(Linear.builder().setUnits(1).build());
    }

    /**
     * The authors' TGANv2 level discriminator ({@code DisResNet}): five {@link ResDown3d} blocks of the authors' form,
     * channels width, 2·width, …, 16·width (64 … 1024 at width 64), then a sum over time and space (no ReLU before
     * it) and Linear → one logit per video [B, 1]. The same for every level.
     */
    public static SequentialBlock tganv2LevelAuthors(int width, int channels) {
        SequentialBlock d = new SequentialBlock();
        int in = channels;
        for (int i = 0; i < 5; i++) {
            int out = width << i;
            d.add(new ResDown3d(in, out, i == 0, true));
            in = out;
        }
        return d.add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().sum(new int[] {2, 3, 4})), "sum"))
                .add(Linear.builder().setUnits(1).build());
    }
}

package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * TGAN's image generator: z_slow and z_t (each [N, d], one row per frame) go through their own Linear → 16·(4·width)
 * (no bias, BatchNorm, ReLU), are reshaped to 4·width maps of 4×4 and concatenated (8·width channels); then
 * transposed convolutions k4 s2 p1 (BatchNorm, ReLU, channels halving) up to the frame size and a k3 s1 p1
 * convolution to the colour channels with tanh. At width 64 and 64 px: 512→256→128→64→32→3, as in the paper.
 */
public final class TganImageGenerator extends ai.djl.nn.AbstractBlock {

    private final int latentDim;
    private final int half;
    private final SequentialBlock slow;
    private final SequentialBlock fast;
    private final SequentialBlock up;

    public TganImageGenerator(int latentDim, int width, int frameSize, int channels) {
        int blocks = Layers.log2(frameSize) - 2;
        if (blocks < 1) {
            throw new IllegalArgumentException("TGAN's image generator starts at 4×4 and doubles: frameSize must be "
                    + "a power of two ≥ 8, got " + frameSize);
        }
        this.latentDim = latentDim;
        this.half = 4 * width;
        this.slow = addChildBlock("slow", projection(half));
        this.fast = addChildBlock("fast", projection(half));
        SequentialBlock b = new SequentialBlock();
        int c = 2 * half;
        for (int i = 0; i < blocks; i++) {
            int next = Math.max(1, c / 2);
            b.add(Layers.deconv(2, c, next, 4, 2, 1, false)).add(Layers.batchNorm()).add(Activation.reluBlock());
            c = next;
        }
        b.add(Layers.conv2d(channels, 3, 1, 1, true)).add(Activation.tanhBlock());
        this.up = addChildBlock("up", b);
    }

    private static SequentialBlock projection(int channels) {
        return new SequentialBlock().add(Linear.builder().setUnits(16L * channels).optBias(false).build())
                .add(Layers.batchNorm()).add(Activation.reluBlock());
    }

    /** Inputs: z_slow [N, d] and z_t [N, d] (N = videos · frames). Output: frames [N, C, H, W]. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray s = slow.forward(ps, new NDList(inputs.get(0)), training).singletonOrThrow();
        NDArray f = fast.forward(ps, new NDList(inputs.get(1)), training).singletonOrThrow();
        long n = s.getShape().get(0);
        NDArray h = s.reshape(n, half, 4, 4).concat(f.reshape(n, half, 4, 4), 1);
        return up.forward(ps, new NDList(h), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return up.getOutputShapes(new Shape[] {new Shape(inputShapes[0].get(0), 2L * half, 4, 4)});
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long n = inputShapes[0].get(0);
        slow.initialize(manager, dataType, new Shape(n, latentDim));
        fast.initialize(manager, dataType, new Shape(n, latentDim));
        up.initialize(manager, dataType, new Shape(n, 2L * half, 4, 4));
    }
}

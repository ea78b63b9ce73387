package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.util.Pair;
import io.ndevid.training.nn.BatchNorm;
import io.ndevid.training.nn.ConvTranspose;

/** Small builders shared by the networks of the three GANs. */
public final class Layers {

    private Layers() {}

    /**
     * BatchNorm over axis 1 with PyTorch's defaults (momentum 0.1 for the new batch, ε = 1e-5); {@link BatchNorm}:
     * DJL's block without its transposes.
     */
    public static BatchNorm batchNorm() {
        return BatchNorm.torchDefaults();
    }

    public static Conv2d conv2d(int filters, int k, int s, int p, boolean bias) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(k, k)).optStride(new Shape(s, s))
                .optPadding(new Shape(p, p)).optBias(bias).build();
    }

    /** 3-D convolution with per-axis (time, height, width) kernel, stride and padding. */
    public static Conv3d conv3d(int filters, long[] k, long[] s, long[] p, boolean bias) {
        return Conv3d.builder().setFilters(filters).setKernelShape(new Shape(k)).optStride(new Shape(s))
                .optPadding(new Shape(p)).optBias(bias).build();
    }

    /** Transposed convolution (the engine has none; see {@link ConvTranspose}; strategy AUTO). */
    public static ConvTranspose deconv(int dims, int in, int out, int k, int s, int p, boolean bias) {
        return ConvTranspose.builder().dims(dims).channels(in, out).kernel(k).stride(s).padding(p).bias(bias).build();
    }

    /** Reshapes to {@code [N, rest…]} keeping the leading axis. */
    public static LambdaBlock reshapeKeepingBatch(long... rest) {
        long[] shape = new long[rest.length + 1];
        shape[0] = -1;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return new LambdaBlock(x -> new NDList(x.singletonOrThrow().reshape(new Shape(shape))), "reshape");
    }

    /** {@code [N, …]} → {@code [N, rest]}. */
    public static LambdaBlock flatten() {
        return new LambdaBlock(x -> {
            NDArray a = x.singletonOrThrow();
            return new NDList(a.reshape(a.getShape().get(0), -1));
        }, "flatten");
    }

    /** Nearest-neighbour up-sampling by 2 of the last two axes (repeat-interleave; differentiable). */
    public static NDArray upsample2x(NDArray x) {
        int d = x.getShape().dimension();
        return x.repeat(d - 2, 2).repeat(d - 1, 2);
    }

    /** Parameters that a gradient step trains (BatchNorm running statistics excluded), as PyTorch counts them. */
    public static long trainableParameters(Block b) {
        long n = 0;
        for (Pair<String, Parameter> p : b.getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    /** log2 of a power of two, or −1. */
    public static int log2(long v) {
        return v > 0 && Long.bitCount(v) == 1 ? Long.numberOfTrailingZeros(v) : -1;
    }
}

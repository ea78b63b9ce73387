package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.ndevid.training.nn.BatchNorm;
import io.ndevid.training.nn.ConvTranspose;

import java.util.Arrays;

/**
 * TGAN's G_t ("frame seed generator"): z_slow [B, d] as a length-1 sequence of d channels → 1-D transposed
 * convolutions, k1 to 8·width channels, then k4 s2 p1 doubling the length until {@code frames} (channels halving,
 * at least 2·width), BatchNorm + ReLU between, tanh on the last → z_t [B, frames, d]. At width 64, d = 100 and 16
 * frames this is the paper's 100→512→256→128→128→100. Discrete: it only produces its own frames.
 */
public final class DeconvTemporalGenerator extends AbstractBlockTemporal {

    private final SequentialBlock net;

    /**
     * @throws IllegalArgumentException if {@code frames} is not a power of two (each layer doubles the length)
     */
    public DeconvTemporalGenerator(int latentDim, int frames, int width) {
        super(latentDim, frames);
        if (frames < 2 || Integer.bitCount(frames) != 1) {
            throw new IllegalArgumentException("TGAN's original G_t doubles the sequence length with every 1-D "
                    + "deconvolution, so frames must be a power of two (2, 4, 8, 16, …); got " + frames
                    + ". Use an ODE/SDE G_t for other lengths.");
        }
        int layers = Integer.numberOfTrailingZeros(frames);
        int c = 8 * width;
        SequentialBlock b = new SequentialBlock()
                .add(deconv(latentDim, c, 1, 1, 0, false)).add(bn()).add(Activation.reluBlock());
        for (int i = 1; i <= layers; i++) {
            boolean last = i == layers;
            int next = last ? latentDim : Math.max(2 * width, c / 2);
            b.add(deconv(c, next, 4, 2, 1, last));
            if (last) {
                b.add(Activation.tanhBlock());
            } else {
                b.add(bn()).add(Activation.reluBlock());
            }
            c = next;
        }
        this.net = addChildBlock("deconvs", b);
    }

    private static ConvTranspose deconv(int in, int out, int k, int s, int p, boolean bias) {
        return ConvTranspose.builder().dims(1).channels(in, out).kernel(k).stride(s).padding(p).bias(bias).build();
    }

    private static BatchNorm bn() {
        return BatchNorm.torchDefaults();
    }

    @Override
    public TemporalKind kind() {
        return TemporalKind.ORIGINAL;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray z = inputs.head();
        NDArray seq = net.forward(ps, new NDList(z.expandDims(2)), training).singletonOrThrow(); // [B, d, T]
        return new NDList(seq.transpose(0, 2, 1));
    }

    @Override
    public NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training) {
        if (!Arrays.equals(TemporalGenerator.frameTimes(frames()), times)) {
            throw new UnsupportedOperationException("TGAN's original G_t (1-D deconvolutions) only produces its "
                    + frames() + " frames; rendering at other times needs an ODE or SDE G_t");
        }
        return forward(ps, new NDList(z), training).singletonOrThrow();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        net.initialize(manager, dataType, new Shape(inputShapes[0].get(0), latentDim(), 1));
    }
}

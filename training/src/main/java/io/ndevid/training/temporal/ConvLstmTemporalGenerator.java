package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;

/**
 * TGANv2's G_t: a convolutional LSTM (k3, padding 1) over a feature map [channels, size, size]. The map from the
 * latent (TGANv2: FC(z)) is the input at t = 0 and zeros after it; hidden and cell state start at zero; the
 * output is h_t for t = 0 … frames − 1. The map is passed flattened, so as a {@link TemporalGenerator} its
 * "latent" is [B, channels·size²] and its output [B, frames, channels·size²]. Discrete: only its own frames.
 */
public final class ConvLstmTemporalGenerator extends AbstractBlockTemporal {

    private final int channels;
    private final int size;
    private final Conv2d gates;

    public ConvLstmTemporalGenerator(int channels, int size, int frames) {
        super(channels * size * size, frames);
        this.channels = channels;
        this.size = size;
        this.gates = addChildBlock("gates", Conv2d.builder().setFilters(4 * channels).setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1)).build());
    }

    @Override
    public TemporalKind kind() {
        return TemporalKind.ORIGINAL;
    }

    public int channels() {
        return channels;
    }

    public int size() {
        return size;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x0 = inputs.head();
        long b = x0.getShape().get(0);
        Shape map = new Shape(b, channels, size, size);
        NDArray input = x0.reshape(map);
        NDArray zeros = x0.getManager().zeros(map, x0.getDataType());
        NDArray h = zeros;
        NDArray c = zeros;
        NDList out = new NDList(frames());
        for (int t = 0; t < frames(); t++) {
            NDArray x = t == 0 ? input : zeros;
            NDList g = gates.forward(ps, new NDList(x.concat(h, 1)), training).singletonOrThrow().split(4, 1);
            NDArray i = g.get(0).getNDArrayInternal().sigmoid();
            NDArray f = g.get(1).getNDArrayInternal().sigmoid();
            NDArray o = g.get(2).getNDArrayInternal().sigmoid();
            c = f.mul(c).add(i.mul(g.get(3).tanh()));
            h = o.mul(c.tanh());
            out.add(h.reshape(b, 1, -1));
        }
        return new NDList(NDArrays.concat(out, 1));
    }

    @Override
    public NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training) {
        if (!Arrays.equals(TemporalGenerator.frameTimes(frames()), times)) {
            throw new UnsupportedOperationException("TGANv2's original G_t (a conv-LSTM) only produces its "
                    + frames() + " frames; rendering at other times needs an ODE or SDE G_t");
        }
        return forward(ps, new NDList(z), training).singletonOrThrow();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        gates.initialize(manager, dataType, new Shape(inputShapes[0].get(0), 2L * channels, size, size));
    }
}

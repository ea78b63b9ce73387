package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.ndevid.training.util.Randomness;

/**
 * MoCoGAN's motion generator: a GRU cell started from h0 = the input (N(0,1) in MoCoGAN) and fed N(0,1) noise at
 * every step; z_t = h_t for t = 1..T. The T steps run as one libtorch GRU over the noise sequence (PyTorch's GRUCell
 * equations; the two {@link Linear} blocks hold its input and hidden weights), not as ops per step. Discrete time: it cannot render between or before its frames.
 */
public final class GruTemporalGenerator extends AbstractTemporalGenerator {

    private final int noiseDim;
    private final Linear inputGates;
    private final Linear hiddenGates;

    public GruTemporalGenerator(int latentDim, int noiseDim, int frames) {
        super(latentDim, frames, 0, 0);
        this.noiseDim = noiseDim;
        this.inputGates = addChildBlock("input", Linear.builder().setUnits(3L * latentDim).build());
        this.hiddenGates = addChildBlock("hidden", Linear.builder().setUnits(3L * latentDim).build());
    }

    @Override
    public TemporalKind kind() {
        return TemporalKind.ORIGINAL;
    }

    /**
     * Inputs: h0 [B, latentDim] and optionally the step noise [B, frames, noiseDim]; without it the noise comes
     * from seed 0 (use {@link #generate} with a seed in training).
     */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray h = inputs.head();
        long b = h.getShape().get(0);
        NDArray noise = inputs.size() > 1 ? inputs.get(1)
                : Randomness.normal(h.getManager(), new Shape(b, frames(), noiseDim), 0L, h.getDataType());
        // All steps in one call of libtorch's GRU (gates r, z, n as in GRUCell; weights [3d, in] and [3d, d]).
        NDList weights = new NDList(param(ps, inputGates, "weight", h, training),
                param(ps, hiddenGates, "weight", h, training), param(ps, inputGates, "bias", h, training),
                param(ps, hiddenGates, "bias", h, training));
        NDList out = noise.getNDArrayInternal().gru(noise, h.expandDims(0), weights, true, 1, 0.0, training, false,
                true);
        return new NDList(out.head()); // [B, T, d]: h_1 … h_T
    }

    private static NDArray param(ParameterStore ps, Linear layer, String name, NDArray like, boolean training) {
        return ps.getValue(layer.getParameters().get(name), like.getDevice(), training);
    }

    @Override
    public NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training) {
        double[] own = TemporalGenerator.frameTimes(frames());
        if (!java.util.Arrays.equals(own, times)) {
            throw new UnsupportedOperationException("the original MoCoGAN G_t (a GRU) only renders its " + frames()
                    + " frames; continuous-time rendering needs an ODE or SDE G_t");
        }
        long b = z.getShape().get(0);
        NDArray noise = Randomness.normal(z.getManager(), new Shape(b, frames(), noiseDim), noiseSeed, z.getDataType());
        return forward(ps, new NDList(z, noise), training).singletonOrThrow();
    }

    @Override
    void initializeDynamics(NDManager manager, DataType dataType, Shape latent, Shape... inputShapes) {
        inputGates.initialize(manager, dataType, new Shape(latent.get(0), noiseDim));
        hiddenGates.initialize(manager, dataType, latent);
    }
}

package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * What every temporal generator shares: its sizes, its output shape [B, frames, latentDim], and for the
 * differential-equation ones the optional MLP that maps the input latent to z0.
 */
abstract class AbstractTemporalGenerator extends AbstractBlock implements TemporalGenerator {

    private final int latentDim;
    private final int frames;
    private final Block mlp;

    /** {@code mlpWidth} 0: no MLP; else {@code mlpLayers} hidden layers of that width (see {@link Blocks#mlp}). */
    AbstractTemporalGenerator(int latentDim, int frames, int mlpWidth, int mlpLayers) {
        this.latentDim = latentDim;
        this.frames = frames;
        this.mlp = mlpWidth > 0 ? addChildBlock("mlp", Blocks.mlp(mlpWidth, mlpLayers, latentDim)) : null;
    }

    @Override
    public int latentDim() {
        return latentDim;
    }

    @Override
    public int frames() {
        return frames;
    }

    /** z0: the input through the MLP, or the input itself. */
    NDArray initialLatent(ParameterStore ps, NDArray z, boolean training) {
        return mlp == null ? z : mlp.forward(ps, new NDList(z), training).singletonOrThrow();
    }

    /** Frames at the default frame times; noise (if any) from seed 0 — training draws through {@link #generate}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(generate(ps, inputs.head(), TemporalGenerator.frameTimes(frames), 0L, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), frames, latentDim)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (mlp != null) {
            mlp.initialize(manager, dataType, inputShapes[0]);
        } else if (inputShapes[0].get(1) != latentDim) {
            throw new IllegalArgumentException("without an MLP the " + kind().id() + " generator's input must be the "
                    + "latent size " + latentDim + ", got " + inputShapes[0]);
        }
        initializeDynamics(manager, dataType, new Shape(inputShapes[0].get(0), latentDim), inputShapes);
    }

    /** Initializes the blocks after the MLP; {@code latent} is [B, latentDim]. */
    abstract void initializeDynamics(NDManager manager, DataType dataType, Shape latent, Shape... inputShapes);
}

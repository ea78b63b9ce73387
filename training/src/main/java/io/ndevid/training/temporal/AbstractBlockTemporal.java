package io.ndevid.training.temporal;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;

/** What the discrete (original) temporal generators share: sizes and the output shape. */
abstract class AbstractBlockTemporal extends AbstractBlock implements TemporalGenerator {

    private final int latentDim;
    private final int frames;

    AbstractBlockTemporal(int latentDim, int frames) {
        this.latentDim = latentDim;
        this.frames = frames;
    }

    @Override
    public int latentDim() {
        return latentDim;
    }

    @Override
    public int frames() {
        return frames;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), frames, latentDim)};
    }
}

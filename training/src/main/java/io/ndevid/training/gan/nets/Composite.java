package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Networks that save, load and train as one {@link Block} (e.g. G = G_t + image generator) while the model calls its
 * parts directly. The parts are initialised by the model, with their own input shapes, before {@link #seal}.
 */
public final class Composite extends AbstractBlock {

    private static final byte VERSION = 1;

    public Composite() {
        super(VERSION);
    }

    /** Adds an (initialised) part; DJL prefixes the name with its position for parameter names. */
    public <B extends Block> B add(String name, B block) {
        return addChildBlock(name, block);
    }

    /** Marks the group initialised; every part must already be. */
    public Composite seal(NDManager manager) {
        for (Block child : getChildren().values()) {
            if (!child.isInitialized()) {
                throw new IllegalStateException("a part of the composite is not initialised: " + child);
            }
        }
        initialize(manager, DataType.FLOAT32, new Shape(1));
        return this;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        throw new UnsupportedOperationException("a Composite only groups networks; call its parts");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("a Composite only groups networks; ask its parts");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // the parts were initialised with their own shapes
    }
}

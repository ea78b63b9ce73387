package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.ndevid.training.nn.BatchNorm;

/**
 * TGANv2's (SNGAN-style) residual up-block on frames [N, in, h, w] → [N, out, 2h, 2w]:
 * BN → ReLU → up ×2 (nearest) → conv3 → BN → ReLU → conv3, plus the shortcut up ×2 → conv1.
 */
public final class ResUp2d extends AbstractBlock {

    private final int in;
    private final int out;
    private final BatchNorm bn1;
    private final Conv2d conv1;
    private final BatchNorm bn2;
    private final Conv2d conv2;
    private final Conv2d shortcut;

    public ResUp2d(int in, int out) {
        this.in = in;
        this.out = out;
        this.bn1 = addChildBlock("bn1", Layers.batchNorm());
        this.conv1 = addChildBlock("conv1", Layers.conv2d(out, 3, 1, 1, true));
        this.bn2 = addChildBlock("bn2", Layers.batchNorm());
        this.conv2 = addChildBlock("conv2", Layers.conv2d(out, 3, 1, 1, true));
        this.shortcut = addChildBlock("shortcut", Layers.conv2d(out, 1, 1, 0, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray h = Activation.relu(bn1.forward(ps, new NDList(x), training).singletonOrThrow());
        h = conv1.forward(ps, new NDList(Layers.upsample2x(h)), training).singletonOrThrow();
        h = Activation.relu(bn2.forward(ps, new NDList(h), training).singletonOrThrow());
        h = conv2.forward(ps, new NDList(h), training).singletonOrThrow();
        NDArray s = shortcut.forward(ps, new NDList(Layers.upsample2x(x)), training).singletonOrThrow();
        return new NDList(h.add(s));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), out, 2 * s.get(2), 2 * s.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        Shape up = new Shape(s.get(0), in, 2 * s.get(2), 2 * s.get(3));
        Shape mid = new Shape(s.get(0), out, 2 * s.get(2), 2 * s.get(3));
        bn1.initialize(manager, dataType, s);
        conv1.initialize(manager, dataType, up);
        bn2.initialize(manager, dataType, mid);
        conv2.initialize(manager, dataType, mid);
        shortcut.initialize(manager, dataType, up);
    }
}

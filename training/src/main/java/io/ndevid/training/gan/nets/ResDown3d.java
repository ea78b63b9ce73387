package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * TGANv2's residual down-block for the 3-D discriminator (no normalisation): ReLU → conv3 → ReLU → conv3 → average
 * pool, plus the shortcut conv1 → pool. The first block of a D skips the leading ReLU and pools before its shortcut
 * (SNGAN's "optimized" block). Pooling halves height and width, and time while it is ≥ 2. Its ReLUs are
 * {@link FrozenRelu}s (the gradient penalty freezes their pattern).
 */
public final class ResDown3d extends AbstractBlock {

    private final int in;
    private final int out;
    private final boolean first;
    private final Conv3d conv1;
    private final Conv3d conv2;
    private final Conv3d shortcut;

    public ResDown3d(int in, int out, boolean first) {
        this.in = in;
        this.out = out;
        this.first = first;
        long[] k3 = {3, 3, 3};
        long[] one = {1, 1, 1};
        this.conv1 = addChildBlock("conv1", Layers.conv3d(out, k3, one, one, true));
        this.conv2 = addChildBlock("conv2", Layers.conv3d(out, k3, one, one, true));
        this.shortcut = addChildBlock("shortcut", Layers.conv3d(out, one, one, new long[] {0, 0, 0}, true));
    }

    private static NDArray pool(NDArray x) {
        long kt = x.getShape().get(2) >= 2 ? 2 : 1;
        Shape k = new Shape(kt, 2, 2);
        return Pool.avgPool3d(x, k, k, new Shape(0, 0, 0), false, true);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray h = first ? x : FrozenRelu.relu(x);
        h = conv1.forward(ps, new NDList(h), training).singletonOrThrow();
        h = conv2.forward(ps, new NDList(FrozenRelu.relu(h)), training).singletonOrThrow();
        h = pool(h);
        NDArray s = first
                ? shortcut.forward(ps, new NDList(pool(x)), training).singletonOrThrow()
                : pool(shortcut.forward(ps, new NDList(x), training).singletonOrThrow());
        return new NDList(h.add(s));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        long t = s.get(2) >= 2 ? s.get(2) / 2 : s.get(2);
        return new Shape[] {new Shape(s.get(0), out, t, s.get(3) / 2, s.get(4) / 2)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        Shape mid = new Shape(s.get(0), out, s.get(2), s.get(3), s.get(4));
        conv1.initialize(manager, dataType, s);
        conv2.initialize(manager, dataType, mid);
        Shape o = getOutputShapes(new Shape[] {s})[0];
        Shape pooled = new Shape(s.get(0), in, o.get(2), o.get(3), o.get(4));
        shortcut.initialize(manager, dataType, first ? pooled : s);
    }
}

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
 * The residual down-blocks of the authors' TGANv2 discriminator ({@code models/tganv2_dis.py}), no normalisation:
 * <ul>
 *   <li>first ({@code OptimizedDiscBlock}): conv3 → ReLU → conv3 → average pool (1, 2, 2); shortcut: pool → conv1.
 *       Time is not pooled.</li>
 *   <li>others ({@code DisBlock}): ReLU → conv3 (in → in) → ReLU → conv3 (in → out) → down; shortcut: conv1 → down.
 *       "down" zero-pads every axis of odd length by one on both sides (a length of 1 included), then average-pools
 *       with kernel 2 on the axes longer than 1 and 1 on the rest.</li>
 * </ul>
 * Its ReLUs are {@link FrozenRelu}s (the gradient penalty freezes their pattern); everything else is linear.
 */
public final class ResDown3dAuthors extends AbstractBlock {

    private final int in;
    private final int out;
    private final boolean first;
    private final Conv3d conv1;
    private final Conv3d conv2;
    private final Conv3d shortcut;

    public ResDown3dAuthors(int in, int out, boolean first) {
        this.in = in;
        this.out = out;
        this.first = first;
        long[] k3 = {3, 3, 3};
        long[] one = {1, 1, 1};
        this.conv1 = addChildBlock("conv1", Layers.conv3d(first ? out : in, k3, one, one, true));
        this.conv2 = addChildBlock("conv2", Layers.conv3d(out, k3, one, one, true));
        this.shortcut = addChildBlock("shortcut", Layers.conv3d(out, one, one, new long[] {0, 0, 0}, true));
    }

    private static NDArray poolSpace(NDArray x) {
        Shape k = new Shape(1, 2, 2);
        return Pool.avgPool3d(x, k, k, new Shape(0, 0, 0), false, true);
    }

    /** The authors' {@code downsample}: pad odd axes by one each side, pool 2 on axes longer than 1. */
    static NDArray down(NDArray x) {
        Shape s = x.getShape();
        long[] pad = new long[6]; // F.pad order: last axis first, (before, after) per axis
        boolean any = false;
        for (int a = 0; a < 3; a++) {
            long n = s.get(4 - a);
            if (n % 2 == 1) {
                pad[2 * a] = 1;
                pad[2 * a + 1] = 1;
                any = true;
            }
        }
        NDArray p = any ? x.pad(new Shape(pad), 0) : x;
        long[] k = new long[3];
        for (int a = 0; a < 3; a++) {
            k[a] = s.get(2 + a) > 1 ? 2 : 1;
        }
        return Pool.avgPool3d(p, new Shape(k), new Shape(k), new Shape(0, 0, 0), false, true);
    }

    private static long downLength(long n) {
        long padded = n % 2 == 1 ? n + 2 : n;
        return n > 1 ? padded / 2 : padded;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (first) {
            NDArray h = conv1.forward(ps, new NDList(x), training).singletonOrThrow();
            h = conv2.forward(ps, new NDList(FrozenRelu.relu(h)), training).singletonOrThrow();
            NDArray s = shortcut.forward(ps, new NDList(poolSpace(x)), training).singletonOrThrow();
            return new NDList(poolSpace(h).add(s));
        }
        NDArray h = conv1.forward(ps, new NDList(FrozenRelu.relu(x)), training).singletonOrThrow();
        h = conv2.forward(ps, new NDList(FrozenRelu.relu(h)), training).singletonOrThrow();
        NDArray s = shortcut.forward(ps, new NDList(x), training).singletonOrThrow();
        return new NDList(down(h).add(down(s)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        if (first) {
            return new Shape[] {new Shape(s.get(0), out, s.get(2), s.get(3) / 2, s.get(4) / 2)};
        }
        return new Shape[] {new Shape(s.get(0), out, downLength(s.get(2)), downLength(s.get(3)),
                downLength(s.get(4)))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        int mid = first ? out : in;
        conv1.initialize(manager, dataType, s);
        conv2.initialize(manager, dataType, new Shape(s.get(0), mid, s.get(2), s.get(3), s.get(4)));
        shortcut.initialize(manager, dataType, first
                ? new Shape(s.get(0), in, s.get(2), s.get(3) / 2, s.get(4) / 2) : s);
    }
}

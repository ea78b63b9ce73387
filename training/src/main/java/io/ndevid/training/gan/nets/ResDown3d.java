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
 * TGANv2's residual down-block for the 3-D discriminator (no normalisation), in two forms. Its ReLUs are
 * {@link FrozenRelu}s (the gradient penalty freezes their pattern); everything else is linear.
 * <ul>
 *   <li>scaled (SNGAN-style): ReLU → conv3 → ReLU → conv3 → average pool, plus the shortcut conv1 → pool. The first
 *       block of a D skips the leading ReLU and pools before its shortcut (SNGAN's "optimized" block). Pooling
 *       halves height and width, and time while it is ≥ 2.</li>
 *   <li>authors ({@code models/tganv2_dis.py}): the first block ({@code OptimizedDiscBlock}) conv3 → ReLU → conv3 →
 *       pool (1, 2, 2), shortcut pool → conv1 — time is not pooled; the others ({@code DisBlock}) ReLU → conv3
 *       (in → in) → ReLU → conv3 (in → out) → down, shortcut conv1 → down, where "down" zero-pads every axis of
 *       odd length by one on both sides (a length of 1 included) and average-pools with kernel 2 on the axes longer
 *       than 1, 1 on the rest.</li>
 * </ul>
 */
public final class ResDown3d extends AbstractBlock {

    private final int in;
    private final int out;
    private final boolean first;
    private final boolean authors;
    private final Conv3d conv1;
    private final Conv3d conv2;
    private final Conv3d shortcut;

    /** The scaled form. */
    public ResDown3d(int in, int out, boolean first) {
        this(in, out, first, false);
    }

    public ResDown3d(int in, int out, boolean first, boolean authors) {
        this.in = in;
        this.out = out;
        this.first = first;
        this.authors = authors;
        long[] k3 = {3, 3, 3};
        long[] one = {1, 1, 1};
        this.conv1 = addChildBlock("conv1", Layers.conv3d(mid(), k3, one, one, true));
        this.conv2 = addChildBlock("conv2", Layers.conv3d(out, k3, one, one, true));
        this.shortcut = addChildBlock("shortcut", Layers.conv3d(out, one, one, new long[] {0, 0, 0}, true));
    }

    /** Channels between the two 3×3×3 convolutions. */
    private int mid() {
        return authors && !first ? in : out;
    }

    /** Scaled: pool (2 while T ≥ 2, 2, 2). Authors: the first block pools space only; the others "down". */
    private NDArray pool(NDArray x) {
        if (authors && !first) {
            return down(x);
        }
        long kt = !authors && x.getShape().get(2) >= 2 ? 2 : 1;
        Shape k = new Shape(kt, 2, 2);
        return Pool.avgPool3d(x, k, k, new Shape(0, 0, 0), false, true);
    }

    /** The authors' {@code downsample}: pad odd axes by one each side, pool 2 on axes longer than 1. */
    private static NDArray down(NDArray x) {
        Shape s = x.getShape();
        long[] pad = new long[6]; // F.pad order: last axis first, (before, after) per axis
        boolean any = false;
        for (int a = 0; a < 3; a++) {
            if (s.get(4 - a) % 2 == 1) {
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

    private long pooled(long n, int axis) {
        if (authors && !first) {
            long padded = n % 2 == 1 ? n + 2 : n;
            return n > 1 ? padded / 2 : padded;
        }
        if (axis == 2) {
            return !authors && n >= 2 ? n / 2 : n;
        }
        return n / 2;
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
        return new Shape[] {new Shape(s.get(0), out, pooled(s.get(2), 2), pooled(s.get(3), 3), pooled(s.get(4), 4))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        conv1.initialize(manager, dataType, s);
        conv2.initialize(manager, dataType, new Shape(s.get(0), mid(), s.get(2), s.get(3), s.get(4)));
        Shape o = getOutputShapes(new Shape[] {s})[0];
        shortcut.initialize(manager, dataType, first ? new Shape(s.get(0), in, o.get(2), o.get(3), o.get(4)) : s);
    }
}

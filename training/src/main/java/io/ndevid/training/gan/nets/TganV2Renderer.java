package io.ndevid.training.gan.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * TGANv2's image side: the FC from a latent to a {@code base}×s×s seed map (s = {@code seedSize}), residual up-blocks
 * ({@link ResUp2d}, channels halving down to {@code floor}) and one render block per level (BN → ReLU → conv3 →
 * tanh). The authors' TGANv2: s = 3, base 1024, floor 32 (192 px); the scaled one: s = 4, base 8·width, floor width.
 *
 * <p>Levels: {@code L = clamp(log2(frameSize / s), 1, 4)} — with s = 4: 16 px → 2, 32 px → 3, 64 px → 4; with s = 3,
 * 192 px → 4 (the paper's four). Level 0 renders every frame at {@code frameSize / 2^(L−1)} px; each further level
 * doubles the size after <em>subsampling</em> the feature maps: every {@code stride}-th frame from a random offset
 * (the scaled TGANv2: 2, the authors: 4), and the batch given per level. {@link #full} renders every frame at full
 * size without subsampling.
 */
public final class TganV2Renderer extends AbstractBlock {

    private final int latentDim;
    private final int seedSize;
    private final int baseChannels;
    private final int levels;
    private final int levelZeroSize;
    private final Linear fc;
    private final List<ResUp2d> ups = new ArrayList<>();
    private final List<SequentialBlock> renders = new ArrayList<>();
    /** Up-blocks run before each level's render. */
    private final int[] upsPerLevel;
    private final int[] channelsAt;

    /** The scaled TGANv2: a 4×4 seed map of 8·width channels, halving down to width. */
    public TganV2Renderer(int latentDim, int width, int frameSize, int channels) {
        this(latentDim, 4, 8 * width, width, frameSize, channels);
    }

    public TganV2Renderer(int latentDim, int seedSize, int baseChannels, int floor, int frameSize, int channels) {
        this.latentDim = latentDim;
        this.seedSize = seedSize;
        this.levels = levels(frameSize, seedSize);
        this.levelZeroSize = frameSize >> (levels - 1);
        this.baseChannels = baseChannels;
        int width = floor;
        this.fc = addChildBlock("fc", Linear.builder().setUnits((long) seedSize * seedSize * baseChannels).build());
        this.upsPerLevel = new int[levels];
        upsPerLevel[0] = Layers.log2(levelZeroSize / seedSize);
        for (int l = 1; l < levels; l++) {
            upsPerLevel[l] = 1;
        }
        int total = upsPerLevel[0] + levels - 1;
        channelsAt = new int[total + 1];
        channelsAt[0] = baseChannels;
        for (int i = 1; i <= total; i++) {
            channelsAt[i] = Math.max(width, channelsAt[i - 1] / 2);
            ups.add(addChildBlock("up" + i, new ResUp2d(channelsAt[i - 1], channelsAt[i])));
        }
        for (int l = 0; l < levels; l++) {
            renders.add(addChildBlock("render" + l, new SequentialBlock().add(Layers.batchNorm())
                    .add(Activation.reluBlock()).add(Layers.conv2d(channels, 3, 1, 1, true))
                    .add(Activation.tanhBlock())));
        }
    }

    /** The number of levels for a frame size from a 4×4 seed: 16 px → 2, 32 → 3, ≥ 64 → 4 (at least 1). */
    public static int levels(int frameSize) {
        return levels(frameSize, 4);
    }

    /** The number of levels from an s×s seed map: clamp(log2(frameSize / s), 1, 4); frameSize must be s·2^k. */
    public static int levels(int frameSize, int seedSize) {
        int k = frameSize % seedSize == 0 ? Layers.log2(frameSize / seedSize) : -1;
        if (k < 1) {
            throw new IllegalArgumentException("TGANv2 from a " + seedSize + "×" + seedSize + " seed map needs a frame "
                    + "size of " + seedSize + "·2^k (k ≥ 1), got " + frameSize);
        }
        return Math.max(1, Math.min(4, k));
    }

    public int levels() {
        return levels;
    }

    /** Frame size rendered at level l. */
    public int sizeAt(int level) {
        return levelZeroSize << level;
    }

    /** Channels of the map the FC produces (the conv-LSTM's state). */
    public int baseChannels() {
        return baseChannels;
    }

    /** Side of the seed map (4 scaled, 3 the authors'). */
    public int seedSize() {
        return seedSize;
    }

    /** FC: [N, d] → [N, s²·baseChannels] (a flattened s×s map). */
    public NDArray project(ParameterStore ps, NDArray z, boolean training) {
        return fc.forward(ps, new NDList(z), training).singletonOrThrow();
    }

    /** {@link #levels(ParameterStore, NDArray, int[], int[], int, boolean)} with every 2nd frame (the scaled form). */
    public List<NDArray> levels(ParameterStore ps, NDArray maps, int[] offsets, int[] batches, boolean training) {
        return levels(ps, maps, offsets, batches, 2, training);
    }

    /**
     * Training render: maps [B, T, s²·c] → per level l a video [B_l, C, T_l, r_l, r_l] with B_l = batches[l], the
     * frames of level l being every {@code stride}-th frame of level l − 1 from {@code offsets[l]}.
     */
    public List<NDArray> levels(ParameterStore ps, NDArray maps, int[] offsets, int[] batches, int stride,
                                boolean training) {
        long b = maps.getShape().get(0);
        long t = maps.getShape().get(1);
        NDArray h = maps.reshape(b * t, baseChannels, seedSize, seedSize);
        List<NDArray> out = new ArrayList<>(levels);
        int u = 0;
        for (int l = 0; l < levels; l++) {
            if (l > 0) {
                Shape s = h.getShape();
                NDArray v = h.reshape(new Shape(b, t).addAll(s.slice(1)));
                v = v.get(new NDIndex(":" + batches[l] + ", " + offsets[l] + "::" + stride));
                b = batches[l];
                t = v.getShape().get(1);
                h = v.reshape(new Shape(b * t).addAll(s.slice(1)));
            }
            for (int i = 0; i < upsPerLevel[l]; i++, u++) {
                h = ups.get(u).forward(ps, new NDList(h), training).singletonOrThrow();
            }
            out.add(toVideo(renders.get(l).forward(ps, new NDList(h), training).singletonOrThrow(), b, t));
        }
        return out;
    }

    /** Inference render: maps [B, T, s²·c] → [B, C, T, frameSize, frameSize], every frame, no subsampling. */
    public NDArray full(ParameterStore ps, NDArray maps, boolean training) {
        long b = maps.getShape().get(0);
        long t = maps.getShape().get(1);
        NDArray h = maps.reshape(b * t, baseChannels, seedSize, seedSize);
        for (ResUp2d up : ups) {
            h = up.forward(ps, new NDList(h), training).singletonOrThrow();
        }
        return toVideo(renders.get(levels - 1).forward(ps, new NDList(h), training).singletonOrThrow(), b, t);
    }

    private static NDArray toVideo(NDArray frames, long b, long t) {
        Shape s = frames.getShape();
        return frames.reshape(b, t, s.get(1), s.get(2), s.get(3)).transpose(0, 2, 1, 3, 4);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(full(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("use levels() or full()");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long n = inputShapes[0].get(0);
        fc.initialize(manager, dataType, new Shape(n, latentDim));
        long size = seedSize;
        int u = 0;
        for (int l = 0; l < levels; l++) {
            for (int i = 0; i < upsPerLevel[l]; i++, u++) {
                ups.get(u).initialize(manager, dataType, new Shape(n, channelsAt[u], size, size));
                size *= 2;
            }
            renders.get(l).initialize(manager, dataType, new Shape(n, channelsAt[u], size, size));
        }
    }
}

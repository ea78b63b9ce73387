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
 * TGANv2's image side, scaled: the FC from a latent to a (8·width)×4×4 map, residual up-blocks ({@link ResUp2d},
 * channels halving down to width) and one render block per level (BN → ReLU → conv3 → tanh).
 *
 * <p>Levels: {@code L = clamp(log2(frameSize) − 2, 1, 4)} — 16 px → 2, 32 px → 3, 64 px and above → 4 (the paper's
 * four at 192 px). Level 0 renders every frame at {@code frameSize / 2^(L−1)} px (8 px up to 64 px); each further
 * level doubles the size after <em>subsampling</em> the feature maps: half the frames (every second one from a random
 * offset) and half the batch. Training therefore sees frames/2^l frames of 2^l·r0 px at level l, while
 * {@link #full} renders every frame at full size without subsampling.
 */
public final class TganV2Renderer extends AbstractBlock {

    private final int latentDim;
    private final int baseChannels;
    private final int levels;
    private final int levelZeroSize;
    private final Linear fc;
    private final List<ResUp2d> ups = new ArrayList<>();
    private final List<SequentialBlock> renders = new ArrayList<>();
    /** Up-blocks run before each level's render. */
    private final int[] upsPerLevel;
    private final int[] channelsAt;

    public TganV2Renderer(int latentDim, int width, int frameSize, int channels) {
        this.latentDim = latentDim;
        this.levels = levels(frameSize);
        this.levelZeroSize = frameSize >> (levels - 1);
        this.baseChannels = 8 * width;
        this.fc = addChildBlock("fc", Linear.builder().setUnits(16L * baseChannels).build());
        this.upsPerLevel = new int[levels];
        upsPerLevel[0] = Layers.log2(levelZeroSize) - 2;
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

    /** The number of levels for a frame size: 16 px → 2, 32 → 3, ≥ 64 → 4 (at least 1). */
    public static int levels(int frameSize) {
        return Math.max(1, Math.min(4, Layers.log2(frameSize) - 2));
    }

    public int levels() {
        return levels;
    }

    /** Frame size rendered at level l. */
    public int sizeAt(int level) {
        return levelZeroSize << level;
    }

    /** Channels of the map the FC produces (the conv-LSTM's state): 8·width at 4×4. */
    public int baseChannels() {
        return baseChannels;
    }

    /** FC: [N, d] → [N, 16·baseChannels] (a flattened 4×4 map). */
    public NDArray project(ParameterStore ps, NDArray z, boolean training) {
        return fc.forward(ps, new NDList(z), training).singletonOrThrow();
    }

    /**
     * Training render: maps [B, T, 16·c] → per level l a video [B_l, C, T_l, r_l, r_l] with B_l = batches[l] and
     * T_l = T / 2^l, the frames of level l being every second frame of level l − 1 from {@code offsets[l]} (0 or 1).
     */
    public List<NDArray> levels(ParameterStore ps, NDArray maps, int[] offsets, int[] batches, boolean training) {
        long b = maps.getShape().get(0);
        long t = maps.getShape().get(1);
        NDArray h = maps.reshape(b * t, baseChannels, 4, 4);
        List<NDArray> out = new ArrayList<>(levels);
        int u = 0;
        for (int l = 0; l < levels; l++) {
            if (l > 0) {
                Shape s = h.getShape();
                NDArray v = h.reshape(new Shape(b, t).addAll(s.slice(1)));
                v = v.get(new NDIndex(":" + batches[l] + ", " + offsets[l] + "::2"));
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

    /** Inference render: maps [B, T, 16·c] → [B, C, T, frameSize, frameSize], every frame, no subsampling. */
    public NDArray full(ParameterStore ps, NDArray maps, boolean training) {
        long b = maps.getShape().get(0);
        long t = maps.getShape().get(1);
        NDArray h = maps.reshape(b * t, baseChannels, 4, 4);
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
        long size = 4;
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

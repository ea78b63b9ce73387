package io.ndevid.training.data;

import ai.djl.ndarray.types.Shape;

/**
 * The shape of one clip, {@code [C, T, H, W]} (channels, frames, height, width), as every {@link VideoDataset} in
 * ndevid lays it out in memory: channel-major, then time, then rows.
 */
public record ClipShape(int channels, int frames, int height, int width) {

    public ClipShape {
        if (channels <= 0 || frames <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("clip dimensions must be positive: " + this);
        }
    }

    /** Floats in one clip: C·T·H·W. */
    public int floats() {
        return Math.multiplyExact(Math.multiplyExact(channels, frames), Math.multiplyExact(height, width));
    }

    /** The batch shape {@code [B, C, T, H, W]}. */
    public long[] batchShape(int batchSize) {
        return new long[] {batchSize, channels, frames, height, width};
    }

    /** The batch shape {@code [B, C, T, H, W]} as a DJL shape. */
    public Shape toShape(int batchSize) {
        return new Shape(batchShape(batchSize));
    }

    @Override
    public String toString() {
        return "[C=" + channels + ", T=" + frames + ", H=" + height + ", W=" + width + "]";
    }
}

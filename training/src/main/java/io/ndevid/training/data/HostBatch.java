package io.ndevid.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of clips on the JVM heap: {@code data} holds {@code [B, C, T, H, W]} float32 values in [−1, 1], row-major.
 *
 * <p>Batches cross threads in this form only (see {@link PrefetchingLoader}): a plain {@code float[]} has no native
 * owner, so the thread that turns it into an {@link NDArray} also owns, and closes, the tensor.
 *
 * @param data    clip values, length B·C·T·H·W
 * @param clip    the shape of one clip
 * @param labels  class of each clip, or {@code null} for an unlabelled dataset
 * @param indices dataset index each clip was asked for (a dataset that substitutes an unreadable clip keeps the
 *                index that was asked for)
 */
public record HostBatch(float[] data, ClipShape clip, int[] labels, int[] indices) {

    public HostBatch {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(clip, "clip");
        Objects.requireNonNull(indices, "indices");
        if ((long) indices.length * clip.floats() != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " floats, but " + indices.length
                    + " clips of " + clip + " need " + (long) indices.length * clip.floats());
        }
        if (labels != null && labels.length != indices.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + indices.length + " clips");
        }
    }

    /** Clips in the batch. */
    public int size() {
        return indices.length;
    }

    /** {@code [B, C, T, H, W]}. */
    public long[] shape() {
        return clip.batchShape(size());
    }

    /** A new float32 tensor {@code [B, C, T, H, W]} owned by {@code manager} (a copy of {@link #data}). */
    public NDArray toNDArray(NDManager manager) {
        return manager.create(data, new Shape(shape()));
    }

    /** The videos as a tensor owned by {@code manager}, with the labels. */
    public VideoBatch toVideoBatch(NDManager manager) {
        return new VideoBatch(toNDArray(manager), labels == null ? null : labels.clone(), indices.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostBatch b && clip.equals(b.clip) && Arrays.equals(data, b.data)
                && Arrays.equals(labels, b.labels) && Arrays.equals(indices, b.indices);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(data) + Arrays.hashCode(labels)) + Arrays.hashCode(indices);
    }

    @Override
    public String toString() {
        return "HostBatch[" + Arrays.toString(shape()) + (labels == null ? ", unlabelled" : ", labelled") + "]";
    }
}

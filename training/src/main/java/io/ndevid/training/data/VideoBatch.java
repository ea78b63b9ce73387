package io.ndevid.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A batch as a tensor: {@code videos} is float32 {@code [B, C, T, H, W]} in [−1, 1], owned by the manager that
 * {@link HostBatch#toVideoBatch} was given; closing the batch closes that tensor.
 *
 * @param labels  class per clip, or {@code null} when the dataset is unlabelled
 * @param indices dataset index per clip
 */
public record VideoBatch(NDArray videos, int[] labels, int[] indices) implements AutoCloseable {

    /** The labels as an int32 tensor owned by {@code manager}; fails for an unlabelled batch. */
    public NDArray labelsArray(NDManager manager) {
        if (labels == null) {
            throw new IllegalStateException("this batch has no labels (unlabelled dataset)");
        }
        return manager.create(labels);
    }

    @Override
    public void close() {
        videos.close();
    }
}

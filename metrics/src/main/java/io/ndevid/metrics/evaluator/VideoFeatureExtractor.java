package io.ndevid.metrics.evaluator;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.linalg.DoubleMatrix;

/**
 * A network that maps videos to feature vectors for a Fréchet distance (C3D fc7 for FID, I3D for FVD), identified
 * well enough that cached statistics of real data can be tied to it.
 */
public interface VideoFeatureExtractor {

    /** Human-readable identity to record with every score: file name, short SHA-256 and what else matters. */
    String id();

    /** Full SHA-256 (hex) of the weights / model file: the part of a cache key that changes with the network. */
    String weightsSha256();

    /** One line naming every input preprocessing choice (route, sizes, value range, layout). */
    String preprocessing();

    /**
     * Features of {@code videos} ({@code [N, C, T, H, W]}, C = 1 or 3, values in [−1, 1] as generators and
     * {@code VideoDataset}s produce them), computed in batches of {@code batchSize}.
     */
    DoubleMatrix features(NDArray videos, int batchSize);
}

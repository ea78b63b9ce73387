package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;

/**
 * What the protocol needs of a classifier: class probabilities (for IS) and features (for FID) of videos
 * [N, C, T, H, W] in [−1, 1], and a name that says exactly which weights and preprocessing produced a number.
 */
public interface VideoEvaluator {

    C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize);

    /** e.g. {@code synthetic-c3d-cpu-small.params sha256:1a2b3c4d acc 0.987}. */
    String id();

    /** The preprocessing route, e.g. {@code tgan}, {@code tgan2}, {@code native-16px}. */
    String preprocessing();

    /** Route, weights and mean-clip SHA-256, dropout mode: recorded with every score. */
    EvaluatorProvenance provenance();
}

package io.ndevid.actors.eval;

import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.Map;

/**
 * Scores a trained generator: the seam to the metrics module (IS and FID from a C3D classifier, FVD), which
 * {@link Evaluator} calls off its actor thread. Implementations load the checkpoint into a freshly built model,
 * draw the evaluation samples and return metric name → value ({@code is}, {@code fid}, …; names containing
 * {@code fid}/{@code fvd} are "lower is better", see {@link io.ndevid.study.experiment.BestMetrics}).
 */
@FunctionalInterface
public interface EvaluationService {

    Map<String, Double> evaluate(TrialSpec spec, Path checkpoint) throws Exception;
}

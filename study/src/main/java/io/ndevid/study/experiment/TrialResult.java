package io.ndevid.study.experiment;


import java.util.Map;

/**
 * What the latest attempt left: its outcome, iterations reached, message, last losses, best metrics (IS, FID, …
 * when an evaluator ran) and the run folder.
 */
public record TrialResult(Outcome outcome, long iterations, String message, Map<String, Double> losses,
                          Map<String, Double> metrics, String runDir) {

    public TrialResult {
        losses = BestMetrics.clean(losses);
        metrics = BestMetrics.clean(metrics);
    }
}

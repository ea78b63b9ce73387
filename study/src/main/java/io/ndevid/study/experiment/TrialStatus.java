package io.ndevid.study.experiment;


import java.util.List;
import java.util.Map;

/**
 * One row of an experiment's status: the journaled state plus the latest progress its trainer reported.
 *
 * @param slot           {@code node/slot-K} of the running (or last) attempt, or null
 * @param pid            its trainer process, or 0
 * @param startIteration iteration the running (or last) attempt started from (> 0: resumed), −1 unknown
 * @param iteration      iterations done (from progress while it runs, from the result after)
 * @param bestMetrics    best value of each evaluation metric so far (IS, FID, …), empty if none ran
 * @param result         what the last ended attempt left, or null
 * @param checkpoint     the final checkpoint in the experiment store, once the checkpoint store copied it, or null
 */
public record TrialStatus(String name, String configId, long seed, TrialState state, int attempt, int failures,
                          String slot, long pid, long startIteration, long iteration, long totalIterations,
                          double itPerSec, double etaSeconds, Map<String, Double> losses,
                          Map<String, Double> bestMetrics, String message, String runDir, List<Attempt> attempts,
                          TrialResult result, String checkpoint) {

    public TrialStatus {
        losses = BestMetrics.clean(losses);
        bestMetrics = BestMetrics.clean(bestMetrics);
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }
}

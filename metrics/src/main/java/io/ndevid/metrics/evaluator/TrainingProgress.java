package io.ndevid.metrics.evaluator;

/** Receives progress of a {@link SyntheticEvaluator} training run (called on the training thread). */
public interface TrainingProgress {

    /** Silent. */
    TrainingProgress NONE = (iteration, total, loss, elapsedSeconds) -> { };

    /**
     * After each training iteration.
     *
     * @param iteration      1-based iteration just finished
     * @param total          iterations of the run
     * @param loss           that iteration's training cross-entropy (batch mean)
     * @param elapsedSeconds since training started
     */
    void iteration(int iteration, int total, double loss, double elapsedSeconds);

    /** A one-line status message (cache hit/miss, held-out accuracy, …). */
    default void message(String text) {
    }
}

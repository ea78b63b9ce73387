package io.ndevid.actors.protocol;

import io.ndevid.metrics.protocol.Scorer;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs one trial to its end in the calling thread — the seam between the actors (which only schedule) and the
 * models (which train). {@link TrialExecutors#production()} is the real one; tests inject cheap ones.
 *
 * <p>Contract, as {@link TrainerLoop} keeps it: the run folder {@code runDir} is created if missing; a trial with
 * checkpoints in it resumes from the newest; the trial's own failures come back as a {@link TrainerLoop.Result}
 * ({@code FAILED}, {@code DIVERGED}) rather than as an exception; when {@code stop} is requested the trial
 * checkpoints and returns {@code STOPPED} soon (after its current iteration). Called at most once at a time per
 * process (the engine allows one open gradient collector per JVM).
 */
@FunctionalInterface
public interface TrialExecutor {

    TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop) throws Exception;

    /**
     * This executor with the trainer process's collaborators (default: itself — test executors need none). The
     * node's guardian hands them in when it starts the trainer.
     */
    default TrialExecutor with(Services services) {
        return this;
    }

    /**
     * What a trainer process may have besides the models, handed in by whoever starts it (never looked up).
     *
     * @param remoteScorers a trial's scorer through evaluator processes ({@code ndevid.node.evaluators > 0}), or
     *                      null: the protocol scores in-process
     * @param batches       a trial's training batches from a data-loader process ({@code ndevid.node.data-loaders
     *                      = 1}), or null: read in-process
     */
    record Services(Function<TrialSpec, Scorer> remoteScorers, TrainingBatchSource.Opener batches) {
        public static final Services NONE = new Services(null, null);
    }

    /** Progress out of a running trial; called from the trial's thread. */
    interface Listener extends TrainerLoop.Listener {
        /** Evaluation results (IS, FID, …) at an iteration; the coordinator keeps the best of each. */
        default void onMetrics(long iteration, Map<String, Double> metrics) {}
    }
}

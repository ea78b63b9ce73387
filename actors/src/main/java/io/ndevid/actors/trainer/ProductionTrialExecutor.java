package io.ndevid.actors.trainer;

import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.Scorer;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.run.Trials;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The real trial: the GAN models through {@link Trials}, with the paper's evaluation protocol
 * ({@link EvaluationProtocol}: periodic IS/FID, best-IS checkpoint, final K-batch metrics) when the trial asks for
 * evaluations and names an evaluator that fits its data ({@link TrialEvaluation#applies}: the synthetic C3D with the
 * synthetic set, {@code c3d=FILE} with real data). The protocol scores through the process's remote scorers when it
 * was handed some ({@link Services}), else in-process. Evaluation results are reported through
 * {@link TrialExecutor.Listener#onMetrics}. Trainer processes and {@code ndevid train} both run trials through here.
 */
public final class ProductionTrialExecutor implements TrialExecutor {

    private final Path evaluatorCache;
    private final boolean evaluate;
    private final Services services;

    /** Evaluators and real statistics cached in {@link SyntheticEvaluator#defaultCacheDir()}. */
    public ProductionTrialExecutor() {
        this(SyntheticEvaluator.defaultCacheDir());
    }

    public ProductionTrialExecutor(Path evaluatorCache) {
        this(evaluatorCache, true);
    }

    /** @param evaluate false: never run the protocol (e.g. {@code ndevid train --no-eval}) */
    public ProductionTrialExecutor(Path evaluatorCache, boolean evaluate) {
        this(evaluatorCache, evaluate, Services.NONE);
    }

    private ProductionTrialExecutor(Path evaluatorCache, boolean evaluate, Services services) {
        this.evaluatorCache = evaluatorCache;
        this.evaluate = evaluate;
        this.services = services;
    }

    @Override
    public TrialExecutor with(Services s) {
        return new ProductionTrialExecutor(evaluatorCache, evaluate, s);
    }

    @Override
    public TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop)
            throws Exception {
        List<TrainerLoop.Hook> hooks = List.of();
        EvaluationProtocol protocol = null;
        if (evaluate && TrialEvaluation.applies(spec)) {
            // with evaluator processes the training thread only snapshots the model
            Scorer scorer = services.remoteScorers() != null ? services.remoteScorers().apply(spec)
                    : TrialEvaluation.scorer(spec, evaluatorCache, progress(listener));
            protocol = TrialEvaluation.protocol(spec, runDir, scorer, new EvaluationProtocol.Listener() {
                @Override
                public void onScore(long iteration, Map<String, Double> metrics) {
                    listener.onMetrics(iteration, metrics);
                }

                @Override
                public void onMessage(String message) {
                    listener.onMessage(message);
                }
            });
            hooks = List.of(protocol);
        }
        try (EvaluationProtocol closeProtocol = protocol;
             Trials.Prepared prepared = Trials.prepare(spec, runDir, hooks, listener, services.batches())) {
            stop.onStop(prepared.loop()::requestStop);
            return prepared.run();
        }
    }

    /** The evaluator's first-use training, as messages every tenth of the way. */
    private static TrainingProgress progress(Listener listener) {
        return new TrainingProgress() {
            @Override
            public void iteration(int i, int total, double loss, double elapsedSeconds) {
                if (i == total || i % Math.max(1, total / 10) == 0) {
                    listener.onMessage(String.format(Locale.ROOT, "evaluator training %d/%d, loss %.4f (%.0f s)", i,
                            total, loss, elapsedSeconds));
                }
            }

            @Override
            public void message(String text) {
                listener.onMessage(text);
            }
        };
    }
}

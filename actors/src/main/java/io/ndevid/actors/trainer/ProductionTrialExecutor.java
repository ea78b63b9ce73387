package io.ndevid.actors.trainer;

import io.ndevid.actors.data.RemoteData;
import io.ndevid.actors.evalproc.EvaluationOffload;
import io.ndevid.actors.evalproc.OffloadedEvaluation;
import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.run.Trials;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real trial: the GAN models through {@link Trials}, with the paper's evaluation protocol (periodic IS/FID,
 * best-IS checkpoint, final K-batch metrics) when the trial asks for evaluations and names an evaluator that fits its
 * data ({@link TrialEvaluation#applies}: the synthetic C3D with the synthetic set, {@code c3d=FILE} with real data).
 * Evaluation results are reported through {@link TrialExecutor.Listener#onMetrics}. Trainer processes and
 * {@code ndevid train} both run trials through here.
 */
public final class ProductionTrialExecutor implements TrialExecutor {

    private final Path evaluatorCache;
    private final boolean evaluate;

    /** Evaluators and real statistics cached in {@link SyntheticEvaluator#defaultCacheDir()}. */
    public ProductionTrialExecutor() {
        this(SyntheticEvaluator.defaultCacheDir());
    }

    public ProductionTrialExecutor(Path evaluatorCache) {
        this(evaluatorCache, true);
    }

    /** @param evaluate false: never run the protocol (e.g. {@code ndevid train --no-eval}) */
    public ProductionTrialExecutor(Path evaluatorCache, boolean evaluate) {
        this.evaluatorCache = evaluatorCache;
        this.evaluate = evaluate;
    }

    @Override
    public TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop)
            throws Exception {
        boolean evaluating = evaluate && TrialEvaluation.applies(spec);
        // with evaluator processes (ndevid.node.evaluators > 0) the training thread only snapshots the model
        Optional<EvaluationOffload> offload = evaluating ? EvaluationOffload.current() : Optional.empty();
        // with a data-loader process (ndevid.node.data-loaders = 1) the batches come over Aeron; null: in-process
        TrainingBatchSource.Opener batches = RemoteData.current().map(RemoteData::opener).orElse(null);
        if (offload.isPresent()) {
            try (OffloadedEvaluation hook = offload.get().forTrial(spec, runDir, listener);
                 Trials.Prepared prepared = Trials.prepare(spec, runDir, List.of(hook), listener, batches)) {
                stop.onStop(prepared.loop()::requestStop);
                return prepared.run();
            }
        }
        TrialEvaluation evaluation = evaluating ? TrialEvaluation.forTrial(spec, runDir, evaluatorCache,
                new TrainingProgress() {
                    @Override
                    public void iteration(int i, int total, double loss, double elapsedSeconds) {
                        if (i == total || i % Math.max(1, total / 10) == 0) {
                            listener.onMessage(String.format(java.util.Locale.ROOT,
                                    "evaluator training %d/%d, loss %.4f (%.0f s)", i, total, loss, elapsedSeconds));
                        }
                    }

                    @Override
                    public void message(String text) {
                        listener.onMessage(text);
                    }
                }) : null;
        List<TrainerLoop.Hook> hooks = evaluation == null ? List.of() : List.of(reporting(evaluation.protocol(),
                listener));
        try (TrialEvaluation closeEvaluation = evaluation;
             Trials.Prepared prepared = Trials.prepare(spec, runDir, hooks, listener, batches)) {
            stop.onStop(prepared.loop()::requestStop);
            return prepared.run();
        }
    }

    /** The protocol hook, forwarding each evaluation's numbers to the listener. */
    private static TrainerLoop.Hook reporting(TrainerLoop.Hook protocol, Listener listener) {
        return new TrainerLoop.Hook() {
            @Override
            public long interval() {
                return protocol.interval();
            }

            @Override
            public Map<String, Object> run(VideoGan gan, long iteration) throws Exception {
                Map<String, Object> out = protocol.run(gan, iteration);
                Map<String, Double> metrics = new LinkedHashMap<>();
                out.forEach((k, v) -> {
                    if (v instanceof Number n) {
                        metrics.put(k, n.doubleValue());
                    }
                });
                listener.onMetrics(iteration + 1, metrics);
                return out;
            }

            @Override
            public void finish(VideoGan gan, long iterations) throws Exception {
                protocol.finish(gan, iterations);
            }
        };
    }
}

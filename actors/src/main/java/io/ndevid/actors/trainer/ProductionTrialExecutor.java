package io.ndevid.actors.trainer;

import io.ndevid.actors.evalproc.EvaluationOffload;
import io.ndevid.actors.evalproc.OffloadedEvaluation;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.TrialEvaluation;
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
 * The real trial: the GAN models through {@link Trials}, with the paper's evaluation protocol (synthetic C3D
 * evaluator, periodic IS/FID, best-IS checkpoint, final K-batch metrics) when the trial trains on the synthetic set
 * and asks for evaluations. Evaluation results are reported to the coordinator through
 * {@link TrialExecutor.Listener#onMetrics}.
 */
public final class ProductionTrialExecutor implements TrialExecutor {

    private final Path evaluatorCache;

    /** Evaluators and real statistics cached in {@code $NDEVID_EVALUATOR_CACHE} or {@code ~/.ndevid/evaluators}. */
    public ProductionTrialExecutor() {
        this(SyntheticEvaluator.defaultCacheDir());
    }

    public ProductionTrialExecutor(Path evaluatorCache) {
        this.evaluatorCache = evaluatorCache;
    }

    @Override
    public TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop)
            throws Exception {
        boolean evaluate = spec.data().equals("synthetic") && spec.evalInterval() > 0;
        // with evaluator processes (ndevid.node.evaluators > 0) the training thread only snapshots the model
        Optional<EvaluationOffload> offload = evaluate ? EvaluationOffload.current() : Optional.empty();
        if (offload.isPresent()) {
            try (OffloadedEvaluation hook = offload.get().forTrial(spec, runDir, listener);
                 Trials.Prepared prepared = Trials.prepare(spec, runDir, List.of(hook), listener)) {
                stop.onStop(prepared.loop()::requestStop);
                return prepared.run();
            }
        }
        TrialEvaluation evaluation = evaluate ? TrialEvaluation.forTrial(spec, runDir, evaluatorCache,
                new TrainingProgress() {
                    @Override
                    public void iteration(int iteration, int total, double loss, double elapsedSeconds) {}

                    @Override
                    public void message(String text) {
                        listener.onMessage(text);
                    }
                }) : null;
        List<TrainerLoop.Hook> hooks = evaluation == null ? List.of() : List.of(reporting(evaluation.protocol(), listener));
        try (TrialEvaluation closeEvaluation = evaluation;
             Trials.Prepared prepared = Trials.prepare(spec, runDir, hooks, listener)) {
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

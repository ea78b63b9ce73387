package io.ndevid.actors.evalproc;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.spec.TrialSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * What the evaluator process needs of the metrics module for one trial: classify one batch of samples at a time
 * (so batches are scored as they arrive), then IS and FID of all of them — the same {@link EvaluationProtocol} the
 * trainer uses in-process, so the numbers are the same. Used on the evaluator's numerics thread only.
 */
public interface SampleScorer extends AutoCloseable {

    /** Classifier outputs of one batch {@code [m, C, T, H, W]} in [−1, 1]. */
    C3dEvaluator.Outputs evaluate(NDArray videos);

    /** IS (splits per the protocol) and FID of all batches' outputs, in batch order. */
    EvaluationProtocol.Score score(List<C3dEvaluator.Outputs> parts, int n);

    /** The evaluator's id (weights, accuracy), as {@code metric-is.jsonl} names it. */
    String evaluatorId();

    String preprocessing();

    /** Where the real statistics come from (FID's reference). */
    String realProvenance();

    @Override
    void close();

    /** Builds the scorer of a trial (its evaluator settings: classes, frames, size, preset). */
    @FunctionalInterface
    interface Factory {
        SampleScorer open(TrialSpec spec) throws Exception;

        /** A key: trials with equal keys share one scorer (same evaluator and real statistics). */
        default String key(TrialSpec spec) {
            return spec.data() + "/" + spec.evaluator() + "/" + spec.preset() + "/" + spec.dataClasses() + "/"
                    + spec.frames() + "/" + spec.frameSize() + "/" + spec.channels() + "/" + spec.evalSamples();
        }
    }

    /** A scorer over an evaluation protocol's classifier and real statistics. */
    static SampleScorer of(EvaluationProtocol protocol, AutoCloseable resource) {
        int batch = protocol.settings().batchSize();
        return new SampleScorer() {
            @Override
            public C3dEvaluator.Outputs evaluate(NDArray videos) {
                return protocol.evaluator().evaluate(videos, batch);
            }

            @Override
            public EvaluationProtocol.Score score(List<C3dEvaluator.Outputs> parts, int n) {
                return protocol.score(parts, n);
            }

            @Override
            public String evaluatorId() {
                return protocol.evaluator().id();
            }

            @Override
            public String preprocessing() {
                return protocol.evaluator().preprocessing();
            }

            @Override
            public String realProvenance() {
                return protocol.real().provenance();
            }

            @Override
            public void close() {
                try {
                    if (resource != null) {
                        resource.close();
                    }
                } catch (Exception e) {
                    LoggerFactory.getLogger(SampleScorer.class).warn("closing a scorer: {}", e.toString());
                }
            }
        };
    }

    /**
     * The production scorer: {@link TrialEvaluation#forTrial} (the trial's evaluator settings — synthetic C3D,
     * trained and cached on first use in {@code cacheDir}), whose protocol is only used for its classifier, real
     * statistics and scoring; {@code scratch} is its (unused) run folder.
     */
    static Factory production(Path cacheDir, Path scratch) {
        Logger log = LoggerFactory.getLogger(SampleScorer.class);
        return spec -> {
            TrialEvaluation e = TrialEvaluation.forTrial(spec, scratch.resolve(spec.name()), cacheDir,
                    new TrainingProgress() {
                        @Override
                        public void iteration(int iteration, int total, double loss, double elapsedSeconds) {}

                        @Override
                        public void message(String text) {
                            log.info("evaluator for {}: {}", spec.name(), text);
                        }
                    });
            return of(e.protocol(), e);
        };
    }
}

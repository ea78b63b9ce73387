package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.evaluator.EvaluatorSettings;
import io.ndevid.metrics.evaluator.RealStatistics;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.VideoDataset;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.spec.TrialSpec;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The evaluation protocol for a trial, ready to hook into its trainer: the synthetic C3D evaluator for the trial's
 * clip shape (trained and cached on first use), real-data statistics on held-out synthetic clips (cached), and
 * {@link EvaluationProtocol} with the spec's interval and sample counts, K = {@value #FINAL_BATCHES} final batches.
 *
 * <p>Real data sets (UCF101) need a user-supplied C3D ({@link C3dEvaluator#load}); that route is not wired here.
 */
public final class TrialEvaluation implements AutoCloseable {

    /** The paper's K: final batches at the best-IS checkpoint. */
    public static final int FINAL_BATCHES = 5;

    private final SyntheticEvaluator evaluator;
    private final EvaluationProtocol protocol;

    private TrialEvaluation(SyntheticEvaluator evaluator, EvaluationProtocol protocol) {
        this.evaluator = evaluator;
        this.protocol = protocol;
    }

    public EvaluationProtocol protocol() {
        return protocol;
    }

    public static TrialEvaluation forTrial(TrialSpec spec, Path runDir, Path cacheDir, TrainingProgress progress)
            throws IOException {
        if (!spec.data().equals("synthetic")) {
            throw new IllegalArgumentException("automatic evaluation needs the synthetic data set; for " + spec.data()
                    + " supply a C3D trained on it (the metrics module's C3dEvaluator) or train without evaluation");
        }
        EvaluatorSettings preset = EvaluatorSettings.forPreset(spec.preset());
        EvaluatorSettings settings = new EvaluatorSettings(preset.preset(), spec.dataClasses(), spec.frames(),
                spec.frameSize(), spec.channels(), preset.widthMultiplier(), preset.dropout(), preset.iterations(),
                preset.batchSize(), preset.learningRate(), preset.seed(), preset.heldOutClips());
        SyntheticEvaluator evaluator = SyntheticEvaluator.loadOrTrain(cacheDir, settings, progress);
        VideoDataset heldOut = Datasets.synthetic(spec.dataClasses(), spec.frames(), spec.frameSize(),
                spec.channels(), Datasets.SYNTHETIC_HELD_OUT_START, Math.max(spec.evalSamples(), 2048));
        GaussianStats real = RealStatistics.loadOrCompute(evaluator, heldOut, spec.evalSamples(), cacheDir);
        ProtocolSettings ps = new ProtocolSettings(spec.evalInterval(), spec.evalSamples(), FINAL_BATCHES,
                spec.evalSamples(), 1, 64);
        VideoEvaluator adapter = new VideoEvaluator() {
            @Override
            public C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize) {
                return evaluator.evaluate(videos, batchSize);
            }

            @Override
            public String id() {
                return evaluator.id();
            }

            @Override
            public String preprocessing() {
                return evaluator.preprocessing();
            }
        };
        return new TrialEvaluation(evaluator, new EvaluationProtocol(new RunFolder(runDir), adapter, real, ps));
    }

    @Override
    public void close() {
        evaluator.close();
    }
}

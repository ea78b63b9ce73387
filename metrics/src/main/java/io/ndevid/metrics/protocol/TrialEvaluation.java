package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.c3d.C3dMeanClip;
import io.ndevid.metrics.c3d.C3dPreprocessing;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;
import io.ndevid.metrics.evaluator.EvaluatorSettings;
import io.ndevid.metrics.evaluator.RealStatistics;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.evaluator.UserC3d;
import io.ndevid.metrics.evaluator.UserC3dSpec;
import io.ndevid.metrics.evaluator.VideoFeatureExtractor;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.VideoDataset;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.spec.TrialSpec;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The evaluation protocol for a trial, with the evaluator the spec names:
 * <ul>
 *   <li>{@code synthetic} (with the synthetic data): the synthetic C3D evaluator for the trial's clip shape (trained
 *       and cached on first use) and real-data statistics on held-out synthetic clips (cached);</li>
 *   <li>{@code c3d=FILE,mean=FILE[,…]} ({@link UserC3dSpec}; with real data, {@code ucf101=DIR} or
 *       {@code hdf5=FILE}): the user-supplied C3D ({@link UserC3d}) and real-data statistics of the trial's data set
 *       ({@link RealStatistics}, cached).</li>
 * </ul>
 * {@link #scorer} loads them as an {@link InProcessScorer}; {@link #protocol} hooks the trial's
 * {@link EvaluationProtocol} ({@link ProtocolSettings#forTrial}) to whichever {@link Scorer} the caller has.
 */
public final class TrialEvaluation {

    private TrialEvaluation() {}

    /**
     * Whether {@code spec} asks for the protocol and can have it: evaluations on ({@code evalInterval > 0}) and an
     * evaluator that fits its data (synthetic with synthetic, {@code c3d=FILE} with real data).
     */
    public static boolean applies(TrialSpec spec) {
        return spec.evalInterval() > 0 && spec.data().equals("synthetic") == spec.evaluator().equals("synthetic");
    }

    /** The user-supplied C3D file of a {@code c3d=FILE,…} evaluator, or null for {@code synthetic}. */
    public static Path c3dFile(TrialSpec spec) {
        UserC3dSpec c3d = userC3d(spec);
        return c3d == null ? null : c3d.weights();
    }

    /**
     * The user C3D a {@code c3d=…} evaluator names, or null for {@code synthetic}.
     *
     * @throws io.ndevid.metrics.MetricsInputException (one line) if the value is malformed or names no mean clip
     */
    public static UserC3dSpec userC3d(TrialSpec spec) {
        return UserC3dSpec.names(spec.evaluator()) ? UserC3dSpec.parse(spec.evaluator()) : null;
    }

    /**
     * Refuses an evaluator that does not fit the data — real data with the synthetic evaluator, a C3D file with the
     * synthetic data (FID needs real videos) — and a user C3D whose mean clip is missing, not (3, 16, 128, 171), or
     * shorter than the clips. The weights are checked when {@link #scorer} loads them.
     *
     * @throws IllegalArgumentException one line saying what to supply
     */
    public static void check(TrialSpec spec) throws IOException {
        UserC3dSpec c3d = userC3d(spec);
        Path c3dFile = c3d == null ? null : c3d.weights();
        boolean synthetic = spec.data().equals("synthetic");
        if (!synthetic && c3dFile == null) {
            throw new IllegalArgumentException("automatic evaluation of " + spec.data() + " needs a C3D trained on "
                    + "it: --evaluator " + UserC3dSpec.FORMAT + " (weights: .npz with Chainer's names or a DJL "
                    + ".params), or train without evaluation");
        }
        if (synthetic && c3dFile != null) {
            throw new IllegalArgumentException("--evaluator c3d=" + c3dFile + " needs real videos for FID: add --data "
                    + "ucf101=DIR or hdf5=FILE (the synthetic set has its own evaluator, --evaluator synthetic)");
        }
        if (c3d != null) {
            C3dPreprocessing.reference(c3d.route(), C3dMeanClip.load(c3d.mean()), spec.frames());
        }
    }

    /**
     * What decides a trial's evaluator and real statistics: trials with equal keys can share one
     * {@link InProcessScorer}.
     */
    public static String evaluatorKey(TrialSpec spec) {
        return spec.data() + "/" + spec.evaluator() + "/" + spec.preset() + "/" + spec.dataClasses() + "/"
                + spec.frames() + "/" + spec.frameSize() + "/" + spec.channels() + "/" + spec.evalSamples();
    }

    /** The protocol of {@code spec} in {@code runDir}, scored by {@code scorer} (closed with the protocol). */
    public static EvaluationProtocol protocol(TrialSpec spec, Path runDir, Scorer scorer,
                                              EvaluationProtocol.Listener listener) {
        return new EvaluationProtocol(new RunFolder(runDir), scorer, ProtocolSettings.forTrial(spec), listener);
    }

    /** {@link #scorer(TrialSpec, Path, TrainingProgress)} as a factory with its cache directory and progress. */
    public static InProcessScorer.Factory scorers(Path cacheDir, TrainingProgress progress) {
        return spec -> scorer(spec, cacheDir, progress);
    }

    /**
     * The in-process scorer of {@code spec}: its evaluator loaded (or trained) and its real statistics loaded (or
     * computed) from {@code cacheDir}.
     *
     * @throws IllegalArgumentException (one line) when the evaluator does not fit the data — real data with the
     *                                  synthetic evaluator, a C3D file with synthetic data — or the C3D file is
     *                                  missing or unreadable
     */
    public static InProcessScorer scorer(TrialSpec spec, Path cacheDir, TrainingProgress progress)
            throws IOException {
        check(spec);
        UserC3dSpec user = userC3d(spec);
        ProtocolSettings ps = ProtocolSettings.forTrial(spec);
        if (user != null) {
            UserC3d c3d = UserC3d.load(user, spec.frames(), spec.channels(), null);
            try {
                progress.message("IS/FID evaluator: " + c3d.id());
                GaussianStats real = RealStatistics.loadOrCompute(c3d, Datasets.open(spec), spec.evalSamples(),
                        cacheDir, RealStatistics.DEFAULT_BATCH, progress::message);
                return new InProcessScorer(adapter(c3d::evaluate, c3d, c3d.provenance()), real, ps, c3d::close);
            } catch (IOException | RuntimeException e) {
                c3d.close();
                throw e;
            }
        }
        EvaluatorSettings preset = EvaluatorSettings.forPreset(spec.preset());
        EvaluatorSettings settings = new EvaluatorSettings(preset.preset(), spec.dataClasses(), spec.frames(),
                spec.frameSize(), spec.channels(), preset.widthMultiplier(), preset.dropout(), preset.iterations(),
                preset.batchSize(), preset.learningRate(), preset.seed(), preset.heldOutClips());
        SyntheticEvaluator evaluator = SyntheticEvaluator.loadOrTrain(cacheDir, settings, progress);
        try {
            VideoDataset heldOut = Datasets.synthetic(spec.dataClasses(), spec.frames(), spec.frameSize(),
                    spec.channels(), Datasets.SYNTHETIC_HELD_OUT_START, Math.max(spec.evalSamples(), 2048));
            GaussianStats real = RealStatistics.loadOrCompute(evaluator, heldOut, spec.evalSamples(), cacheDir);
            return new InProcessScorer(adapter(evaluator::evaluate, evaluator, evaluator.provenance()), real, ps,
                    evaluator::close);
        } catch (IOException | RuntimeException e) {
            evaluator.close();
            throw e;
        }
    }

    /** What the protocol needs of an evaluator: outputs, id, preprocessing and provenance. */
    private static VideoEvaluator adapter(java.util.function.BiFunction<NDArray, Integer, C3dEvaluator.Outputs> run,
                                          VideoFeatureExtractor identity, EvaluatorProvenance provenance) {
        return new VideoEvaluator() {
            @Override
            public C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize) {
                return run.apply(videos, batchSize);
            }

            @Override
            public String id() {
                return identity.id();
            }

            @Override
            public String preprocessing() {
                return identity.preprocessing();
            }

            @Override
            public EvaluatorProvenance provenance() {
                return provenance;
            }
        };
    }
}

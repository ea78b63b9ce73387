package io.ndevid.metrics.evaluator;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.c3d.C3D;
import io.ndevid.metrics.c3d.C3dConfig;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.c3d.C3dPreprocessing;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.Scalars;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.SyntheticVideos;
import io.ndevid.training.optim.Adam;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * ndevid's own C3D evaluator: a small C3D trained on the labelled synthetic motion videos, which default runs use for
 * IS (its class probabilities) and FID (its fc7 features) because no pretrained C3D can be downloaded here. Scores
 * from it are comparable only with scores from the same evaluator — every result should carry {@link #id()}.
 *
 * <h2>What is trained</h2>
 * <ul>
 *   <li><b>Network</b>: {@link C3D} with {@link C3dConfig}{@code (classes, widthMultiplier, frames, size, size,
 *       dropout)} — the original architecture (8 convs, ceil-mode pools, fc6/fc7/fc8) at a fraction of the width,
 *       fed the clips at their native size (see {@link EvaluatorSettings}).</li>
 *   <li><b>Input route</b> (recorded in the sidecar): grey clips are replicated to 3 channels, then
 *       {@link C3dPreprocessing#tgan(int, int, NDArray) tgan}{@code (size, size, mean)} with a per-channel mean clip
 *       {@code [3, 1, 1, 1] = 127.5}: [−1, 1] → [0, 255], RGB → BGR, bicubic resize to the native size (the identity
 *       at equal sizes), minus 127.5, centre crop of the whole frame. C3D thus sees values in [−127.5, 127.5], the
 *       Caffe C3D's input scale.</li>
 *   <li><b>Optimisation</b>: cross-entropy, Adam (PyTorch semantics) with a cosine-decayed learning rate, batches
 *       drawn from a seeded stream of training-range indices {@code [0, Datasets.SYNTHETIC_TRAIN_CLIPS)}. Because the
 *       input scale is 127.5, conv1a's weights are initialised at 1/127.5 of DJL's default and updated by their own
 *       Adam with learning rate lr/127.5: exactly equivalent (Adam is invariant to gradient scale) to training on
 *       inputs in [−1, 1], which is what makes the listed learning rates work.</li>
 *   <li><b>Held-out accuracy</b> on clips {@code [SYNTHETIC_HELD_OUT_START, + heldOutClips)}, a disjoint index range,
 *       through the exact inference path ({@link #evaluate}, dropout off).</li>
 * </ul>
 *
 * <h2>Files</h2>
 * {@code STEM.params} (DJL {@code Block.saveParameters}, see {@link C3D}) and {@code STEM.json} beside it (the
 * {@link Sidecar}: settings, C3D config, preprocessing, accuracy, training clips, seed, SHA-256 of the weights file).
 * {@link #load(Path)} refuses a weights file whose SHA-256 differs from its sidecar's.
 *
 * <p>Training opens a {@link GradientCollector}; DJL allows one per JVM at a time, so do not train an evaluator while
 * a GAN trainer in the same process holds one. Weight initialisation seeds the process-global libtorch generator.
 *
 * <p>Owns native memory: close it.
 */
public final class SyntheticEvaluator implements VideoFeatureExtractor, AutoCloseable {

    /** Sidecar format tag. */
    public static final String FORMAT = "ndevid-synthetic-c3d/1";
    /** The preprocessing's input scale: C3D sees [−1, 1] · 127.5 after mean removal. */
    static final double INPUT_SCALE = 127.5;
    /** Name of the first convolution's weight (DJL child-position prefix, see {@link C3D}). */
    static final String CONV1A_WEIGHT = "01conv1a_weight";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** System property naming the evaluator cache (set by {@code ndevid grid --evaluator-cache} for its trainers). */
    public static final String CACHE_PROPERTY = "ndevid.evaluator.cache";

    /**
     * Where default runs keep evaluators and real statistics: the system property {@value #CACHE_PROPERTY}, else
     * {@code $NDEVID_EVALUATOR_CACHE}, else {@code ~/.ndevid/evaluators}.
     */
    public static Path defaultCacheDir() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("NDEVID_EVALUATOR_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".ndevid", "evaluators");
    }

    private final C3dEvaluator c3d;
    private final Sidecar sidecar;
    private final Path weightsFile;

    private SyntheticEvaluator(C3dEvaluator c3d, Sidecar sidecar, Path weightsFile) {
        this.c3d = c3d;
        this.sidecar = sidecar;
        this.weightsFile = weightsFile;
    }

    // ---- the sidecar ------------------------------------------------------------------------------------------------

    /** The preprocessing route as recorded: name, sizes, mean per BGR channel, and its one-line description. */
    public record PreprocessingRecord(String route, int resize, int crop, double[] meanBgr, String input,
                                      String description) {}

    /**
     * The JSON written beside the weights.
     *
     * @param format           {@link #FORMAT}
     * @param weightsFile      the weights file's name (no directory)
     * @param weightsSha256    SHA-256 of the weights file, hex
     * @param settings         what was trained
     * @param c3d              the C3D's configuration (needed to load the weights)
     * @param preprocessing    the input route used in training and to be used in evaluation
     * @param heldOutAccuracy  top-1 accuracy on the held-out clips
     * @param heldOutFirst     first global index of the held-out clips
     * @param heldOutClips     number of held-out clips
     * @param trainingClips    clips seen in training (iterations × batch; drawn with replacement)
     * @param trainRangeFirst  first global index of the training range
     * @param trainRangeCount  size of the training range
     * @param finalLoss        mean training loss over the last 10 % of iterations
     * @param trainSeconds     wall-clock time of the training iterations (without the held-out evaluation)
     * @param device           device trained on
     * @param libtorch         libtorch version
     * @param created          ISO-8601 instant
     */
    public record Sidecar(String format, String weightsFile, String weightsSha256, EvaluatorSettings settings,
                          C3dConfig c3d, PreprocessingRecord preprocessing, double heldOutAccuracy, long heldOutFirst,
                          int heldOutClips, long trainingClips, long trainRangeFirst, long trainRangeCount,
                          double finalLoss, double trainSeconds, String device, String libtorch, String created) {}

    /** The sidecar path for a weights file: {@code X.params} → {@code X.json}, anything else → {@code NAME.json}. */
    public static Path sidecarOf(Path weights) {
        String name = weights.getFileName().toString();
        String stem = name.endsWith(".params") ? name.substring(0, name.length() - ".params".length()) : name;
        return weights.resolveSibling(stem + ".json");
    }

    /** Reads a sidecar. */
    public static Sidecar readSidecar(Path sidecarFile) throws IOException {
        if (!Files.isRegularFile(sidecarFile)) {
            throw new MetricsInputException("no evaluator sidecar at " + sidecarFile + " (a synthetic evaluator's "
                    + "weights need their .json sidecar beside them; retrain with 'ndevid evaluator train')");
        }
        Sidecar s;
        try {
            s = JSON.readValue(sidecarFile.toFile(), Sidecar.class);
        } catch (JsonProcessingException e) {
            throw new MetricsInputException("evaluator sidecar " + sidecarFile + " is not valid: "
                    + e.getOriginalMessage(), e);
        }
        if (!FORMAT.equals(s.format()) || s.settings() == null || s.c3d() == null || s.preprocessing() == null
                || s.weightsSha256() == null) {
            throw new MetricsInputException("evaluator sidecar " + sidecarFile + " is not a " + FORMAT
                    + " file (format '" + s.format() + "', or fields missing)");
        }
        return s;
    }

    // ---- loading ----------------------------------------------------------------------------------------------------

    /** Loads a trained evaluator on the default device ({@code auto}: first GPU, else CPU). */
    public static SyntheticEvaluator load(Path weights) throws IOException {
        return load(weights, null);
    }

    /**
     * Loads a trained evaluator after checking the weights' SHA-256 against the sidecar.
     *
     * @param device null for {@code auto}
     * @throws MetricsInputException if the weights or the sidecar are missing or do not verify
     */
    public static SyntheticEvaluator load(Path weights, Device device) throws IOException {
        Objects.requireNonNull(weights, "weights");
        if (!Files.isRegularFile(weights)) {
            throw new MetricsInputException("evaluator weights not found: " + weights);
        }
        Sidecar s = readSidecar(sidecarOf(weights));
        String actual = sha256(weights);
        if (!actual.equalsIgnoreCase(s.weightsSha256())) {
            throw new MetricsInputException("evaluator weights " + weights + " do not match their sidecar: SHA-256 "
                    + actual + ", sidecar says " + s.weightsSha256() + " (file corrupted or replaced; delete both "
                    + "files and retrain with 'ndevid evaluator train')");
        }
        TorchRuntime.engine();
        Device dev = device == null ? TorchRuntime.device("auto") : device;
        NDManager m = NDManager.newBaseManager(dev, "PyTorch");
        try {
            C3D block = new C3D(s.c3d()).loadWeights(m, weights);
            C3dPreprocessing prep = preprocessing(m, s.preprocessing());
            return new SyntheticEvaluator(C3dEvaluator.of(m, block, prep), s, weights);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * The cached evaluator for {@code settings} in {@code cacheDir}, or a newly trained one (then cached).
     *
     * <p>A cached pair {@code STEM.params} + {@code STEM.json} ({@link EvaluatorSettings#fileStem()}) is used when the
     * sidecar's settings equal {@code settings} and the weights' SHA-256 matches; otherwise (missing, other settings,
     * unreadable sidecar, checksum mismatch) the evaluator is trained again — {@code progress} hears why — and the
     * files are replaced atomically.
     */
    public static SyntheticEvaluator loadOrTrain(Path cacheDir, EvaluatorSettings settings, TrainingProgress progress)
            throws IOException {
        Objects.requireNonNull(settings, "settings");
        TrainingProgress p = progress == null ? TrainingProgress.NONE : progress;
        Path weights = cacheDir.resolve(settings.fileStem() + ".params");
        String reason = cacheMiss(weights, settings);
        if (reason == null) {
            SyntheticEvaluator e = load(weights);
            p.message("using cached evaluator " + e.id());
            return e;
        }
        p.message("training evaluator " + weights.getFileName() + ": " + reason);
        return train(settings, weights, p);
    }

    /** Why the cache cannot serve {@code settings} from {@code weights}, or null when it can. */
    static String cacheMiss(Path weights, EvaluatorSettings settings) throws IOException {
        if (!Files.isRegularFile(weights)) {
            return "not in the cache";
        }
        Sidecar s;
        try {
            s = readSidecar(sidecarOf(weights));
        } catch (MetricsInputException e) {
            return "cached sidecar unusable (" + e.getMessage() + ")";
        }
        if (!settings.equals(s.settings())) {
            return "cached evaluator has other settings (" + s.settings() + ")";
        }
        String actual = sha256(weights);
        if (!actual.equalsIgnoreCase(s.weightsSha256())) {
            return "cached weights fail their checksum (SHA-256 " + actual.substring(0, 12) + "…, sidecar "
                    + s.weightsSha256().substring(0, Math.min(12, s.weightsSha256().length())) + "…)";
        }
        return null;
    }

    private static C3dPreprocessing preprocessing(NDManager m, PreprocessingRecord r) {
        if (!"tgan".equals(r.route())) {
            throw new MetricsInputException("unknown preprocessing route '" + r.route() + "' in the sidecar");
        }
        NDArray mean = null;
        if (r.meanBgr() != null) {
            float[] v = new float[r.meanBgr().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.meanBgr()[i];
            }
            mean = Scalars.owned(m.create(v, new Shape(v.length, 1, 1, 1)), ai.djl.ndarray.types.DataType.FLOAT32);
        }
        return C3dPreprocessing.tgan(r.resize(), r.crop(), mean);
    }

    /** The route this class trains with (see the class comment), described by the route itself. */
    private static PreprocessingRecord preprocessingRecord(EvaluatorSettings s, NDManager m) {
        double[] mean = {INPUT_SCALE, INPUT_SCALE, INPUT_SCALE};
        String input = s.channels() == 1 ? "grey clips [N, 1, T, H, W] in [-1, 1] replicated to 3 channels"
                : "RGB clips [N, 3, T, H, W] in [-1, 1]";
        PreprocessingRecord bare = new PreprocessingRecord("tgan", s.size(), s.size(), mean, input, "");
        String text = preprocessing(m, bare).describe()
                + " (per-channel mean 127.5; the resize to the native size is the identity)";
        return new PreprocessingRecord("tgan", s.size(), s.size(), mean, input, text);
    }

    // ---- training ---------------------------------------------------------------------------------------------------

    /**
     * Trains an evaluator, measures its held-out accuracy, writes {@code weights} and its sidecar (atomically) and
     * returns it loaded from those files. Device: {@code auto}.
     */
    public static SyntheticEvaluator train(EvaluatorSettings s, Path weights, TrainingProgress progress)
            throws IOException {
        return train(s, weights, progress, null);
    }

    /** As {@link #train(EvaluatorSettings, Path, TrainingProgress)} on {@code device} (null: auto). */
    public static SyntheticEvaluator train(EvaluatorSettings s, Path weights, TrainingProgress progress, Device device)
            throws IOException {
        Objects.requireNonNull(s, "settings");
        Objects.requireNonNull(weights, "weights");
        TrainingProgress p = progress == null ? TrainingProgress.NONE : progress;
        Engine engine = TorchRuntime.engine();
        Device dev = device == null ? TorchRuntime.device("auto") : device;
        C3dConfig config = new C3dConfig(s.classes(), s.widthMultiplier(), s.frames(), s.size(), s.size(),
                s.dropout());
        SyntheticVideos train = Datasets.synthetic(s.classes(), s.frames(), s.size(), s.channels(), 0,
                Datasets.SYNTHETIC_TRAIN_CLIPS);
        SyntheticVideos heldOut = Datasets.synthetic(s.classes(), s.frames(), s.size(), s.channels(),
                Datasets.SYNTHETIC_HELD_OUT_START, s.heldOutClips());
        long t0 = System.nanoTime();
        double finalLoss;
        double accuracy;
        PreprocessingRecord prepRecord;
        double trainSeconds;
        Path dir = weights.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmpWeights = Files.createTempFile(dir, weights.getFileName().toString(), ".tmp");
        Path tmpSidecar = Files.createTempFile(dir, sidecarOf(weights).getFileName().toString(), ".tmp");
        try {
            try (NDManager m = NDManager.newBaseManager(dev, "PyTorch")) {
                engine.setRandomSeed((int) s.seed());
                C3D c3d = new C3D(config).initialize(m);
                prepRecord = preprocessingRecord(s, m);
                C3dPreprocessing prep = preprocessing(m, prepRecord);
                finalLoss = fit(m, c3d, prep, train, s, p, t0);
                trainSeconds = (System.nanoTime() - t0) / 1e9;
                p.message(String.format(Locale.ROOT, "trained %d iterations in %.1f s (final loss %.4f); measuring "
                                + "held-out accuracy on %d clips", s.iterations(), trainSeconds, finalLoss, s.heldOutClips()));
                c3d.saveWeights(tmpWeights);
                // Accuracy through the inference path (dropout off); the probe owns only a sub-manager of m.
                try (SyntheticEvaluator probe = new SyntheticEvaluator(C3dEvaluator.of(m.newSubManager(), c3d, prep),
                        null, null)) {
                    accuracy = probe.accuracy(heldOut, 64);
                }
            }
            Sidecar sidecar = new Sidecar(FORMAT, weights.getFileName().toString(), sha256(tmpWeights), s, config,
                    prepRecord, accuracy, Datasets.SYNTHETIC_HELD_OUT_START, s.heldOutClips(),
                    (long) s.iterations() * s.batchSize(), 0, Datasets.SYNTHETIC_TRAIN_CLIPS, finalLoss, trainSeconds,
                    dev.toString(), TorchRuntime.libtorchVersion(), Instant.now().toString());
            JSON.writeValue(tmpSidecar.toFile(), sidecar);
            // Weights first: a reader that sees the new sidecar with old weights fails the checksum and retrains.
            Files.move(tmpWeights, weights, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpSidecar, sidecarOf(weights), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmpWeights);
            Files.deleteIfExists(tmpSidecar);
        }
        p.message(String.format(Locale.ROOT, "held-out accuracy %.2f %% on %d clips; saved %s", 100 * accuracy,
                s.heldOutClips(), weights));
        if (accuracy < 0.95) {
            p.message(String.format(Locale.ROOT, "warning: held-out accuracy %.2f %% is below 95 %%: IS/FID from this "
                    + "evaluator are weak; train longer (--iterations) or wider", 100 * accuracy));
        }
        return load(weights, dev);
    }

    /** The training loop; returns the mean loss over the last 10 % of iterations. */
    private static double fit(NDManager m, C3D c3d, C3dPreprocessing prep, SyntheticVideos train, EvaluatorSettings s,
                              TrainingProgress p, long t0) {
        // conv1a sees inputs 127.5× larger than unit scale: shrink its initial weights and its learning rate by the
        // same factor (equivalent to training on [-1, 1] inputs; see the class comment).
        PairList<String, Parameter> first = new PairList<>();
        PairList<String, Parameter> rest = new PairList<>();
        for (Pair<String, Parameter> e : c3d.getParameters()) {
            (e.getKey().equals(CONV1A_WEIGHT) ? first : rest).add(e);
        }
        if (first.size() != 1) {
            throw new IllegalStateException("no parameter " + CONV1A_WEIGHT + " in " + c3d.parameterShapes().keySet());
        }
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            NDArray w = first.get(0).getValue().getArray();
            w.muli(Scalars.of(w, 1.0 / INPUT_SCALE));
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        ParameterStore ps = new ParameterStore(m, false);
        SplittableRandom rng = new SplittableRandom(s.seed());
        int tail = Math.max(1, s.iterations() / 10);
        double tailSum = 0;
        try (Adam adamFirst = Adam.builder().learningRate(s.learningRate() / INPUT_SCALE).build(first);
             Adam adamRest = Adam.builder().learningRate(s.learningRate()).build(rest)) {
            for (int it = 0; it < s.iterations(); it++) {
                double lr = s.learningRate() * 0.5 * (1 + Math.cos(Math.PI * it / s.iterations()));
                adamFirst.setLearningRate(lr / INPUT_SCALE);
                adamRest.setLearningRate(lr);
                int[] idx = new int[s.batchSize()];
                for (int b = 0; b < idx.length; b++) {
                    idx[b] = rng.nextInt(train.size());
                }
                HostBatch hb = train.batch(idx, rng);
                double lossValue;
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.create(hb.data(), hb.clip().toShape(idx.length));
                    NDArray input = prep.apply(toRgb(x)); // no gradient needed: built outside the collector
                    NDArray oneHot = step.create(hb.labels()).oneHot(s.classes());
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = c3d.forwardWithFeatures(ps, input, true).logits();
                        NDArray loss = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
                        gc.backward(loss);
                        lossValue = loss.getFloat();
                    }
                    adamFirst.step();
                    adamRest.step();
                    adamFirst.zeroGradients();
                    adamRest.zeroGradients();
                }
                if (!Double.isFinite(lossValue)) {
                    throw new IllegalStateException("evaluator training diverged at iteration " + (it + 1)
                            + " (loss " + lossValue + "); lower the learning rate");
                }
                if (it >= s.iterations() - tail) {
                    tailSum += lossValue;
                }
                p.iteration(it + 1, s.iterations(), lossValue, (System.nanoTime() - t0) / 1e9);
            }
        }
        return tailSum / tail;
    }

    // ---- evaluation -------------------------------------------------------------------------------------------------

    /** {@code [N, 1, T, H, W]} → {@code [N, 3, T, H, W]} by replication; 3-channel input is returned as is. */
    public static NDArray toRgb(NDArray videos) {
        Shape s = videos.getShape();
        if (s.dimension() != 5 || (s.get(1) != 1 && s.get(1) != 3)) {
            throw new MetricsInputException("videos must be [N, C, T, H, W] with C = 1 or 3, got " + s);
        }
        return s.get(1) == 3 ? videos : NDArrays.concat(new NDList(videos, videos, videos), 1);
    }

    /**
     * fc7 features and class probabilities of {@code videos} ({@code [N, C, T, H, W]} in [−1, 1], C = 1 or 3, at the
     * evaluator's frames and size), in batches.
     */
    public C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize) {
        Objects.requireNonNull(videos, "videos");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        Shape s = videos.getShape();
        C3dConfig cfg = c3d.block().config();
        if (s.dimension() != 5 || (s.get(1) != 1 && s.get(1) != 3) || s.get(2) != cfg.frames()
                || s.get(3) != cfg.height() || s.get(4) != cfg.width()) {
            throw new MetricsInputException("this evaluator takes videos [N, 1 or 3, " + cfg.frames() + ", "
                    + cfg.height() + ", " + cfg.width() + "] in [-1, 1], got " + s);
        }
        int n = (int) s.get(0);
        return inRgbChunks(c3d, videos, n, batchSize);
    }

    /**
     * {@code c3d}'s outputs for the first {@code n} of {@code videos}, {@code batchSize} at a time, each chunk turned to
     * RGB ({@link #toRgb}) in its own scope so no more than one chunk's copies are alive.
     */
    static C3dEvaluator.Outputs inRgbChunks(C3dEvaluator c3d, NDArray videos, int n, int batchSize) {
        List<C3dEvaluator.Outputs> parts = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            try (NDManager chunk = videos.getManager().newSubManager()) {
                NDArray view = videos.get(new NDIndex("{}:{}", from, to));
                view.attach(chunk);
                NDArray rgb = toRgb(view);
                rgb.attach(chunk);
                parts.add(c3d.evaluate(rgb, batchSize));
            }
        }
        return C3dEvaluator.Outputs.concat(parts);
    }

    @Override
    public DoubleMatrix features(NDArray videos, int batchSize) {
        return evaluate(videos, batchSize).fc7();
    }

    /** Class probabilities (fc8 softmax) for IS. */
    public DoubleMatrix probabilities(NDArray videos, int batchSize) {
        return evaluate(videos, batchSize).probabilities();
    }

    /** Top-1 accuracy on a labelled synthetic set. */
    public double accuracy(SyntheticVideos set, int batchSize) {
        int correct = 0;
        int n = set.size();
        SplittableRandom rng = new SplittableRandom(0);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int from = 0; from < n; from += batchSize) {
                int to = Math.min(n, from + batchSize);
                int[] idx = new int[to - from];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                HostBatch hb = set.batch(idx, rng);
                try (NDManager b = m.newSubManager()) {
                    NDArray x = b.create(hb.data(), hb.clip().toShape(idx.length));
                    DoubleMatrix probs = probabilities(x, batchSize);
                    for (int i = 0; i < idx.length; i++) {
                        int best = 0;
                        for (int c = 1; c < probs.cols(); c++) {
                            if (probs.get(i, c) > probs.get(i, best)) {
                                best = c;
                            }
                        }
                        if (best == hb.labels()[i]) {
                            correct++;
                        }
                    }
                }
            }
        }
        return correct / (double) n;
    }

    // ---- identity ---------------------------------------------------------------------------------------------------

    /** E.g. {@code c3d-synthetic-cpu-tiny-6c-8f-16px-1ch-3f2a9c01.params@sha256:0123456789ab (held-out acc 99.2%)}. */
    @Override
    public String id() {
        return String.format(Locale.ROOT, "%s@sha256:%s (held-out acc %.1f%%)", sidecar.weightsFile(),
                sidecar.weightsSha256().substring(0, 12), 100 * sidecar.heldOutAccuracy());
    }

    @Override
    public String weightsSha256() {
        return sidecar.weightsSha256();
    }

    @Override
    public String preprocessing() {
        return sidecar.preprocessing().description() + "; " + sidecar.preprocessing().input();
    }

    /** Route {@code tgan} at the native size with its per-channel mean (no mean-clip file), dropout off. */
    public EvaluatorProvenance provenance() {
        return new EvaluatorProvenance(sidecar.preprocessing().route(), sidecar.weightsSha256(),
                EvaluatorProvenance.NO_MEAN_FILE, c3d.dropout().describe());
    }

    public Sidecar sidecar() {
        return sidecar;
    }

    public Path weightsFile() {
        return weightsFile;
    }

    public double heldOutAccuracy() {
        return sidecar.heldOutAccuracy();
    }

    /** The underlying C3D evaluator (3-channel input only; {@link #evaluate} also takes grey clips). */
    public C3dEvaluator c3d() {
        return c3d;
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws IOException {
        return io.ndevid.metrics.Sha256.of(file);
    }

    @Override
    public void close() {
        c3d.close();
    }
}

package io.ndevid.metrics.evaluator;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.c3d.C3D;
import io.ndevid.metrics.c3d.C3dConfig;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.c3d.C3dMeanClip;
import io.ndevid.metrics.c3d.C3dNpzWeights;
import io.ndevid.metrics.c3d.C3dPreprocessing;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A user-supplied C3D for IS/FID on real data ({@code --evaluator c3d=FILE,mean=MEAN.npz}, {@link UserC3dSpec}): the
 * UCF101 classifier TGAN, TGANv2 and the paper's authors evaluate with, read from
 * <ul>
 *   <li>an {@code .npz} with Chainer's names (conv1a/W, …, fc8/b — the public conversion of the Caffe model): its
 *       width and classes are read from the file ({@link C3dNpzWeights#inferConfig}), or</li>
 *   <li>a DJL {@code .params} stream ({@link C3D#saveWeights}) of the original C3D ({@link C3dConfig#ucf101()}:
 *       full width, 101 classes).</li>
 * </ul>
 * Clips go through the spec's reference route with the mean clip ({@link C3dPreprocessing#authors} by default, or
 * {@link C3dPreprocessing#tgan2}) to {@value #INPUT_SIZE}×{@value #INPUT_SIZE}, scored with the spec's dropout mode;
 * grey clips are replicated to three channels first. With ceil-mode
 * pooling every clip length up to 16 frames reaches the same 1×4×4 pool5 volume, so the 16-frame weights score
 * the presets' clips as they are. Owns the weights' NDManager: close it.
 */
public final class UserC3d implements VideoFeatureExtractor, AutoCloseable {

    /** Frame size C3D sees after preprocessing (the original's 112). */
    public static final int INPUT_SIZE = 112;

    private final C3dEvaluator c3d;
    private final Path file;
    private final String sha256;
    private final int channels;
    private final EvaluatorProvenance provenance;

    private UserC3d(C3dEvaluator c3d, Path file, String sha256, int channels, EvaluatorProvenance provenance) {
        this.c3d = c3d;
        this.file = file;
        this.sha256 = sha256;
        this.channels = channels;
        this.provenance = provenance;
    }

    /**
     * Loads the weights and mean clip {@code spec} names, for clips of {@code frames} frames and {@code channels}
     * channels.
     *
     * @param device null for {@code auto}
     * @throws MetricsInputException (one line) if the mean clip is missing or not (3, 16, 128, 171), the clips are
     *                               longer than its 16 frames, or the weights file is missing, is neither an .npz nor a
     *                               DJL parameter file of a C3D, or its shapes do not fit
     */
    public static UserC3d load(UserC3dSpec spec, int frames, int channels, Device device) throws IOException {
        Objects.requireNonNull(spec, "spec");
        C3dMeanClip mean = C3dMeanClip.load(spec.mean());
        C3dPreprocessing preprocessing = C3dPreprocessing.reference(spec.route(), mean, frames);
        Path file = spec.weights();
        if (!Files.isRegularFile(file)) {
            throw new MetricsInputException("C3D weights file not found: " + file);
        }
        boolean npz;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            npz = magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
        TorchRuntime.engine();
        NDManager m = NDManager.newBaseManager(device == null ? TorchRuntime.device("auto") : device, "PyTorch");
        try {
            C3D block;
            if (npz) {
                block = C3dNpzWeights.load(new C3D(C3dNpzWeights.inferConfig(file, frames, INPUT_SIZE)), m, file);
            } else {
                C3dConfig ucf = C3dConfig.ucf101();
                C3dConfig config = new C3dConfig(ucf.classes(), ucf.widthMultiplier(), frames, INPUT_SIZE,
                        INPUT_SIZE, ucf.dropout());
                try {
                    block = new C3D(config).loadWeights(m, file);
                } catch (MetricsInputException | IOException e) {
                    throw new MetricsInputException(file + " is neither an .npz (Chainer names) nor a DJL .params "
                            + "of the original C3D (101 classes, full width): " + firstLine(e.getMessage()));
                }
            }
            C3dEvaluator evaluator = C3dEvaluator.of(m, block, preprocessing, spec.dropout());
            String sha = SyntheticEvaluator.sha256(file);
            return new UserC3d(evaluator, file.toAbsolutePath(), sha, channels, new EvaluatorProvenance(
                    spec.route().id(), sha, mean.sha256(), spec.dropout().describe()));
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static String firstLine(String s) {
        int cut = s.indexOf('\n');
        String line = cut < 0 ? s : s.substring(0, cut);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    /** fc7 features and class probabilities of {@code videos} ([N, 1 or 3, T, H, W] in [−1, 1]), in batches. */
    public C3dEvaluator.Outputs evaluate(NDArray videos, int batchSize) {
        Objects.requireNonNull(videos, "videos");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        int n = (int) videos.getShape().get(0);
        return SyntheticEvaluator.inRgbChunks(c3d, videos, n, batchSize);
    }

    @Override
    public DoubleMatrix features(NDArray videos, int batchSize) {
        return evaluate(videos, batchSize).fc7();
    }

    /**
     * E.g. {@code c3d-ucf101.npz@sha256:0123456789ab (user C3D, 101 classes, width 1.0; route authors, mean
     * sha256:f981f1e19582, dropout off)}.
     */
    @Override
    public String id() {
        C3dConfig c = c3d.block().config();
        return String.format(Locale.ROOT, "%s@sha256:%s (user C3D, %d classes, width %s; %s)", file.getFileName(),
                sha256.substring(0, 12), c.classes(), c.widthMultiplier(), provenance.summary());
    }

    /** Route, weights and mean SHA-256, dropout mode. */
    public EvaluatorProvenance provenance() {
        return provenance;
    }

    @Override
    public String weightsSha256() {
        return sha256;
    }

    /** The route's description, the dropout mode and both full SHA-256s (so every record that names it has them). */
    @Override
    public String preprocessing() {
        return c3d.preprocessing().describe() + "; C3D dropout " + c3d.dropout().describe() + "; weights sha256:"
                + provenance.weightsSha256() + "; mean sha256:" + provenance.meanSha256()
                + (channels == 1 ? "; grey clips [N, 1, T, H, W] in [-1, 1] replicated to 3 channels" : "");
    }

    public C3dConfig config() {
        return c3d.block().config();
    }

    @Override
    public void close() {
        c3d.close();
    }
}

package io.ndevid.metrics.c3d;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Runs a C3D over generated or real videos in batches and returns what IS and FID need: fc7 features (after ReLU)
 * and fc8 softmax probabilities, as double matrices. Dropout is off unless {@link C3dDropout#authors} asks for the
 * paper authors' behaviour (fc6/fc7 dropout left on by a config-context slip in their evaluation; seeded here).
 *
 * <p>Owns an NDManager holding the weights: close it when done.
 */
public final class C3dEvaluator implements AutoCloseable {

    private final NDManager manager;
    private final C3D c3d;
    private final C3dPreprocessing preprocessing;
    private final ParameterStore store;
    private final C3dDropout dropout;

    private C3dEvaluator(NDManager manager, C3D c3d, C3dPreprocessing preprocessing, C3dDropout dropout) {
        if (preprocessing.outputSize() != c3d.config().height() || preprocessing.outputSize() != c3d.config().width()) {
            manager.close();
            throw new IllegalArgumentException("preprocessing outputs " + preprocessing.outputSize() + "x"
                    + preprocessing.outputSize() + " frames but the C3D expects " + c3d.config().height() + "x"
                    + c3d.config().width());
        }
        this.manager = manager;
        this.c3d = c3d;
        this.preprocessing = preprocessing;
        this.store = new ParameterStore(manager, false);
        this.dropout = Objects.requireNonNull(dropout, "dropout");
    }

    /**
     * An evaluator with weights from a user-supplied DJL parameter file.
     *
     * @param weights a file written by {@link C3D#saveWeights(Path)} for {@code config}; null is refused with a
     *                message saying what to supply (nothing is ever downloaded)
     */
    public static C3dEvaluator load(C3dConfig config, Path weights, C3dPreprocessing preprocessing, Device device)
            throws IOException {
        if (weights == null) {
            throw new MetricsInputException(C3D.missingWeightsMessage(config));
        }
        TorchRuntime.engine();
        NDManager m = NDManager.newBaseManager(device, "PyTorch");
        try {
            C3D block = new C3D(config).loadWeights(m, weights);
            return new C3dEvaluator(m, block, preprocessing, C3dDropout.off());
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * An evaluator around an already initialized block whose parameters live in {@code manager} (e.g. one being
     * trained); the evaluator takes ownership of {@code manager}.
     */
    public static C3dEvaluator of(NDManager manager, C3D block, C3dPreprocessing preprocessing) {
        return of(manager, block, preprocessing, C3dDropout.off());
    }

    /** As {@link #of(NDManager, C3D, C3dPreprocessing)}, scoring with {@code dropout}. */
    public static C3dEvaluator of(NDManager manager, C3D block, C3dPreprocessing preprocessing, C3dDropout dropout) {
        if (!block.isInitialized()) {
            throw new IllegalArgumentException("the C3D block is not initialized");
        }
        return new C3dEvaluator(manager, block, preprocessing, dropout);
    }

    public C3dDropout dropout() {
        return dropout;
    }

    public C3D block() {
        return c3d;
    }

    public C3dPreprocessing preprocessing() {
        return preprocessing;
    }

    /** fc7 features and class probabilities of {@code n} clips. */
    public record Outputs(DoubleMatrix fc7, DoubleMatrix probabilities) {

        /** Stacks the outputs of several calls (e.g. of consecutive chunks of a large sample). */
        public static Outputs concat(List<Outputs> parts) {
            int n = 0;
            for (Outputs o : parts) {
                n += o.fc7.rows();
            }
            int f = parts.isEmpty() ? 0 : parts.get(0).fc7.cols();
            int c = parts.isEmpty() ? 0 : parts.get(0).probabilities.cols();
            double[] fd = new double[n * f];
            double[] pd = new double[n * c];
            int row = 0;
            for (Outputs o : parts) {
                System.arraycopy(o.fc7.data(), 0, fd, row * f, o.fc7.data().length);
                System.arraycopy(o.probabilities.data(), 0, pd, row * c, o.probabilities.data().length);
                row += o.fc7.rows();
            }
            return new Outputs(new DoubleMatrix(n, f, fd), new DoubleMatrix(n, c, pd));
        }
    }

    /**
     * Preprocesses and classifies {@code videos} ({@code [N, 3, T, H, W]} RGB in [−1, 1]) in batches of
     * {@code batchSize}. Intermediate arrays are freed per batch; {@code videos} is left as it is.
     */
    public Outputs evaluate(NDArray videos, int batchSize) {
        Objects.requireNonNull(videos, "videos");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        if (videos.getShape().dimension() != 5) {
            throw new MetricsInputException("videos must be [N, 3, T, H, W], got " + videos.getShape());
        }
        int n = (int) videos.getShape().get(0);
        int f = c3d.config().fcUnits();
        int c = c3d.config().classes();
        double[] fc7 = new double[n * f];
        double[] probs = new double[n * c];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            try (NDManager batchManager = manager.newSubManager()) {
                NDArray view = videos.get(new NDIndex("{}:{}", from, to));
                view.attach(batchManager); // the view and everything computed from it are freed with the batch
                NDArray batch = view.toDevice(manager.getDevice(), false);
                NDArray x = preprocessing.apply(batch);
                C3D.Outputs out;
                if (dropout.authors()) {
                    NDArray[] masks = masks(batch, f);
                    out = c3d.forwardWithMasks(store, x, masks[0], masks[1]);
                } else {
                    out = c3d.forwardWithFeatures(store, x, false);
                }
                copy(out.fc7(), fc7, from * f);
                copy(out.logits().softmax(1), probs, from * c);
            }
        }
        return new Outputs(new DoubleMatrix(n, f, fc7), new DoubleMatrix(n, c, probs));
    }

    /** fc7 features (after ReLU) for FID. */
    public DoubleMatrix features(NDArray videos, int batchSize) {
        return evaluate(videos, batchSize).fc7();
    }

    /** fc8 softmax probabilities for IS. */
    public DoubleMatrix probabilities(NDArray videos, int batchSize) {
        return evaluate(videos, batchSize).probabilities();
    }

    /** fc6's and fc7's dropout masks [n, units] for the clips of {@code batch}. */
    private NDArray[] masks(NDArray batch, int units) {
        int n = (int) batch.getShape().get(0);
        float[] values = batch.toType(DataType.FLOAT32, false).toFloatArray();
        int per = values.length / n;
        float[] m6 = new float[n * units];
        float[] m7 = new float[n * units];
        for (int i = 0; i < n; i++) {
            dropout.masks(C3dDropout.hash(values, i * per, (i + 1) * per), m6, i * units, units, m7, i * units,
                    units);
        }
        ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(n, units);
        return new NDArray[] {batch.getManager().create(m6, shape), batch.getManager().create(m7, shape)};
    }

    private static void copy(NDArray a, double[] dst, int offset) {
        float[] v = a.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            dst[offset + i] = v[i];
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}

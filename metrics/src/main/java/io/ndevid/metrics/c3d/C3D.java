package io.ndevid.metrics.c3d;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.ndevid.metrics.MetricsInputException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The C3D video classifier as a DJL block: input {@code [N, 3, T, H, W]} (preprocessed, see {@link C3dPreprocessing}),
 * output fc8 logits {@code [N, classes]}.
 *
 * <pre>
 *   conv1a(64) pool1(1,2,2) conv2a(128) pool2 conv3a(256) conv3b(256) pool3 conv4a(512) conv4b(512) pool4
 *   conv5a(512) conv5b(512) pool5 → flatten → fc6(4096) fc7(4096) fc8(classes)
 * </pre>
 * Convolutions are 3×3×3, stride 1, padding 1, each followed by ReLU; fc6 and fc7 by ReLU and dropout (training
 * only). Pools 2–5 are 2×2×2 / stride 2. Every pool uses <b>ceil mode</b>, as Caffe (the original C3D) and Chainer's
 * {@code cover_all} (TGAN's evaluator) do: pool5 then maps 2×7×7 to 1×4×4 and fc6 sees 512·4·4 = 8192 inputs. DJL's
 * {@code Pool.maxPool3d(..., ceilMode = true)} honours ceil mode in the PyTorch engine (tested in {@code C3DTest}
 * against a hand-computed pooling), so no explicit padding is needed. Channel counts and fc units scale with
 * {@link C3dConfig#widthMultiplier()}.
 *
 * <p><b>Weights.</b> ndevid never downloads weights. {@link #loadWeights(NDManager, Path)} reads a file written by
 * {@link #saveWeights(Path)} — DJL's {@code Block.saveParameters} stream — for a block of the same {@link C3dConfig}.
 * Parameters, in file order, are those of {@link #parameterShapes()} (DJL names them by child position:
 * {@code 01conv1a_weight [out, in, 3, 3, 3]}, {@code 01conv1a_bias [out]}, … {@code 08conv5b_*},
 * {@code 09fc6_weight [out, in]}, {@code 09fc6_bias}, {@code 11fc7_*}, {@code 13fc8_*}; the dropouts have none).
 * These are PyTorch's layouts, so a PyTorch or Caffe C3D state dict can be converted by writing its tensors in this
 * order through DJL (no converter is provided). fc6's input is pool5 flattened in C order (channel, t, h, w).
 * Inputs are BGR in [0, 255] minus the training mean, as produced by {@link C3dPreprocessing}.
 */
public final class C3D extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final String[] CONV_NAMES = {"conv1a", "conv2a", "conv3a", "conv3b", "conv4a", "conv4b",
            "conv5a", "conv5b"};
    /** Index in {@link #CONV_NAMES} after which a pool follows, and that pool's kernel. */
    private static final Map<Integer, Shape> POOL_AFTER = Map.of(
            0, new Shape(1, 2, 2), 1, new Shape(2, 2, 2), 3, new Shape(2, 2, 2), 5, new Shape(2, 2, 2),
            7, new Shape(2, 2, 2));

    private final C3dConfig config;
    private final Block[] convs = new Block[CONV_NAMES.length];
    private final Block fc6;
    private final Block fc7;
    private final Block fc8;
    private final Block dropout6;
    private final Block dropout7;

    public C3D(C3dConfig config) {
        super(VERSION);
        this.config = Objects.requireNonNull(config, "config");
        int[] ch = config.convChannels();
        for (int i = 0; i < CONV_NAMES.length; i++) {
            convs[i] = addChildBlock(CONV_NAMES[i], Conv3d.builder().setKernelShape(new Shape(3, 3, 3))
                    .optPadding(new Shape(1, 1, 1)).setFilters(ch[i]).build());
        }
        fc6 = addChildBlock("fc6", Linear.builder().setUnits(config.fcUnits()).build());
        dropout6 = addChildBlock("dropout6", Dropout.builder().optRate(config.dropout()).build());
        fc7 = addChildBlock("fc7", Linear.builder().setUnits(config.fcUnits()).build());
        dropout7 = addChildBlock("dropout7", Dropout.builder().optRate(config.dropout()).build());
        fc8 = addChildBlock("fc8", Linear.builder().setUnits(config.classes()).build());
    }

    public C3dConfig config() {
        return config;
    }

    /** The input shape for a batch of {@code n} clips: {@code [n, 3, T, H, W]}. */
    public Shape inputShape(long n) {
        return new Shape(n, 3, config.frames(), config.height(), config.width());
    }

    /** Initializes parameters (DJL's default initializers) for float32 input. */
    public C3D initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, inputShape(1));
        return this;
    }

    /** fc7 activations (after ReLU, dropout off) and fc8 logits of one forward pass. */
    public record Outputs(NDArray fc7, NDArray logits) {}

    /** Forward pass keeping fc7; {@code training} turns dropout on. */
    public Outputs forwardWithFeatures(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = trunk(ps, x, training);
        h = h.reshape(h.getShape().get(0), -1);
        h = Activation.relu(fc6.forward(ps, new NDList(h), training).singletonOrThrow());
        h = dropout6.forward(ps, new NDList(h), training).singletonOrThrow();
        NDArray f7 = Activation.relu(fc7.forward(ps, new NDList(h), training).singletonOrThrow());
        h = dropout7.forward(ps, new NDList(f7), training).singletonOrThrow();
        NDArray logits = fc8.forward(ps, new NDList(h), training).singletonOrThrow();
        return new Outputs(f7, logits);
    }

    /**
     * Inference with given dropout masks ({@code [N, fcUnits]}, 0 or the keep scale) multiplied into fc6's and fc7's
     * outputs after ReLU, as Chainer does in training mode. fc7 is returned after its mask, as Chainer's {@code fc7}
     * layer output (what a feature extractor reading that layer gets).
     */
    public Outputs forwardWithMasks(ParameterStore ps, NDArray x, NDArray mask6, NDArray mask7) {
        NDArray h = trunk(ps, x, false);
        h = h.reshape(h.getShape().get(0), -1);
        h = Activation.relu(fc6.forward(ps, new NDList(h), false).singletonOrThrow()).mul(mask6);
        NDArray f7 = Activation.relu(fc7.forward(ps, new NDList(h), false).singletonOrThrow()).mul(mask7);
        NDArray logits = fc8.forward(ps, new NDList(f7), false).singletonOrThrow();
        return new Outputs(f7, logits);
    }

    /** Output of conv5b after ReLU and pool5: {@code [N, C5, T5, H5, W5]}, fc6's input before flattening. */
    public NDArray pool5(ParameterStore ps, NDArray x) {
        return trunk(ps, x, false);
    }

    /** conv1a … pool5: each convolution followed by ReLU, pools in ceil mode. */
    private NDArray trunk(ParameterStore ps, NDArray x, boolean training) {
        checkInput(x.getShape());
        NDArray h = x;
        for (int i = 0; i < convs.length; i++) {
            h = Activation.relu(convs[i].forward(ps, new NDList(h), training).singletonOrThrow());
            Shape pool = POOL_AFTER.get(i);
            if (pool != null) {
                h = Pool.maxPool3d(h, pool, pool, new Shape(0, 0, 0), true);
            }
        }
        return h;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forwardWithFeatures(ps, inputs.singletonOrThrow(), training).logits());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.classes())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInput(inputShapes[0]);
        Shape s = inputShapes[0];
        for (int i = 0; i < convs.length; i++) {
            convs[i].initialize(manager, dataType, s);
            s = convs[i].getOutputShapes(new Shape[] {s})[0];
            Shape pool = POOL_AFTER.get(i);
            if (pool != null) {
                s = new Shape(s.get(0), s.get(1), ceilDiv(s.get(2), pool.get(0)), ceilDiv(s.get(3), pool.get(1)),
                        ceilDiv(s.get(4), pool.get(2)));
            }
        }
        s = new Shape(s.get(0), s.size() / s.get(0));
        if (s.get(1) != config.fc6Inputs()) {
            throw new IllegalStateException("fc6 inputs " + s.get(1) + " ≠ " + config.fc6Inputs());
        }
        for (Block b : new Block[] {fc6, dropout6, fc7, dropout7, fc8}) {
            b.initialize(manager, dataType, s);
            s = b.getOutputShapes(new Shape[] {s})[0];
        }
    }

    private static long ceilDiv(long n, long k) {
        return (n + k - 1) / k;
    }

    private void checkInput(Shape s) {
        if (s.dimension() != 5 || s.get(1) != 3 || s.get(2) != config.frames() || s.get(3) != config.height()
                || s.get(4) != config.width()) {
            throw new MetricsInputException("C3D expects input [N, 3, " + config.frames() + ", " + config.height()
                    + ", " + config.width() + "] (preprocessed clips), got " + s);
        }
    }

    /** Every parameter's name and shape, in file order (after {@link #initialize(NDManager)}). */
    public LinkedHashMap<String, Shape> parameterShapes() {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : getParameters()) {
            shapes.put(p.getKey(), p.getValue().getArray().getShape());
        }
        return shapes;
    }

    /** Writes the parameters as DJL's {@code Block.saveParameters} stream. */
    public void saveWeights(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        try (OutputStream os = Files.newOutputStream(file);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 20))) {
            saveParameters(out);
        }
    }

    /**
     * Initializes the block and replaces its parameters by those in {@code file} (see the class comment for the
     * format).
     *
     * @param file a DJL {@code .params} file for this config; {@code null} is refused with a message saying what
     *             to supply
     * @throws MetricsInputException if no file is given, it is missing, or it does not fit this config
     */
    public C3D loadWeights(NDManager manager, Path file) throws IOException {
        if (file == null) {
            throw new MetricsInputException(missingWeightsMessage(config));
        }
        if (!Files.isRegularFile(file)) {
            throw new MetricsInputException("C3D weights file not found: " + file + ". " + missingWeightsMessage(config));
        }
        if (!isInitialized()) {
            initialize(manager);
        }
        LinkedHashMap<String, Shape> expected = parameterShapes();
        try (InputStream is = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 20))) {
            loadParameters(manager, in);
            if (in.read() != -1) {
                throw new MetricsInputException("C3D weights " + file + " hold more data than a C3D with " + config
                        + " (wrong width or classes?)");
            }
        } catch (MalformedModelException | RuntimeException e) {
            if (e instanceof MetricsInputException m) {
                throw m;
            }
            throw new MetricsInputException("C3D weights " + file + " do not fit a C3D with " + config + ": " + e, e);
        } catch (java.io.EOFException e) {
            throw new MetricsInputException("C3D weights " + file + " end early: not a DJL parameter file for a C3D "
                    + "with " + config, e);
        }
        LinkedHashMap<String, Shape> got = parameterShapes();
        if (!got.equals(expected)) {
            throw new MetricsInputException("C3D weights " + file + " have parameter shapes " + got
                    + " but a C3D with " + config + " needs " + expected);
        }
        return this;
    }

    /** What to supply when no weights are given. */
    public static String missingWeightsMessage(C3dConfig config) {
        return "No C3D weights given. ndevid never downloads weights: supply a DJL parameter file written by "
                + "C3D.saveWeights (DJL Block.saveParameters) for a C3D with " + config + ", e.g. an evaluator trained "
                + "by ndevid on labelled synthetic videos, or a NumPy .npz with Chainer's names (conv1a/W, conv1a/b, …, "
                + "fc8/b — the Chainer conversion of the Caffe C3D UCF101 model) through C3dNpzWeights.load.";
    }
}

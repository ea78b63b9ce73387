package io.ndevid.training.golden;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.ndevid.training.gan.nets.Generators;
import io.ndevid.training.gan.nets.TganImageGenerator;
import io.ndevid.training.nn.ConvTranspose;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.DeconvTemporalGenerator;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.ndevid.training.golden.Closeness.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link ConvTranspose} (built from regular convolutions: the engine has none) against PyTorch's
 * {@code conv_transpose1d/2d/3d} at the models' real layer shapes: the layers are found by walking the gpu-paper
 * generators — TGAN's 1-D temporal deconvolutions ({@link DeconvTemporalGenerator}), TGAN's 2-D image deconvolutions
 * ({@link TganImageGenerator}) and MoCoGAN's image generator ({@link Generators#mocogan}) — so the test follows the
 * preset. No model uses a 3-D transposed convolution; two 3-D cases of the same kind (k4 s2 p1, and stride (1, 2, 2))
 * cover that path. Batch 2 per layer.
 *
 * <p>Per layer, in float32 and float64, every {@link ConvTranspose.Strategy} (AUTO included): the output and the
 * gradients of Σ r ⊙ y with respect to the input, weight and bias (r a fixed random tensor), within {@value #TOL32}
 * (float32) / {@value #TOL64} (float64) of PyTorch relative to each tensor's largest value. Measured 2026-12-02:
 * at most 3e-7 and 8e-16 — one layer's sum of up to 8192 products rounds like that in either framework.
 */
class ConvTransposeGoldenTest extends GoldenTestBase {

    private static final int BATCH = 2;
    static final double TOL32 = 2e-6;
    static final double TOL64 = 1e-14;
    private final List<Case> CASES = new ArrayList<>();
    private final Map<String, NDArray> INPUTS = new LinkedHashMap<>();
    private TensorExchange.Tensors golden;


    /** One layer shape: input [N, in, L…], weight [in, out, k…], stride and padding per axis. */
    record Case(String id, String where, Shape x, Shape w, int[] stride, int[] padding, DataType type) {
        int dims() {
            return x.dimension() - 2;
        }

        @Override
        public String toString() {
            return where + " " + type.name().toLowerCase() + ": " + dims() + "-D " + w.get(0) + "→" + w.get(1)
                    + " at " + x.slice(2) + " k" + w.slice(2) + " s" + Arrays.toString(stride) + " p"
                    + Arrays.toString(padding);
        }
    }

    /** A transposed convolution found in a model: where, its input shape, weight shape, stride, padding. */
    private record Layer(String where, Shape x, Shape w, int[] stride, int[] padding) {}

    @Override
    protected void writeGolden(Path dir) {
        List<Layer> layers = new ArrayList<>();
        try (NDManager nets = manager.newSubManager()) {
            TrialSpec tgan = Presets.of("gpu-paper", ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
            DeconvTemporalGenerator gt = new DeconvTemporalGenerator(tgan.latentDim(), tgan.frames(), tgan.width());
            gt.initialize(nets, DataType.FLOAT32, new Shape(BATCH, tgan.latentDim()));
            collect("TGAN G_t", child(gt, "deconvs"), new Shape(BATCH, tgan.latentDim(), 1), layers);

            TganImageGenerator image = new TganImageGenerator(tgan.latentDim(), tgan.width(), tgan.frameSize(),
                    tgan.channels());
            Shape z = new Shape(BATCH, tgan.latentDim());
            image.initialize(nets, DataType.FLOAT32, z, z);
            SequentialBlock up = child(image, "up");
            long firstIn = ((ConvTranspose) up.getChildren().get(0).getValue()).weight().getArray().getShape().get(0);
            collect("TGAN image G", up, new Shape(BATCH, firstIn, 4, 4), layers); // TGAN's image G starts at 4×4

            TrialSpec moco = Presets.of("gpu-paper", ModelFamily.MOCOGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
            int zDim = moco.contentDim() + moco.latentDim();
            SequentialBlock mocoImage = Generators.mocogan(zDim, moco.width(), moco.frameSize(), moco.channels());
            Shape mocoIn = new Shape(BATCH, zDim, 1, 1);
            mocoImage.initialize(nets, DataType.FLOAT32, mocoIn);
            collect("MoCoGAN image G", mocoImage, mocoIn, layers);
        }
        assertFalse(layers.isEmpty(), "the gpu-paper generators have transposed convolutions");

        TensorExchange in = new TensorExchange();
        List<Map<String, Object>> cases = new ArrayList<>();
        for (DataType type : List.of(DataType.FLOAT32, DataType.FLOAT64)) {
            for (Layer l : layers) {
                add(l.where(), l.x(), l.w(), l.stride(), l.padding(), type, in, cases);
            }
            // 3-D: not in any model (see the class comment), same kinds of layer
            add("3-D k4 s2 p1", new Shape(BATCH, 64, 2, 8, 8), new Shape(64, 32, 4, 4, 4), new int[] {2, 2, 2},
                    new int[] {1, 1, 1}, type, in, cases);
            add("3-D k4 s(1,2,2) p1", new Shape(BATCH, 32, 4, 8, 8), new Shape(32, 16, 3, 4, 4),
                    new int[] {1, 2, 2}, new int[] {1, 1, 1}, type, in, cases);
        }
        in.config("cases", cases);
        golden = GoldenPython.run("convtranspose", in, dir);
    }

    private SequentialBlock child(Block b, String name) {
        for (Pair<String, Block> c : b.getChildren()) {
            if (c.getKey().endsWith(name)) {
                return (SequentialBlock) c.getValue();
            }
        }
        throw new IllegalStateException(b + " has no child " + name);
    }

    /** Every ConvTranspose in a sequence, with the shape it receives (propagated through the other layers). */
    private void collect(String net, SequentialBlock seq, Shape input, List<Layer> out) {
        Shape s = input;
        int k = 0;
        for (Block child : seq.getChildren().values()) {
            if (child instanceof ConvTranspose ct) {
                out.add(new Layer(net + " deconv " + ++k, s, ct.weight().getArray().getShape(), ct.stride(),
                        ct.padding()));
            }
            s = child.getOutputShapes(new Shape[] {s})[0];
        }
    }

    private void add(String where, Shape x, Shape w, int[] stride, int[] padding, DataType type,
                            TensorExchange in, List<Map<String, Object>> cases) {
        Case c = new Case("c" + CASES.size(), where, x, w, stride, padding, type);
        CASES.add(c);
        long seed = 1000L + CASES.size();
        double scale = 1 / Math.sqrt((double) w.size() / w.get(1));
        long out = w.get(1);
        Shape y = outputShape(c);
        input(in, c.id() + "/x", random(x, seed, 1, type));
        input(in, c.id() + "/w", random(w, seed + 1, scale, type));
        input(in, c.id() + "/b", random(new Shape(out), seed + 2, 1, type));
        input(in, c.id() + "/r", random(y, seed + 3, 1, type));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("dims", c.dims());
        m.put("stride", stride);
        m.put("padding", padding);
        cases.add(m);
    }

    private void input(TensorExchange in, String name, NDArray a) {
        INPUTS.put(name, a);
        in.tensor(name, a);
    }

    private Shape outputShape(Case c) {
        long[] s = new long[c.x().dimension()];
        s[0] = c.x().get(0);
        s[1] = c.w().get(1);
        for (int a = 0; a < c.dims(); a++) {
            s[2 + a] = ConvTranspose.outputLength(c.x().get(2 + a), (int) c.w().get(2 + a), c.stride()[a],
                    c.padding()[a]);
        }
        return new Shape(s);
    }

    private NDArray random(Shape shape, long seed, double scale, DataType type) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[] v = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * r.nextDouble(-1, 1);
        }
        NDArray a = manager.create(v, shape);
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    @TestFactory
    Stream<DynamicTest> everyStrategyMatchesPyTorch() {
        return GoldenPython.dynamicTests(
                () -> CASES.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> check(c))));
    }

    private void check(Case c) {
        double tol = c.type() == DataType.FLOAT64 ? TOL64 : TOL32;
        for (ConvTranspose.Strategy st : ConvTranspose.Strategy.values()) {
            try (NDManager m = manager.newSubManager()) {
                NDArray x = golden(m, c, "x");
                NDArray w = golden(m, c, "w");
                NDArray b = golden(m, c, "b");
                NDArray r = golden(m, c, "r");
                x.setRequiresGradient(true);
                w.setRequiresGradient(true);
                b.setRequiresGradient(true);
                NDArray y;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    y = ConvTranspose.apply(x, w, b, c.stride(), c.padding(), st);
                    gc.backward(y.mul(r).sum());
                }
                String what = c + " " + st;
                assertClose(what + " y", golden.get(c.id() + "/y"), y, tol);
                assertClose(what + " dL/dx", golden.get(c.id() + "/dx"), x.getGradient(), tol);
                assertClose(what + " dL/dw", golden.get(c.id() + "/dw"), w.getGradient(), tol);
                assertClose(what + " dL/db", golden.get(c.id() + "/db"), b.getGradient(), tol);
            }
        }
    }

    /** A copy, owned by {@code m}, of the input tensor Python received. */
    private NDArray golden(NDManager m, Case c, String name) {
        return copyInto(m, INPUTS.get(c.id() + "/" + name));
    }
}

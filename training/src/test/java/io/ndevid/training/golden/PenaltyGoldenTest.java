package io.ndevid.training.golden;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.gan.ZeroCentredGradientPenalty;
import io.ndevid.training.gan.nets.Discriminators;
import io.ndevid.training.gan.nets.Init;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TGANv2 gradient penalty against PyTorch: ndevid's first-order route ({@link ZeroCentredGradientPenalty}:
 * central-difference Hessian-vector product) on the real ResNet-3D level discriminators — the scaled one
 * ({@link Discriminators#tganv2Level}) and the authors' ({@link Discriminators#tganv2LevelAuthors}, with its odd-axis
 * zero padding): ReLUs, average pools, non-zero biases — against PyTorch's exact double backward
 * of R = λ·Σ over batch and elements of (∂D/∂x)², λ = 0.5 — the authors' {@code zero_centered_gp}. The weights and
 * the input go to {@code golden.py penalty} (twins of both Ds, run at test time in float64 with Debian's torch).
 *
 * <p>Tolerances, relative to the largest exact value: D's outputs and R 1e-10 in float64, 1e-4 in float32 (float32
 * round-off); the parameter gradient 1e-9 in float64 and 1e-3 in float32 (measured: 2e-16 and 7e-8 — the frozen
 * ReLU pattern makes the central difference exact, round-off is all that is left; with the ReLUs free and ε = 1e-2
 * input units the float32 error was 4.35, i.e. the gradient was wrong).
 */
class PenaltyGoldenTest {

    private static final double LAMBDA = 0.5;
    private static final int SIZE = 16;
    private static final int WIDTH = 4;

    @TempDir
    Path dir;

    /** (dtype, D form): ndevid's scaled D at 16 px, and the authors' D at 12 px, 4 frames (odd axes get padded). */
    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (DataType t : List.of(DataType.FLOAT32, DataType.FLOAT64)) {
            out.add(new Object[] {t, "scaled"});
            out.add(new Object[] {t, "authors"});
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void penaltyAndItsParameterGradientMatchPytorchsDoubleBackward(DataType type, String form) {
        GoldenPython.assumeAvailable();
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            boolean authors = form.equals("authors");
            Shape in = authors ? new Shape(2, 3, 4, 12, 12) : new Shape(3, 3, 8, SIZE, SIZE);
            SequentialBlock d = authors ? Discriminators.tganv2LevelAuthors(WIDTH, 3)
                    : Discriminators.tganv2Level(SIZE, WIDTH, 3);
            d.initialize(m, type, in);
            SplittableRandom r = new SplittableRandom(11);
            List<NDArray> params = new ArrayList<>();
            for (Pair<String, Parameter> p : d.getParameters()) { // non-zero biases: every term of ∇θR is exercised
                NDArray a = p.getValue().getArray();
                float[] v = (p.getValue().getType() == Parameter.Type.WEIGHT ? Init.xavierUniform(Math.sqrt(2))
                        : Init.uniform(0.1)).draw(a.getShape(), r);
                double[] w = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    w[i] = v[i];
                }
                a.set(type == DataType.FLOAT64 ? DoubleBuffer.wrap(w) : FloatBuffer.wrap(v));
                params.add(a);
            }
            NDArray x = Randomness.uniform(m, in, -1, 1, 5, type);
            TensorExchange.Tensors golden = GoldenPython.run("penalty", new TensorExchange()
                    .config("lambda", LAMBDA).config("form", form).tensor("x", x).parameters("D", d), dir);

            ParameterStore ps = new ParameterStore(m, false);
            double penalty;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                penalty = ZeroCentredGradientPenalty.accumulate(gc,
                        a -> d.forward(ps, new NDList(a), true).singletonOrThrow(), params, x, LAMBDA);
            }
            boolean f64 = type == DataType.FLOAT64;
            Closeness.assertClose("D(x)", golden.get("d"), d.forward(ps, new NDList(x), false).singletonOrThrow(),
                    f64 ? 1e-10 : 1e-4);
            double[] exactR = golden.get("penalty").values();
            assertTrue(exactR[0] > 0, "a non-trivial penalty: " + exactR[0]);
            Closeness.assertClose("R", exactR, new double[] {penalty}, f64 ? 1e-10 : 1e-4);
            List<double[]> exactGrads = new ArrayList<>();
            List<double[]> ourGrads = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                exactGrads.add(golden.get("grad/" + i).values());
                ourGrads.add(params.get(i).getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
            }
            Closeness.assertClose("∇θR", concat(exactGrads), concat(ourGrads), f64 ? 1e-9 : 1e-3);
        }
    }

    private static double[] concat(List<double[]> parts) {
        return parts.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }
}

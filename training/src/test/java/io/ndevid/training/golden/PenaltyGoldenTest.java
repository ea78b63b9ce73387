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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.gan.ZeroCentredGradientPenalty;
import io.ndevid.training.gan.nets.Discriminators;
import io.ndevid.training.gan.nets.Init;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TGANv2 gradient penalty against PyTorch: ndevid's first-order route ({@link ZeroCentredGradientPenalty}:
 * central-difference Hessian-vector product) on the real ResNet-3D level discriminators — the scaled one
 * ({@link Discriminators#tganv2Level}) and the authors' ({@link Discriminators#tganv2LevelAuthors}, with its odd-axis
 * zero padding): ReLUs, average pools, non-zero biases — against PyTorch's exact double backward
 * of R = λ·Σ over batch and elements of (∂D/∂x)², λ = 0.5 — the authors' {@code zero_centered_gp}. The weights and
 * the input go to {@code penalty_golden.py} (a twin of the D, run at test time in float64 with Debian's torch).
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
    void penaltyAndItsParameterGradientMatchPytorchsDoubleBackward(DataType type, String form) throws Exception {
        Assumptions.assumeTrue(torchAvailable(), "/usr/bin/python3 with torch is not available "
                + "(apt-get install python3-torch): the PyTorch twin cannot run");
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            boolean authors = form.equals("authors");
            Shape in = authors ? new Shape(2, 3, 4, 12, 12) : new Shape(3, 3, 8, SIZE, SIZE);
            SequentialBlock d = authors ? Discriminators.tganv2LevelAuthors(WIDTH, 3)
                    : Discriminators.tganv2Level(SIZE, WIDTH, 3);
            d.initialize(m, type, in);
            SplittableRandom r = new SplittableRandom(11);
            for (Pair<String, Parameter> p : d.getParameters()) { // non-zero biases: every term of ∇θR is exercised
                NDArray a = p.getValue().getArray();
                float[] v = (p.getValue().getType() == Parameter.Type.WEIGHT ? Init.xavierUniform(Math.sqrt(2))
                        : Init.uniform(0.1)).draw(a.getShape(), r);
                double[] w = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    w[i] = v[i];
                }
                a.set(type == DataType.FLOAT64 ? DoubleBuffer.wrap(w) : FloatBuffer.wrap(v));
            }
            NDArray x = Randomness.uniform(m, in, -1, 1, 5, type);
            List<NDArray> params = new ArrayList<>();
            WeightExport export = new WeightExport(dir);
            export.add("x", x);
            for (Pair<String, Parameter> p : d.getParameters()) {
                params.add(p.getValue().getArray());
                export.add(p.getKey(), p.getValue().getArray());
            }
            export.manifest().put("lambda", LAMBDA).put("blocks", (params.size() - 2) / 6).put("form", form);
            export.finish();
            runTwin();

            ParameterStore ps = new ParameterStore(m, false);
            double penalty;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                penalty = ZeroCentredGradientPenalty.accumulate(gc,
                        a -> d.forward(ps, new NDList(a), true).singletonOrThrow(), params, x, LAMBDA);
            }
            double[] outputs = d.forward(ps, new NDList(x), false).singletonOrThrow()
                    .toType(DataType.FLOAT64, false).toDoubleArray();

            JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
            double[] exactD = new double[expected.get("d").size()];
            for (int i = 0; i < exactD.length; i++) {
                exactD[i] = expected.get("d").get(i).asDouble();
            }
            boolean f64 = type == DataType.FLOAT64;
            assertClose("D(x)", exactD, outputs, f64 ? 1e-10 : 1e-4);
            double exactR = expected.get("penalty").asDouble();
            assertTrue(exactR > 0, "a non-trivial penalty: " + exactR);
            assertClose("R", new double[] {exactR}, new double[] {penalty}, f64 ? 1e-10 : 1e-4);
            List<double[]> exactGrads = new ArrayList<>();
            List<double[]> ourGrads = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                exactGrads.add(WeightExport.read(dir.resolve("grad-" + i + ".f64")));
                ourGrads.add(params.get(i).getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
            }
            assertClose("∇θR", concat(exactGrads), concat(ourGrads), f64 ? 1e-9 : 1e-3);
        }
    }

    private void runTwin() throws Exception {
        Path script = dir.resolve("penalty_golden.py");
        try (InputStream s = PenaltyGoldenTest.class.getResourceAsStream("/golden/penalty_golden.py")) {
            Files.copy(s, script);
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "penalty_golden.py timed out");
        assertEquals(0, p.exitValue(), "penalty_golden.py failed:\n" + log);
    }

    /** Max |ours − exact| relative to max |exact| within {@code tol}. */
    private static void assertClose(String what, double[] exact, double[] ours, double tol) {
        assertEquals(exact.length, ours.length, what + ": lengths");
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < exact.length; i++) {
            diff = Math.max(diff, Math.abs(exact[i] - ours[i]));
            scale = Math.max(scale, Math.abs(exact[i]));
        }
        assertTrue(scale > 0, what + ": all zero");
        System.out.printf("%s: relative error %.3g (tolerance %.0g)%n", what, diff / scale, tol);
        assertTrue(diff / scale <= tol, what + ": relative error " + diff / scale + " > " + tol);
    }

    private static double[] concat(List<double[]> parts) {
        return parts.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}

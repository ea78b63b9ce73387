package io.ndevid.training.optim;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the optimizers against PyTorch's update rules written out by hand (in double) for a tiny problem:
 * loss = Σ c·θ² + d·θ, so grad = 2c·θ + d.
 */
class OptimizerTest {

    static final float[] THETA0 = {0.5f, -1.0f, 2.0f, 0.0f};
    static final double[] C = {1.0, 0.5, 2.0, 1.0};
    static final double[] D = {0.1, -0.2, 0.3, 0.5};

    private static NDManager manager;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static NDArray param(NDManager m, float[] values) {
        NDArray p = m.create(values);
        p.setRequiresGradient(true);
        return p;
    }

    /** Backward of the test loss into θ's .grad (accumulating, like any backward). */
    static void backward(NDArray theta) {
        NDManager m = theta.getManager();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray c = m.create(new float[] {1.0f, 0.5f, 2.0f, 1.0f});
            NDArray d = m.create(new float[] {0.1f, -0.2f, 0.3f, 0.5f});
            gc.backward(theta.mul(theta).mul(c).add(theta.mul(d)).sum());
        }
    }

    static double[] grad(double[] theta) {
        double[] g = new double[theta.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = 2 * C[i] * theta[i] + D[i];
        }
        return g;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** torch.optim.Adam's step, written out. */
    static double[][] adamReference(int steps, double lr, double b1, double b2, double eps, double wd) {
        double[] th = toDouble(THETA0);
        double[] m = new double[th.length];
        double[] v = new double[th.length];
        double[][] out = new double[steps][];
        for (int t = 1; t <= steps; t++) {
            double[] g = grad(th);
            for (int i = 0; i < th.length; i++) {
                double gi = g[i] + wd * th[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double bc1 = 1 - Math.pow(b1, t);
                double bc2 = 1 - Math.pow(b2, t);
                th[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
            }
            out[t - 1] = th.clone();
        }
        return out;
    }

    /** torch.optim.RMSprop's step, written out. */
    static double[][] rmspropReference(int steps, double lr, double alpha, double eps, double wd, double mu,
                                       boolean centered) {
        double[] th = toDouble(THETA0);
        double[] s = new double[th.length];
        double[] a = new double[th.length];
        double[] buf = new double[th.length];
        double[][] out = new double[steps][];
        for (int t = 1; t <= steps; t++) {
            double[] g = grad(th);
            for (int i = 0; i < th.length; i++) {
                double gi = g[i] + wd * th[i];
                s[i] = alpha * s[i] + (1 - alpha) * gi * gi;
                double avg;
                if (centered) {
                    a[i] = alpha * a[i] + (1 - alpha) * gi;
                    avg = Math.sqrt(s[i] - a[i] * a[i]) + eps;
                } else {
                    avg = Math.sqrt(s[i]) + eps;
                }
                if (mu > 0) {
                    buf[i] = mu * buf[i] + gi / avg;
                    th[i] -= lr * buf[i];
                } else {
                    th[i] -= lr * gi / avg;
                }
            }
            out[t - 1] = th.clone();
        }
        return out;
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + " [" + i + "] expected " + Arrays.toString(expected)
                    + " got " + Arrays.toString(actual));
        }
    }

    void run(Function<Map<String, NDArray>, Optimizer> make, double[][] expected, String what) {
        try (NDManager m = manager.newSubManager()) {
            NDArray theta = param(m, THETA0);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("theta", theta);
            try (Optimizer opt = make.apply(params)) {
                for (int t = 0; t < expected.length; t++) {
                    opt.zeroGradients();
                    backward(theta);
                    opt.step();
                    assertClose(expected[t], theta.toFloatArray(), 2e-6, what + " step " + (t + 1));
                }
                assertEquals(expected.length, opt.stepCount());
            }
        }
    }

    @Test
    void adamFirstStepMovesEveryCoordinateByLrAgainstTheGradientSign() {
        // Step 1: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε) = lr·sign(g). Gradients at θ0: [1.1, -1.2, 8.3, 0.5].
        run(p -> Adam.builder().learningRate(0.1).build(p),
                new double[][] {{0.4, -0.9, 1.9, -0.1}}, "adam step 1");
    }

    @Test
    void adamMatchesPyTorchsRuleOverSeveralSteps() {
        run(p -> Adam.builder().learningRate(0.05).betas(0.9, 0.999).eps(1e-8).weightDecay(0.1).build(p),
                adamReference(6, 0.05, 0.9, 0.999, 1e-8, 0.1), "adam wd 0.1");
        // TGANv2's betas (0, 0.9) and MoCoGAN's (0.5, 0.999) with its weight decay 1e-5.
        run(p -> Adam.builder().learningRate(1e-2).betas(0.0, 0.9).build(p),
                adamReference(5, 1e-2, 0.0, 0.9, 1e-8, 0), "adam betas (0, 0.9)");
        run(p -> Adam.builder().learningRate(2e-2).betas(0.5, 0.999).weightDecay(1e-5).build(p),
                adamReference(5, 2e-2, 0.5, 0.999, 1e-8, 1e-5), "adam mocogan");
    }

    @Test
    void rmspropFirstStepIsTenLrAgainstTheGradientSign() {
        // Step 1: s = 0.01·g², √s = 0.1·|g|, so θ moves by lr·g/(0.1·|g|) = 10·lr·sign(g).
        run(p -> RmsProp.builder().learningRate(0.01).build(p),
                new double[][] {{0.4, -0.9, 1.9, -0.1}}, "rmsprop step 1");
    }

    @Test
    void rmspropMatchesPyTorchsRuleOverSeveralSteps() {
        run(p -> RmsProp.builder().learningRate(5e-3).build(p),
                rmspropReference(6, 5e-3, 0.99, 1e-8, 0, 0, false), "rmsprop default");
        run(p -> RmsProp.builder().learningRate(5e-3).alpha(0.9).weightDecay(0.01).momentum(0.5).centered(true)
                .build(p), rmspropReference(6, 5e-3, 0.9, 1e-8, 0.01, 0.5, true), "rmsprop centred momentum");
    }

    @Test
    void stateRoundTripContinuesIdentically() throws IOException {
        for (boolean adam : new boolean[] {true, false}) {
            Function<Map<String, NDArray>, Optimizer> make = adam
                    ? p -> Adam.builder().learningRate(0.03).weightDecay(0.01).build(p)
                    : p -> RmsProp.builder().learningRate(0.01).momentum(0.9).centered(true).build(p);
            try (NDManager m = manager.newSubManager()) {
                NDArray a = param(m, THETA0);
                Optimizer optA = make.apply(Map.of("theta", a));
                for (int t = 0; t < 3; t++) {
                    optA.zeroGradients();
                    backward(a);
                    optA.step();
                }
                optA.setLearningRate(0.02);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                optA.state().writeTo(bytes);
                OptimizerState restored = OptimizerState.readFrom(new ByteArrayInputStream(bytes.toByteArray()));
                assertEquals(optA.state(), restored);
                assertEquals(3L, restored.steps().get("theta"));

                NDArray b = param(m, a.toFloatArray()); // parameters restored separately, as from a checkpoint
                Optimizer optB = make.apply(Map.of("theta", b));
                optB.loadState(restored);
                assertEquals(0.02, optB.learningRate());
                NDArray fresh = param(m, a.toFloatArray());
                Optimizer optFresh = make.apply(Map.of("theta", fresh));
                optFresh.setLearningRate(0.02);
                for (int t = 0; t < 3; t++) {
                    for (var pair : new Object[][] {{optA, a}, {optB, b}, {optFresh, fresh}}) {
                        Optimizer o = (Optimizer) pair[0];
                        o.zeroGradients();
                        backward((NDArray) pair[1]);
                        o.step();
                    }
                    assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "restored continues bit-identically");
                }
                assertFalse(Arrays.equals(a.toFloatArray(), fresh.toFloatArray()),
                        "without the state the run would differ (the test can tell)");
                assertEquals(6, optB.stepCount());
                Optimizer wrongKind = adam ? RmsProp.builder().build(Map.of("theta", b))
                        : Adam.builder().build(Map.of("theta", b));
                assertThrows(IllegalArgumentException.class, () -> wrongKind.loadState(restored));
                Optimizer wrongName = make.apply(Map.of("other", b));
                assertThrows(IllegalArgumentException.class, () -> wrongName.loadState(restored));
                for (Optimizer o : new Optimizer[] {optA, optB, optFresh, wrongKind, wrongName}) {
                    o.close();
                }
            }
        }
    }

    @Test
    void zeroGradientsResetsAccumulation() {
        try (NDManager m = manager.newSubManager()) {
            NDArray theta = param(m, THETA0);
            try (Adam opt = Adam.builder().build(Map.of("theta", theta))) {
                backward(theta);
                backward(theta);
                assertClose(new double[] {2.2, -2.4, 16.6, 1.0}, theta.getGradient().toFloatArray(), 1e-5,
                        "two backward passes accumulate");
                opt.zeroGradients();
                assertClose(new double[] {0, 0, 0, 0}, theta.getGradient().toFloatArray(), 0, "zeroed");
                backward(theta);
                assertClose(new double[] {1.1, -1.2, 8.3, 0.5}, theta.getGradient().toFloatArray(), 1e-6, "fresh");
            }
        }
    }

    @Test
    void skipsFrozenAndUnreachedParametersAndWorksOnAnyThread() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Parameter trained = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT)
                    .optArray(m.create(THETA0)).build();
            trained.getArray().setRequiresGradient(true);
            Parameter frozen = Parameter.builder().setName("running_mean").setType(Parameter.Type.RUNNING_MEAN)
                    .optRequiresGrad(false).optArray(m.create(new float[] {7f})).build();
            Parameter unreached = Parameter.builder().setName("u").setType(Parameter.Type.WEIGHT)
                    .optArray(m.create(new float[] {3f})).build();
            unreached.getArray().setRequiresGradient(true);
            ParameterList list = new ParameterList();
            list.add("w", trained);
            list.add("running_mean", frozen);
            list.add("u", unreached);
            try (Adam opt = Adam.builder().learningRate(0.1).build(list)) {
                assertEquals(java.util.List.of("w", "u"), opt.parameterNames());
                backward(trained.getArray());
                // Libtorch's grad mode is on by default in threads DJL did not start: the step must still work there.
                CompletableFuture<Void> done = CompletableFuture.runAsync(opt::step);
                done.get();
                assertClose(new double[] {0.4, -0.9, 1.9, -0.1}, trained.getArray().toFloatArray(), 1e-6, "w");
                assertEquals(3f, unreached.getArray().getFloat(), "no gradient ever: untouched");
                assertEquals(7f, frozen.getArray().getFloat());
                assertEquals(0L, opt.state().steps().get("u"));
                assertTrue(trained.getArray().hasGradient(), "still a trainable leaf");
                opt.zeroGradients();
                backward(trained.getArray());
                assertClose(grad(toDouble(trained.getArray().toFloatArray())),
                        trained.getArray().getGradient().toFloatArray(), 1e-6, "backward after a step");
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().build(Map.of("x", manager.create(new float[] {1f}))));
    }
}

package io.ndevid.training.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.gan.ZeroCentredGradientPenaltyTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvTransposeTest {

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

    /** One case: input [N, in, L…], kernel sizes, strides and paddings per axis. */
    record Case(int n, int in, int out, int[] length, int[] k, int[] s, int[] p) {
        int dims() {
            return length.length;
        }

        long[] xShape() {
            long[] sh = new long[2 + dims()];
            sh[0] = n;
            sh[1] = in;
            for (int a = 0; a < dims(); a++) {
                sh[2 + a] = length[a];
            }
            return sh;
        }

        long[] wShape() {
            long[] sh = new long[2 + dims()];
            sh[0] = in;
            sh[1] = out;
            for (int a = 0; a < dims(); a++) {
                sh[2 + a] = k[a];
            }
            return sh;
        }

        @Override
        public String toString() {
            return dims() + "d " + in + "→" + out + " L" + Arrays.toString(length) + " k" + Arrays.toString(k) + " s"
                    + Arrays.toString(s) + " p" + Arrays.toString(p);
        }
    }

    static Case c(int n, int in, int out, int[] l, int[] k, int[] s, int[] p) {
        return new Case(n, in, out, l, k, s, p);
    }

    static int[] v(int... x) {
        return x;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // TGAN's temporal generator: k1 on length 1, then k4 s2 p1
                c(2, 3, 4, v(1), v(1), v(1), v(0)),
                c(2, 3, 2, v(5), v(4), v(2), v(1)),
                c(1, 2, 2, v(4), v(3), v(1), v(1)),
                c(2, 2, 3, v(3), v(3), v(2), v(0)),
                c(1, 1, 2, v(4), v(5), v(3), v(2)),
                c(1, 2, 1, v(3), v(2), v(3), v(0)),   // k < s: some phases get no tap
                c(1, 1, 1, v(4), v(3), v(1), v(2)),   // p > k − 1: the equivalent conv crops
                c(2, 2, 3, v(3, 4), v(4, 4), v(2, 2), v(1, 1)),
                c(1, 3, 2, v(4, 4), v(3, 3), v(1, 1), v(1, 1)),
                c(1, 2, 2, v(3, 3), v(3, 4), v(2, 1), v(0, 1)),
                c(1, 2, 2, v(2, 3, 3), v(4, 4, 4), v(2, 2, 2), v(1, 1, 1)),
                c(1, 2, 3, v(3, 3, 3), v(3, 3, 3), v(1, 1, 1), v(1, 1, 1)),
                c(2, 1, 2, v(2, 2, 3), v(3, 4, 4), v(1, 2, 2), v(1, 1, 1))   // stride (1, 2, 2)
        ).map(Arguments::of);
    }

    static double[] random(SplittableRandom rng, long n) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble(-1, 1);
        }
        return v;
    }

    static long prod(long[] s) {
        return Arrays.stream(s).reduce(1, (a, b) -> a * b);
    }

    /**
     * The definition, with loops: out[n, o, i·s − p + j] += x[n, c, i] · w[c, o, j] on every axis, in float64. Lower
     * ranks run as 3-D with unit axes in front.
     */
    static double[] reference(Case cs, double[] x, double[] w, double[] b) {
        int d = cs.dims();
        int[] l = new int[3];
        int[] k = new int[3];
        int[] s = new int[3];
        int[] p = new int[3];
        for (int a = 0; a < 3; a++) {
            int src = a - (3 - d);
            l[a] = src < 0 ? 1 : cs.length()[src];
            k[a] = src < 0 ? 1 : cs.k()[src];
            s[a] = src < 0 ? 1 : cs.s()[src];
            p[a] = src < 0 ? 0 : cs.p()[src];
        }
        int[] o = new int[3];
        for (int a = 0; a < 3; a++) {
            o[a] = (l[a] - 1) * s[a] - 2 * p[a] + k[a];
        }
        double[] out = new double[cs.n() * cs.out() * o[0] * o[1] * o[2]];
        for (int n = 0; n < cs.n(); n++) {
            for (int co = 0; co < cs.out(); co++) {
                int base = ((n * cs.out() + co) * o[0]) * o[1] * o[2];
                for (int q = 0; q < o[0] * o[1] * o[2]; q++) {
                    out[base + q] = b == null ? 0 : b[co];
                }
                for (int ci = 0; ci < cs.in(); ci++) {
                    for (int i0 = 0; i0 < l[0]; i0++) {
                        for (int i1 = 0; i1 < l[1]; i1++) {
                            for (int i2 = 0; i2 < l[2]; i2++) {
                                double xv = x[(((n * cs.in() + ci) * l[0] + i0) * l[1] + i1) * l[2] + i2];
                                for (int j0 = 0; j0 < k[0]; j0++) {
                                    int y0 = i0 * s[0] - p[0] + j0;
                                    if (y0 < 0 || y0 >= o[0]) {
                                        continue;
                                    }
                                    for (int j1 = 0; j1 < k[1]; j1++) {
                                        int y1 = i1 * s[1] - p[1] + j1;
                                        if (y1 < 0 || y1 >= o[1]) {
                                            continue;
                                        }
                                        for (int j2 = 0; j2 < k[2]; j2++) {
                                            int y2 = i2 * s[2] - p[2] + j2;
                                            if (y2 < 0 || y2 >= o[2]) {
                                                continue;
                                            }
                                            double wv = w[(((ci * cs.out() + co) * k[0] + j0) * k[1] + j1) * k[2] + j2];
                                            out[base + (y0 * o[1] + y1) * o[2] + y2] += xv * wv;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    static long[] outShape(Case cs) {
        long[] sh = new long[2 + cs.dims()];
        sh[0] = cs.n();
        sh[1] = cs.out();
        for (int a = 0; a < cs.dims(); a++) {
            sh[2 + a] = ConvTranspose.outputLength(cs.length()[a], cs.k()[a], cs.s()[a], cs.p()[a]);
        }
        return sh;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bothStrategiesEqualTheDefinitionInFloat64(Case cs) {
        SplittableRandom rng = new SplittableRandom(cs.toString().hashCode());
        double[] x = random(rng, prod(cs.xShape()));
        double[] w = random(rng, prod(cs.wShape()));
        double[] b = random(rng, cs.out());
        double[] expected = reference(cs, x, w, b);
        try (NDManager m = manager.newSubManager()) {
            NDArray xa = m.create(x, new Shape(cs.xShape()));
            NDArray wa = m.create(w, new Shape(cs.wShape()));
            NDArray ba = m.create(b);
            for (ConvTranspose.Strategy st : ConvTranspose.Strategy.values()) {
                NDArray y = ConvTranspose.apply(xa, wa, ba, cs.s(), cs.p(), st);
                assertEquals(new Shape(outShape(cs)), y.getShape(), st + " shape");
                assertEquals(DataType.FLOAT64, y.getDataType());
                assertArrayEquals(expected, y.toDoubleArray(), 1e-12, st + " values");
            }
        }
    }

    /** Gradients of Σ R ⊙ out by autograd against central differences of the loop definition. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("gradientCases")
    void gradientsMatchFiniteDifferencesOfTheDefinition(Case cs) {
        SplittableRandom rng = new SplittableRandom(17);
        double[] x = random(rng, prod(cs.xShape()));
        double[] w = random(rng, prod(cs.wShape()));
        double[] b = random(rng, cs.out());
        double[] weights = random(rng, prod(outShape(cs)));
        for (ConvTranspose.Strategy st : ConvTranspose.Strategy.values()) {
            try (NDManager m = manager.newSubManager()) {
                NDArray xa = m.create(x, new Shape(cs.xShape()));
                NDArray wa = m.create(w, new Shape(cs.wShape()));
                NDArray ba = m.create(b);
                NDArray ra = m.create(weights, new Shape(outShape(cs)));
                xa.setRequiresGradient(true);
                wa.setRequiresGradient(true);
                ba.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = ConvTranspose.apply(xa, wa, ba, cs.s(), cs.p(), st).mul(ra).sum();
                    gc.backward(loss);
                }
                assertArrayEquals(fd(cs, x, w, b, weights, 0), xa.getGradient().toDoubleArray(), 1e-7, st + " dx");
                assertArrayEquals(fd(cs, x, w, b, weights, 1), wa.getGradient().toDoubleArray(), 1e-7, st + " dw");
                assertArrayEquals(fd(cs, x, w, b, weights, 2), ba.getGradient().toDoubleArray(), 1e-7, st + " db");
            }
        }
    }

    static Stream<Arguments> gradientCases() {
        return Stream.of(
                c(1, 2, 2, v(3), v(3), v(2), v(0)),
                c(2, 3, 2, v(1, 1), v(4, 4), v(1, 1), v(0, 0)), // stride 1: a single phase (MoCoGAN's first layer)
                c(1, 2, 2, v(3, 3), v(4, 4), v(2, 2), v(1, 1)),
                c(1, 1, 2, v(2, 2, 2), v(4, 4, 4), v(2, 2, 2), v(1, 1, 1))
        ).map(Arguments::of);
    }

    static double[] fd(Case cs, double[] x, double[] w, double[] b, double[] weights, int which) {
        double[] target = which == 0 ? x : which == 1 ? w : b;
        double[] grad = new double[target.length];
        double h = 1e-5;
        for (int i = 0; i < target.length; i++) {
            double keep = target[i];
            target[i] = keep + h;
            double up = dot(reference(cs, x, w, b), weights);
            target[i] = keep - h;
            double down = dot(reference(cs, x, w, b), weights);
            target[i] = keep;
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void autoPicksTheRouteFromTheOutputChannelsAndDevice() {
        // cpu-small's layers: 64→32, 32→16, 24→64, TGAN's 1-D G_t: libtorch's own; MoCoGAN's last layer 32→1: GEMM
        assertEquals(ConvTranspose.Strategy.NATIVE, ConvTranspose.autoStrategy(Device.cpu(), 32));
        assertEquals(ConvTranspose.Strategy.NATIVE, ConvTranspose.autoStrategy(Device.cpu(), 3));
        assertEquals(ConvTranspose.Strategy.GEMM, ConvTranspose.autoStrategy(Device.cpu(), 1));
        assertEquals(ConvTranspose.Strategy.NATIVE, ConvTranspose.autoStrategy(Device.gpu(), 1));
        assertTrue(ConvTranspose.builder().channels(2, 2).kernel(4).build().toString().contains("auto"),
                "AUTO is the default");
    }

    @Test
    void blockHasPyTorchWeightLayoutShapesAndInit() {
        try (NDManager m = manager.newSubManager()) {
            ConvTranspose up = ConvTranspose.builder().dims(3).channels(4, 3).kernel(4).stride(1, 2, 2)
                    .padding(1).build();
            Shape in = new Shape(2, 4, 3, 5, 5);
            up.initialize(m, DataType.FLOAT32, in);
            assertEquals(new Shape(4, 3, 4, 4, 4), up.weight().getArray().getShape());
            assertEquals(new Shape(3), up.bias().getArray().getShape());
            float bound = (float) (1 / Math.sqrt(3 * 64));
            float maxAbs = up.weight().getArray().abs().max().getFloat();
            assertTrue(maxAbs <= bound && maxAbs > 0.5f * bound, "U(±1/√fan_in) init, max |w| = " + maxAbs);
            Shape expected = new Shape(2, 3, 4, 10, 10);
            assertEquals(expected, up.getOutputShapes(new Shape[] {in})[0]);

            SplittableRandom rng = new SplittableRandom(3);
            float[] x = new float[(int) in.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble(-1, 1);
            }
            NDArray y = up.forward(new ParameterStore(m, false), new NDList(m.create(x, in)), false)
                    .singletonOrThrow();
            assertEquals(expected, y.getShape());
            Case cs = c(2, 4, 3, v(3, 5, 5), v(4, 4, 4), v(1, 2, 2), v(1, 1, 1));
            double[] ref = reference(cs, toDouble(x), up.weight().getArray().toType(DataType.FLOAT64, false)
                    .toDoubleArray(), up.bias().getArray().toType(DataType.FLOAT64, false).toDoubleArray());
            float[] got = y.toFloatArray();
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], got[i], 1e-5, "float32 block output " + i);
            }

            ConvTranspose noBias = ConvTranspose.builder().dims(1).channels(2, 2).kernel(4).stride(2).padding(1)
                    .bias(false).build();
            noBias.initialize(m, DataType.FLOAT32, new Shape(1, 2, 8));
            assertEquals(null, noBias.bias());
            assertEquals(1, noBias.getParameters().size());
        }
        assertThrows(IllegalArgumentException.class, () -> ConvTranspose.builder().dims(2).channels(1, 1).build());
        assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose.builder().dims(2).channels(1, 1).kernel(3, 3, 3).build());
    }

    /**
     * The NATIVE route's settings tensor is made inside whatever {@link NDScope} is open at a layer's first call (a
     * training step's) and must outlive it: a second call after the scope closed gives the same values.
     */
    @Test
    void nativeSettingsOutliveTheScopeOfTheirFirstCall() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomUniform(-1, 1, new Shape(2, 3, 5), DataType.FLOAT64);
            NDArray w = m.randomUniform(-1, 1, new Shape(3, 2, 5), DataType.FLOAT64);
            int[] s = {3};
            int[] p = {2}; // a setting no other test uses, so that it is made here
            double[] first;
            try (NDScope scope = new NDScope()) {
                first = ConvTranspose.apply(x, w, null, s, p, ConvTranspose.Strategy.NATIVE).toDoubleArray();
            }
            double[] again = ConvTranspose.apply(x, w, null, s, p, ConvTranspose.Strategy.NATIVE).toDoubleArray();
            assertArrayEquals(first, again, 0);
            assertArrayEquals(ConvTranspose.apply(x, w, null, s, p, ConvTranspose.Strategy.PHASE).toDoubleArray(),
                    again, 1e-12);
        }
    }

    /**
     * The NATIVE route (a TorchScript module called through DJL) holds nothing across calls: over 200 forward and
     * backward passes of a cpu-small layer (each output 1 MiB, and its gradients) after 50 warm-up calls, the
     * manager's live arrays stay the same and the process's resident memory grows by less than 16 MiB (one output
     * kept per call would be 200 MiB). Per-call handles too small to see here: {@code ConvTransposeMemoryBench}.
     */
    @Test
    void nativeRouteKeepsMemoryFlatOverManyCalls() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomUniform(-1, 1, new Shape(16, 32, 8, 8));
            NDArray w = m.randomUniform(-1, 1, new Shape(32, 16, 4, 4));
            NDArray b = m.randomUniform(-1, 1, new Shape(16));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            int live = m.getManagedArrays().size();
            long start = 0;
            for (int i = 0; i < 250; i++) {
                if (i == 50) {
                    System.gc();
                    start = ZeroCentredGradientPenaltyTest.rssKb();
                }
                try (NDManager s = m.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = ConvTranspose.apply(x, w, b, v(2), v(1), ConvTranspose.Strategy.NATIVE);
                    y.attach(s);
                    gc.backward(y.sum());
                }
                assertEquals(live, m.getManagedArrays().size(), "live arrays after call " + i);
            }
            System.gc();
            long growth = ZeroCentredGradientPenaltyTest.rssKb() - start;
            System.out.printf("NATIVE: RSS growth %d KiB over 200 cpu-small calls with backward%n", growth);
            assertTrue(growth < 16 * 1024, "RSS grew " + growth + " KiB over 200 calls");
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}

package io.ndevid.solvers.sde;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.SolverException;
import io.ndevid.solvers.VectorField;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SdeintTest {

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

    private static double[] grid(double a, double b, int intervals) {
        double[] x = new double[intervals + 1];
        for (int i = 0; i <= intervals; i++) {
            x[i] = i == intervals ? b : a + (b - a) * i / intervals;
        }
        return x;
    }

    private static double[][] solveRows(Sde sde, NDArray y0, double[] ts, SdeOptions o) {
        try (NDArray ys = Sdeint.solve(sde, y0, ts, o)) {
            assertEquals(ts.length, ys.getShape().get(0));
            assertEquals(y0.getShape(), ys.getShape().slice(1));
            double[] flat = ys.toType(DataType.FLOAT64, false).toDoubleArray();
            int n = (int) y0.getShape().size();
            double[][] rows = new double[ts.length][n];
            for (int i = 0; i < ts.length; i++) {
                System.arraycopy(flat, i * n, rows[i], 0, n);
            }
            return rows;
        }
    }

    private static double meanAbsDiff(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    /**
     * With a dyadic dt and dyadic frame times, the 2× frame-rate rendering steps on exactly the same grid with the
     * same Brownian increments, so it passes through bit-identical values at the original frame times.
     */
    @Test
    void doubleFrameRateWithDyadicStepsIsIdenticalAtSharedFrames() {
        try (NDManager m = manager.newSubManager()) {
            Sde sde = new SinhSde(1.0, SdeType.ITO, false);
            NDArray y0 = m.randomUniform(-1, 1, new Shape(64, 2), DataType.FLOAT64);
            SdeOptions o = SdeOptions.builder().method(SdeMethod.MILSTEIN).dt(1.0 / 64).seed(7).build();
            double[][] coarse = solveRows(sde, y0, grid(0, 1, 16), o);
            double[][] fine = solveRows(sde, y0, grid(0, 1, 32), o);
            for (int k = 0; k < coarse.length; k++) {
                assertArrayEquals(coarse[k], fine[2 * k], 0.0, "frame " + k);
            }
        }
    }

    /**
     * With the paper's dt = 0.025 and frames every 1/16, the coarse rendering takes 3 steps per frame and the 2×
     * one 2 steps per half frame: different grids over the same Brownian path. At the shared frames they must agree
     * to within the solver's error, i.e. far closer to each other than to a rendering with another seed, and each
     * close to the exact solution on that path.
     */
    @Test
    void doubleFrameRateWithThePapersDtAgreesWithinSolverError() {
        int paths = 512;
        try (NDManager m = manager.newSubManager()) {
            Gbm gbm = Gbm.ito(0.5, 1.0, false);
            NDArray y0 = m.ones(new Shape(paths), DataType.FLOAT64);
            double[] coarseTs = grid(0, 1, 16);
            BrownianInterval bm = BrownianInterval.builder().manager(m).seed(11).shape(new Shape(paths))
                    .dataType(DataType.FLOAT64).span(0, 1).build();
            SdeOptions o = SdeOptions.builder().method(SdeMethod.MILSTEIN).brownian(bm).build();
            assertEquals(0.025, o.dt());
            double[][] coarse = solveRows(gbm, y0, coarseTs, o);
            double[][] fine = solveRows(gbm, y0, grid(0, 1, 32), o);
            double[][] otherSeed = solveRows(gbm, y0, coarseTs, o.toBuilder().seed(12).build());
            double worstMutual = 0;
            double worstExact = 0;
            double closestOther = Double.POSITIVE_INFINITY;
            for (int k = 1; k < coarse.length; k++) {
                double[] w = bm.incrementValues(0, coarseTs[k]);
                double[] exact = new double[paths];
                for (int i = 0; i < paths; i++) {
                    exact[i] = gbm.exact(1.0, bm.snap(coarseTs[k]), w[i]);
                }
                worstMutual = Math.max(worstMutual, meanAbsDiff(coarse[k], fine[2 * k]));
                worstExact = Math.max(worstExact, Math.max(meanAbsDiff(coarse[k], exact),
                        meanAbsDiff(fine[2 * k], exact)));
                closestOther = Math.min(closestOther, meanAbsDiff(coarse[k], otherSeed[k]));
            }
            System.out.printf(Locale.ROOT, "dt=0.025 milstein, frames 1/16 vs 1/32: worst mean |coarse - fine| = %.3e,"
                    + " worst mean |render - exact| = %.3e, closest mean |seed 11 - seed 12| = %.3e%n",
                    worstMutual, worstExact, closestOther);
            // Measured: mutual 1.1e-2, to exact 1.9e-2, other seed 2.8e-1 (Milstein's error at dt = 0.025 on this
            // GBM is about 0.8·dt, from the strong-order test).
            assertTrue(worstExact < 0.04, "each rendering is within Milstein's error of the exact path");
            assertTrue(worstMutual <= worstExact, "renderings differ from each other no more than from the truth");
            assertTrue(closestOther > 10 * worstMutual, "the same seed gives the same path, another seed does not");
        }
    }

    /** The path hangs on absolute time: rendering further keeps the frames already rendered, bit for bit. */
    @Test
    void longerRenderingExtendsTheShorterOne() {
        try (NDManager m = manager.newSubManager()) {
            Sde sde = new SinhSde(0.8, SdeType.STRATONOVICH, false);
            NDArray y0 = m.zeros(new Shape(5, 3), DataType.FLOAT32);
            SdeOptions o = SdeOptions.builder().seed(99).build();
            double[][] shortRun = solveRows(sde, y0, grid(-0.5, 0.5, 10), o);
            double[][] longRun = solveRows(sde, y0, grid(-0.5, 1.5, 20), o);
            for (int k = 0; k < shortRun.length; k++) {
                assertArrayEquals(shortRun[k], longRun[k], 0.0, "frame " + k);
            }
            double[][] otherSeed = solveRows(sde, y0, grid(-0.5, 0.5, 10), o.toBuilder().seed(100).build());
            assertTrue(meanAbsDiff(shortRun[10], otherSeed[10]) > 0.1);
        }
    }

    @Test
    void startsBelowZeroAndTracksTheExactSolution() {
        int paths = 256;
        try (NDManager m = manager.newSubManager()) {
            Gbm gbm = Gbm.ito(0.3, 0.5, true);
            double[] ts = {-0.75, -0.25, 0.5};
            BrownianInterval bm = BrownianInterval.builder().manager(m).seed(3).shape(new Shape(paths))
                    .dataType(DataType.FLOAT64).span(-0.75, 0.5).build();
            NDArray y0 = m.full(new Shape(paths), 2f, DataType.FLOAT64);
            double[][] ys = solveRows(gbm, y0,
                    ts, SdeOptions.builder().method("milstein").dt(1.0 / 256).brownian(bm).build());
            double[] w = bm.incrementValues(-0.75, 0.5);
            double[] exact = new double[paths];
            for (int i = 0; i < paths; i++) {
                exact[i] = gbm.exact(2.0, 1.25, w[i]);
            }
            assertTrue(meanAbsDiff(ys[2], exact) < 0.01, "mean error " + meanAbsDiff(ys[2], exact));
        }
    }

    @Test
    void float32AndFloat64SolveTheSamePathAndTheNdArrayTimesOverload() {
        try (NDManager m = manager.newSubManager()) {
            Gbm gbm = Gbm.ito(0.5, 0.4, false);
            SdeOptions o = SdeOptions.builder().method(SdeMethod.MILSTEIN).seed(5).build();
            NDArray ts = m.create(new float[] {0, 0.25f, 0.5f, 1});
            NDArray y32 = m.ones(new Shape(16, 4), DataType.FLOAT32);
            NDArray y64 = m.ones(new Shape(16, 4), DataType.FLOAT64);
            try (NDArray r32 = Sdeint.solve(gbm, y32, ts, o); NDArray r64 = Sdeint.solve(gbm, y64, ts, o)) {
                assertEquals(DataType.FLOAT32, r32.getDataType());
                assertEquals(new Shape(4, 16, 4), r32.getShape());
                double[] a = r32.toType(DataType.FLOAT64, false).toDoubleArray();
                double[] b = r64.toDoubleArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(b[i], a[i], 1e-5 * Math.max(1, Math.abs(b[i])), "element " + i);
                }
            }
        }
    }

    @Test
    void singleTimeReturnsY0AndDefaultsFollowTheSdeType() {
        try (NDManager m = manager.newSubManager()) {
            NDArray y0 = m.create(new double[] {1, 2, 3});
            try (NDArray ys = Sdeint.solve(Gbm.ito(0, 1, false), y0, new double[] {0.3},
                    SdeOptions.builder().seed(1).build())) {
                assertEquals(new Shape(1, 3), ys.getShape());
                assertArrayEquals(new double[] {1, 2, 3}, ys.toDoubleArray(), 0.0);
            }
            assertEquals(SdeMethod.EULER, SdeOptions.builder().seed(1).build().methodFor(SdeType.ITO));
            assertEquals(SdeMethod.HEUN, SdeOptions.builder().seed(1).build().methodFor(SdeType.STRATONOVICH));
            try (NDArray ys = Sdeint.solve(Gbm.stratonovich(0, 1), y0, new double[] {0, 1},
                    SdeOptions.builder().seed(1).build())) {
                assertEquals(new Shape(2, 3), ys.getShape());
            }
            assertEquals(4, Sdeint.stepsIn(0.1, 0.025));
            assertEquals(3, Sdeint.stepsIn(1.0 / 16, 0.025));
            assertEquals(2, Sdeint.stepsIn(0.3 - 0.2, 0.05));
            assertEquals(1, Sdeint.stepsIn(1e-9, 0.025));
        }
    }

    /**
     * A long forward-only run keeps no step's intermediates: the arrays alive under y0's manager (counted from
     * inside the drift, so including the current step) are the same at step 10 and at step 2990, and afterwards
     * only the result remains; the parameter's manager gains nothing.
     */
    @Test
    void longForwardRunsDoNotAccumulateArrays() {
        try (NDManager m = manager.newSubManager(); NDManager params = manager.newSubManager()) {
            NDArray w = params.create(new float[] {-0.5f, 0.1f, 0f, -0.5f}, new Shape(2, 2));
            NDArray sigma = params.create(new float[] {0.2f, 0.3f});
            List<Integer> counts = new ArrayList<>();
            VectorField drift = new VectorField() {
                @Override
                public NDArray eval(NDArray t, NDArray y) {
                    counts.add(m.getManagedArrays().size());
                    return y.matMul(w);
                }

                @Override
                public List<NDArray> parameters() {
                    return List.of(w);
                }
            };
            VectorField diffusion = (t, y) -> y.tanh().mul(sigma);
            Sde sde = Sde.of(SdeType.ITO, drift, diffusion);
            assertEquals(List.of(w), sde.parameters());
            NDArray y0 = m.ones(new Shape(8, 2), DataType.FLOAT32);
            int before = m.getManagedArrays().size();
            int paramsBefore = params.getManagedArrays().size();
            try (NDArray ys = Sdeint.solve(sde, y0, new double[] {0, 30},
                    SdeOptions.builder().dt(0.01).seed(1).build())) {
                assertEquals(3000, counts.size());
                assertEquals(counts.get(10), counts.get(2990), "arrays alive at step 10 vs step 2990");
                assertEquals(before + 1, m.getManagedArrays().size(), "only the result is left");
                assertEquals(paramsBefore, params.getManagedArrays().size());
                assertTrue(Double.isFinite(ys.get(1).sum().getFloat()));
            }
        }
    }

    @Test
    void methodsRefuseSdesOfTheOtherCalculus() {
        try (NDManager m = manager.newSubManager()) {
            NDArray y0 = m.ones(new Shape(2), DataType.FLOAT64);
            double[] ts = {0, 1};
            var e = assertThrows(IllegalArgumentException.class, () -> Sdeint.solve(Gbm.ito(0, 1, false), y0, ts,
                    SdeOptions.builder().method(SdeMethod.HEUN).seed(1).build()));
            assertTrue(e.getMessage().contains("'heun' solves Stratonovich") && e.getMessage().contains("is Itô")
                    && e.getMessage().contains("euler, milstein"), e.getMessage());
            for (SdeMethod ito : new SdeMethod[] {SdeMethod.EULER, SdeMethod.MILSTEIN}) {
                e = assertThrows(IllegalArgumentException.class, () -> Sdeint.solve(Gbm.stratonovich(0, 1), y0, ts,
                        SdeOptions.builder().method(ito).seed(1).build()));
                assertTrue(e.getMessage().contains("is Stratonovich") && e.getMessage().contains("use heun"),
                        e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> SdeMethod.parse("srk"));
            assertEquals(SdeMethod.MILSTEIN, SdeMethod.parse(" Milstein "));
        }
    }

    @Test
    void badInputIsRefusedWithItsReason() {
        try (NDManager m = manager.newSubManager()) {
            Gbm gbm = Gbm.ito(0, 1, false);
            NDArray y0 = m.ones(new Shape(3), DataType.FLOAT64);
            SdeOptions o = SdeOptions.builder().seed(1).build();
            assertMessage("ts is empty", () -> Sdeint.solve(gbm, y0, new double[0], o));
            assertMessage("strictly increasing", () -> Sdeint.solve(gbm, y0, new double[] {0, 0.5, 0.4}, o));
            assertMessage("strictly increasing", () -> Sdeint.solve(gbm, y0, new double[] {1, 0}, o));
            assertMessage("not finite", () -> Sdeint.solve(gbm, y0, new double[] {0, Double.NaN}, o));
            assertMessage("dt must be", () -> SdeOptions.builder().seed(1).dt(0).build());
            assertMessage("dt must be", () -> SdeOptions.builder().seed(1).dt(-0.1).build());
            assertMessage("seed(...) or brownian(...)", () -> SdeOptions.builder().build());
            assertMessage("1-D", () -> Sdeint.solve(gbm, y0, m.zeros(new Shape(2, 2)), o));

            Sde wrongDrift = Sde.of(SdeType.ITO, (t, y) -> y.reshape(3, 1), (t, y) -> y);
            assertMessage("drift returned shape (3, 1) at t=0.0 but y has shape (3)",
                    () -> Sdeint.solve(wrongDrift, y0, new double[] {0, 1}, o));
            Sde wrongDiffusion = Sde.of(SdeType.ITO, (t, y) -> y, (t, y) -> t);
            assertMessage("diffusion returned shape ()", () -> Sdeint.solve(wrongDiffusion, y0, new double[] {0, 1},
                    o));

            BrownianInterval shortPath = BrownianInterval.of(m, 1, new Shape(3), DataType.FLOAT64, 0, 0.5);
            assertMessage("spans [0.0, 0.5] but ts runs over [0.0, 1.0]", () -> Sdeint.solve(gbm, y0,
                    new double[] {0, 1}, SdeOptions.builder().brownian(shortPath).build()));
            BrownianInterval wrongShape = BrownianInterval.of(m, 1, new Shape(4), DataType.FLOAT64, 0, 1);
            assertMessage("shape (4)", () -> Sdeint.solve(gbm, y0, new double[] {0, 1},
                    SdeOptions.builder().brownian(wrongShape).build()));
            BrownianInterval wrongType = BrownianInterval.of(m, 1, new Shape(3), DataType.FLOAT32, 0, 1);
            assertMessage("float32", () -> Sdeint.solve(gbm, y0, new double[] {0, 1},
                    SdeOptions.builder().brownian(wrongType).build()));
        }
    }

    /**
     * The solver draws the increments of many steps at once (one tensor per block of steps); they must be each step's
     * own W(t) − W(s), in order, across block boundaries. With μ = 0 and σ = 1, Euler's state is y0 plus the running
     * sum of the increments, so the result must equal that sum made on the JVM in float32, bit for bit — here over
     * 1,100 steps of 1,024 motions (1.1 M values: two blocks), with non-dyadic steps (1/30) and uneven intervals.
     */
    @Test
    void incrementsDrawnInBlocksAreEachStepsOwn() {
        try (NDManager m = manager.newSubManager()) {
            int size = 1024;
            Sde pureNoise = Sde.of(SdeType.ITO, (t, y) -> y.zerosLike(), (t, y) -> y.onesLike());
            NDArray y0 = m.zeros(new Shape(size), DataType.FLOAT32);
            double[] ts = {0, 0.1, 7.3, 36.6};
            double dt = 1.0 / 30;
            BrownianInterval bm = BrownianInterval.of(m, 5, new Shape(size), DataType.FLOAT32, 0, 36.6);
            SdeOptions o = SdeOptions.builder().method(SdeMethod.EULER).dt(dt).brownian(bm).build();
            Sdeint.StepGrid grid = Sdeint.StepGrid.of(ts, dt);
            assertTrue((long) grid.steps() * size > Sdeint.NoiseBlock.MAX_BLOCK_ELEMENTS, "crosses a block");
            float[] expected = new float[size];
            List<float[]> rows = new ArrayList<>();
            rows.add(expected.clone());
            int k = 0;
            for (int i = 1; i < ts.length; i++) {
                for (int j = 0; j < grid.stepsIn(i - 1); j++, k++) {
                    double[] dw = bm.incrementValues(grid.start(k), grid.end(k));
                    for (int e = 0; e < size; e++) {
                        expected[e] += (float) dw[e];
                    }
                }
                rows.add(expected.clone());
            }
            assertEquals(grid.steps(), k);
            try (NDArray ys = Sdeint.solve(pureNoise, y0, ts, o)) {
                for (int i = 0; i < ts.length; i++) {
                    assertArrayEquals(rows.get(i), ys.get(i).toFloatArray(), "output " + i);
                }
            }
        }
    }

    @Test
    void nonFiniteStatesStopTheSolverAndSayWhen() {
        try (NDManager m = manager.newSubManager()) {
            // y' = y² from y = 1 blows up at t = 1; Euler's iterates overflow soon after.
            Sde blowUp = Sde.of(SdeType.ITO, (t, y) -> y.square(), (t, y) -> y.zerosLike());
            NDArray y0 = m.ones(new Shape(2), DataType.FLOAT32);
            // (float32 overflows at step 111, t = 1.11: the first non-finite output is t = 1.5.)
            SolverException e = assertThrows(SolverException.class, () -> Sdeint.solve(blowUp, y0,
                    new double[] {0, 0.5, 1, 1.5, 2, 5}, SdeOptions.builder().dt(0.01).seed(1).build()));
            assertEquals(1.5, e.t(), e.getMessage());
            assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains("from t=1.0"),
                    e.getMessage());

            NDArray nanY0 = m.create(new double[] {1, Double.NaN});
            e = assertThrows(SolverException.class, () -> Sdeint.solve(Gbm.ito(0, 1, false), nanY0,
                    new double[] {-1, 0}, SdeOptions.builder().seed(1).build()));
            assertEquals(-1, e.t());
            assertTrue(e.getMessage().contains("y0 is not finite"), e.getMessage());
        }
    }

    /**
     * The finiteness check runs once per solve, on the outputs: a drift or diffusion that returns a non-finite value
     * at a single step mid-solve (finite ever after) still stops the solve with the output interval where it happened,
     * for every method (each step is y + increment, so the state stays non-finite).
     */
    @Test
    void aNonFiniteValueOnceMidSolveIsStillStopped() {
        for (SdeMethod method : new SdeMethod[] {SdeMethod.EULER, SdeMethod.MILSTEIN, SdeMethod.HEUN}) {
            SdeType type = method == SdeMethod.HEUN ? SdeType.STRATONOVICH : SdeType.ITO;
            for (boolean inDiffusion : new boolean[] {false, true}) {
                for (double poison : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
                    boolean[] fired = {false};
                    VectorField poisoned = (t, y) -> {
                        if (!fired[0] && t.getFloat() >= 0.3f) {
                            fired[0] = true;
                            return y.mul(poison);
                        }
                        return y.mul(0.5);
                    };
                    VectorField plain = (t, y) -> y.mul(0.5);
                    Sde sde = inDiffusion ? Sde.of(type, plain, poisoned) : Sde.of(type, poisoned, plain);
                    try (NDManager m = manager.newSubManager()) {
                        NDArray y0 = m.ones(new Shape(3), DataType.FLOAT32);
                        String what = method + (inDiffusion ? " diffusion " : " drift ") + poison;
                        SolverException e = assertThrows(SolverException.class, () -> Sdeint.solve(sde, y0,
                                new double[] {0, 0.25, 0.5, 1}, SdeOptions.builder().method(method).dt(0.05)
                                        .seed(3).build()), what);
                        assertTrue(fired[0], what);
                        assertEquals(0.5, e.t(), what + ": " + e.getMessage());
                        assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains("from t=0.25"),
                                what + ": " + e.getMessage());
                        assertEquals(20, e.steps(), what + ": the solve ran to its end before the one check");
                    }
                }
            }
        }
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}

package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each method against analytic solutions: decay, oscillators (both forms), order 3, backwards in time. */
class OdeAccuracyTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = Problems.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    /** Tolerances per method at h = 0.05 on [0, 2] (float64), a few times the method's own truncation error. */
    private static double tolerance(Method method) {
        return switch (method) {
            case EULER -> 4e-2;
            case MIDPOINT, HEUN, ADAPTIVE_HEUN -> 2e-3;
            case BOSH3 -> 1e-5;
            case RK4, RK4_38 -> 1e-6;
            case DOPRI5 -> 1e-7;
        };
    }

    private static OdeOptions options(Method method) {
        // A first-order pair at rtol 1e-8 would need ~10^4 steps: give it tolerances of its own class.
        double rtol = method == Method.ADAPTIVE_HEUN ? 1e-6 : 1e-8;
        return OdeOptions.builder().method(method).stepSize(0.05).rtol(rtol).atol(rtol * 1e-2).build();
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void exponentialDecay(Method method) {
        try (NDManager s = m.newSubManager()) {
            NDArray ts = Problems.linspace(s, 0, 2, 9);
            NDArray y0 = s.create(new double[] {1.0, -3.0});
            NDArray ys = Odeint.solve(Problems.DECAY, y0, ts, options(method));
            assertEquals(new Shape(9, 2), ys.getShape());
            double[] exact = new double[18];
            for (int i = 0; i < 9; i++) {
                double t = 2.0 * i / 8;
                exact[2 * i] = Math.exp(-t);
                exact[2 * i + 1] = -3 * Math.exp(-t);
            }
            double err = Problems.maxAbsDiff(ys, exact);
            assertTrue(err < tolerance(method), method + " error " + err);
            assertTrue(err > 0 || method == Method.DOPRI5, "a discretised solution is not exact");
        }
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void harmonicOscillatorFirstOrderForm(Method method) {
        try (NDManager s = m.newSubManager()) {
            NDArray ts = Problems.linspace(s, 0, 2, 5);
            NDArray y0 = s.create(new double[] {1.0, 0.0}).reshape(1, 2);
            NDArray ys = Odeint.solve(Problems.OSCILLATOR, y0, ts, options(method));
            double[] exact = new double[10];
            for (int i = 0; i < 5; i++) {
                double t = 2.0 * i / 4;
                exact[2 * i] = Math.cos(t);
                exact[2 * i + 1] = -Math.sin(t);
            }
            double err = Problems.maxAbsDiff(ys, exact);
            assertTrue(err < tolerance(method) * 2, method + " error " + err);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"RK4", "DOPRI5", "MIDPOINT"})
    void harmonicOscillatorOrderTwoForm(Method method) {
        try (NDManager s = m.newSubManager()) {
            NDArray ts = Problems.linspace(s, 0, 2, 5);
            // z'' = −z with z(0)=1, z'(0)=0 → cos t; the state stacks (z, z').
            NDArray y0 = s.create(new double[] {1.0, 0.0}).reshape(2, 1);
            VectorField f = (t, y) -> y.get(0).neg();
            NDArray zs = Odeint.solve(f, y0, ts, options(method).toBuilder().order(2).build());
            assertEquals(new Shape(5, 1), zs.getShape());
            double[] exact = new double[5];
            for (int i = 0; i < 5; i++) {
                exact[i] = Math.cos(2.0 * i / 4);
            }
            double err = Problems.maxAbsDiff(zs, exact);
            assertTrue(err < tolerance(method) * 2, method + " error " + err);
        }
    }

    @Test
    void orderThreeLinearOdes() {
        try (NDManager s = m.newSubManager()) {
            NDArray ts = Problems.linspace(s, 0, 1.5, 7);
            OdeOptions o = OdeOptions.builder().method(Method.RK4).stepSize(0.01).order(3).build();
            // z''' = −z with (1, −1, 1) → exp(−t); z''' = −z' with (1, 0, −1) → cos t. Two columns, one call.
            NDArray y0 = s.create(new double[] {1, 1, -1, 0, 1, -1}).reshape(3, 2);
            VectorField f = (t, y) -> {
                NDArray z = y.get(0);
                NDArray dz = y.get(1);
                return z.get("0:1").neg().concat(dz.get("1:2").neg(), 0);
            };
            NDArray zs = Odeint.solve(f, y0, ts, o);
            assertEquals(new Shape(7, 2), zs.getShape());
            double[] exact = new double[14];
            for (int i = 0; i < 7; i++) {
                double t = 1.5 * i / 6;
                exact[2 * i] = Math.exp(-t);
                exact[2 * i + 1] = Math.cos(t);
            }
            double err = Problems.maxAbsDiff(zs, exact);
            assertTrue(err < 1e-9, "order-3 error " + err);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"RK4", "DOPRI5", "BOSH3", "EULER"})
    void backwardsInTimeIncludingNegativeTimes(Method method) {
        try (NDManager s = m.newSubManager()) {
            // From y(1) = e^{-1}, integrate y' = −y back to t = −0.5: y(t) = e^{-t}.
            NDArray ts = s.create(new double[] {1.0, 0.5, 0.0, -0.5});
            NDArray y0 = s.create(new double[] {Math.exp(-1)});
            NDArray ys = Odeint.solve(Problems.DECAY, y0, ts, options(method).toBuilder().stepSize(0.01).build());
            double[] exact = {Math.exp(-1), Math.exp(-0.5), 1.0, Math.exp(0.5)};
            double err = Problems.maxAbsDiff(ys, exact);
            assertTrue(err < tolerance(method), method + " backwards error " + err);
        }
    }

    @Test
    void float32Works() {
        try (NDManager s = m.newSubManager()) {
            NDArray ts = Problems.linspace(s, 0, 1, 5).toType(DataType.FLOAT32, false);
            NDArray y0 = s.ones(new Shape(4, 3), DataType.FLOAT32);
            NDArray ys = Odeint.solve(Problems.DECAY, y0, ts, OdeOptions.defaults());
            assertEquals(DataType.FLOAT32, ys.getDataType());
            assertEquals(new Shape(5, 4, 3), ys.getShape());
            assertEquals(Math.exp(-1), ys.get(4).toType(DataType.FLOAT64, false).toDoubleArray()[0], 5e-5);
        }
    }

    @Test
    void singleTimeReturnsY0() {
        try (NDManager s = m.newSubManager()) {
            NDArray y0 = s.create(new double[] {2.0, 3.0});
            NDArray ys = Odeint.solve(Problems.DECAY, y0, s.create(new double[] {0.3}), OdeOptions.defaults());
            assertEquals(new Shape(1, 2), ys.getShape());
            assertEquals(2.0, ys.toDoubleArray()[0]);
        }
    }

    @Test
    void badInputsGiveClearErrors() {
        try (NDManager s = m.newSubManager()) {
            NDArray y0 = s.create(new double[] {1.0});
            var e1 = assertThrows(IllegalArgumentException.class, () -> Odeint.solve(Problems.DECAY, y0,
                    s.create(new double[] {0, 1, 0.5}), OdeOptions.defaults()));
            assertTrue(e1.getMessage().contains("strictly"), e1.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> Odeint.solve((t, y) -> y.concat(y),
                    y0, s.create(new double[] {0, 1}), OdeOptions.defaults()));
            assertTrue(e2.getMessage().contains("shape"), e2.getMessage());
            var e3 = assertThrows(IllegalArgumentException.class, () -> Odeint.solve(Problems.DECAY, y0,
                    s.create(new double[] {0, 1}), OdeOptions.builder().order(2).build()));
            assertTrue(e3.getMessage().contains("leading axis of size 2"), e3.getMessage());
            assertThrows(IllegalArgumentException.class, () -> OdeOptions.builder().stepSize(-1).build());
            var e4 = assertThrows(IllegalArgumentException.class, () -> Method.parse("rk5"));
            assertTrue(e4.getMessage().contains("dopri5"), e4.getMessage());
            var e5 = assertThrows(SolverException.class, () -> Odeint.solve((t, y) -> y.mul(y),
                    s.create(new double[] {1.0}), s.create(new double[] {0, 2}),
                    OdeOptions.builder().stepSize(0.1).build()));
            assertTrue(e5.getMessage().contains("non-finite"), e5.getMessage());
        }
    }

    /**
     * A field that says it does not read t ({@link VectorField#readsTime}) gets one NaN placeholder for every stage
     * of a fixed-step solve instead of a tensor per stage: an autonomous field's states are bit-identical to those
     * of the same field saying it reads t, and a field that reads the placeholder anyway is stopped as non-finite.
     */
    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"EULER", "MIDPOINT", "RK4", "RK4_38"})
    void fieldsThatIgnoreTimeGetAPlaceholder(Method method) {
        VectorField ignoresTime = sayingItIgnoresTime(Problems.DECAY);
        VectorField liar = sayingItIgnoresTime(Problems.GAUSS);
        try (NDManager s = m.newSubManager()) {
            NDArray ts = Problems.linspace(s, 0, 2, 9);
            NDArray y0 = s.create(new float[] {1f, -3f});
            OdeOptions o = OdeOptions.builder().method(method).stepSize(0.05).build();
            float[] reading = Odeint.solve(Problems.DECAY, y0, ts, o).toFloatArray();
            float[] ignoring = Odeint.solve(ignoresTime, y0, ts, o).toFloatArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(reading, ignoring);
            SolverException e = assertThrows(SolverException.class, () -> Odeint.solve(liar, y0, ts, o));
            assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        }
    }

    /**
     * The fixed-step solvers check finiteness once per solve, on the outputs: a field that returns a non-finite value
     * at one stage of one step mid-solve (and finite values ever after) is still stopped, and the error names the
     * output interval where it happened (NaN and ±Inf alike: the state stays non-finite once it is).
     */
    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"EULER", "MIDPOINT", "HEUN", "RK4", "RK4_38"})
    void aFieldGoingNonFiniteOnceMidSolveIsStoppedWithTheInterval(Method method) {
        for (double poison : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            boolean[] fired = {false};
            VectorField once = (t, y) -> {
                if (!fired[0] && t.getDouble() >= 0.6) {
                    fired[0] = true;
                    return y.mul(Scalars.of(y, poison));
                }
                return y.neg();
            };
            try (NDManager s = m.newSubManager()) {
                NDArray ts = s.create(new double[] {0, 0.25, 0.5, 0.75, 1.0});
                NDArray y0 = s.create(new double[] {1.0, -3.0});
                OdeOptions o = OdeOptions.builder().method(method).stepSize(0.05).build();
                SolverException e = assertThrows(SolverException.class, () -> Odeint.solve(once, y0, ts, o));
                assertTrue(fired[0]);
                assertEquals(0.75, e.t(), e.getMessage());
                assertEquals(0.05, e.dt(), 1e-12, e.getMessage());
                assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains("from t=0.5"),
                        e.getMessage());
                assertEquals(20, e.steps(), "the solve ran to its end before the one check");

                NDArray nanY0 = s.create(new double[] {1.0, Double.NaN});
                SolverException e0 = assertThrows(SolverException.class,
                        () -> Odeint.solve(Problems.DECAY, nanY0, ts, o));
                assertTrue(e0.getMessage().contains("y0 is not finite"), e0.getMessage());
                assertEquals(0, e0.t());
            }
        }
    }

    private static VectorField sayingItIgnoresTime(VectorField f) {
        return new VectorField() {
            @Override
            public NDArray eval(NDArray t, NDArray y) {
                return f.eval(t, y);
            }

            @Override
            public boolean readsTime() {
                return false;
            }
        };
    }
}

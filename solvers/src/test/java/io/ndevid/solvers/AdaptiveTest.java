package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adaptive pairs: tolerance proportionality, work accounting, dense output, diagnostics on failure. */
class AdaptiveTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = Problems.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    private static double[] oscillatorExact(double[] ts) {
        double[] e = new double[2 * ts.length];
        for (int i = 0; i < ts.length; i++) {
            e[2 * i] = Math.cos(ts[i]);
            e[2 * i + 1] = -Math.sin(ts[i]);
        }
        return e;
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"DOPRI5", "BOSH3", "ADAPTIVE_HEUN"})
    void errorShrinksWithRtolAndWorkIsReported(Method method) {
        double[] times = new double[21];
        for (int i = 0; i < times.length; i++) {
            times[i] = 10.0 * i / 20; // many outputs inside steps: exercises dense output
        }
        double prevErr = Double.POSITIVE_INFINITY;
        long prevNfe = 0;
        for (double rtol : new double[] {1e-3, 1e-5, 1e-7}) {
            try (NDManager s = m.newSubManager()) {
                OdeResult r = Odeint.integrate(Problems.OSCILLATOR, s.create(new double[] {1, 0}).reshape(1, 2),
                        s.create(times), OdeOptions.builder().method(method).rtol(rtol).atol(rtol * 1e-2)
                                .maxSteps(200_000).build());
                double err = Problems.maxAbsDiff(r.ys(), oscillatorExact(times));
                assertTrue(err < prevErr, method + " rtol " + rtol + ": error " + err + " not below " + prevErr);
                assertTrue(err < 200 * rtol, method + " rtol " + rtol + ": error " + err);
                assertTrue(r.nfe() > prevNfe, "tighter tolerance must cost more evaluations");
                // Work accounting: f0, one more for the initial step, then (stages − FSAL) per attempted step (+1 per
                // accepted step for non-FSAL pairs, whose end-point slope is evaluated once).
                ButcherTableau tab = method.tableau();
                long attempts = r.acceptedSteps() + r.rejectedSteps();
                long expected = 1 + 1 + attempts * (tab.stages() - 1) + (tab.fsal() ? 0 : r.acceptedSteps());
                assertEquals(expected, r.nfe(), "nfe accounting");
                prevErr = err;
                prevNfe = r.nfe();
            }
        }
    }

    @Test
    void dopri5DenseOutputIsAccurateInsideLongSteps() {
        try (NDManager s = m.newSubManager()) {
            double[] times = new double[101];
            for (int i = 0; i < times.length; i++) {
                times[i] = 2.0 * i / 100;
            }
            OdeResult r = Odeint.integrate(Problems.DECAY, s.create(new double[] {1.0}), s.create(times),
                    OdeOptions.builder().method(Method.DOPRI5).rtol(1e-6).atol(1e-9).build());
            assertTrue(r.acceptedSteps() < 30, "steps are much longer than the output spacing: " + r.acceptedSteps());
            double[] exact = new double[times.length];
            for (int i = 0; i < times.length; i++) {
                exact[i] = Math.exp(-times[i]);
            }
            double err = Problems.maxAbsDiff(r.ys(), exact);
            assertTrue(err < 1e-5, "dense output error " + err);
        }
    }

    @Test
    void maxStepsSaysWhereAndWhy() {
        try (NDManager s = m.newSubManager()) {
            SolverException e = assertThrows(SolverException.class, () -> Odeint.solve(Problems.OSCILLATOR,
                    s.create(new double[] {1, 0}).reshape(1, 2), s.create(new double[] {0, 100}),
                    OdeOptions.builder().method(Method.DOPRI5).rtol(1e-10).atol(1e-12).maxSteps(50).build()));
            assertTrue(e.getMessage().contains("maxSteps=50"), e.getMessage());
            assertTrue(e.getMessage().contains("t="), e.getMessage());
            assertTrue(e.getMessage().contains("dt="), e.getMessage());
            assertTrue(e.t() > 0 && e.t() < 100, "stopped inside the span: " + e.t());
            assertEquals(50, e.steps());
        }
    }

    @Test
    void blowUpIsReportedNotLooped() {
        try (NDManager s = m.newSubManager()) {
            // y' = y², y(0)=1 blows up at t=1.
            SolverException e = assertThrows(SolverException.class, () -> Odeint.solve((t, y) -> y.mul(y),
                    s.create(new double[] {1.0}), s.create(new double[] {0, 2}),
                    OdeOptions.builder().method(Method.DOPRI5).maxSteps(100_000).build()));
            assertTrue(e.t() > 0.9 && e.t() < 1.0 + 1e-6, "stopped near the singularity: " + e.getMessage());
        }
    }

    @Test
    void adaptiveBackwardsInTime() {
        try (NDManager s = m.newSubManager()) {
            NDArray ys = Odeint.solve(Problems.DECAY, s.create(new double[] {1.0}),
                    s.create(new double[] {0, -1, -2}), OdeOptions.builder().method(Method.DOPRI5).build());
            double err = Problems.maxAbsDiff(ys, new double[] {1, Math.E, Math.exp(2)});
            assertTrue(err < 1e-5, "error " + err);
        }
    }
}

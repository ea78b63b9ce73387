package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The slope of log(error) against log(step) is each fixed method's order, within ±0.2. */
class ConvergenceOrderTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = Problems.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    @ParameterizedTest
    @CsvSource({"euler,1", "midpoint,2", "heun,2", "rk4,4", "rk4_38,4"})
    void slopeMatchesOrder(String method, int order) {
        double[] hs = {0.1, 0.05, 0.025, 0.0125};
        double[] errs = new double[hs.length];
        for (int i = 0; i < hs.length; i++) {
            try (NDManager s = m.newSubManager()) {
                NDArray ys = Odeint.solve(Problems.GAUSS, s.create(new double[] {1.0}),
                        s.create(new double[] {0.0, 1.5}), OdeOptions.builder().method(method).stepSize(hs[i]).build());
                errs[i] = Math.abs(ys.toDoubleArray()[1] - Math.exp(-1.5 * 1.5));
            }
        }
        double slope = slope(hs, errs);
        assertEquals(order, slope, 0.2, method + ": errors " + java.util.Arrays.toString(errs));
    }

    /** Least-squares slope of log(err) on log(h). */
    static double slope(double[] hs, double[] errs) {
        int n = hs.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += Math.log(hs[i]) / n;
            my += Math.log(errs[i]) / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = Math.log(hs[i]) - mx;
            sxy += dx * (Math.log(errs[i]) - my);
            sxx += dx * dx;
        }
        return sxy / sxx;
    }
}

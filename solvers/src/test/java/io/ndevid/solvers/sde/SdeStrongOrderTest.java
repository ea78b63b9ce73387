package io.ndevid.solvers.sde;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Strong convergence on geometric Brownian motion and on the nonlinear {@link SinhSde}, whose exact solutions are
 * known on the very Brownian path the solver uses: E|Y_T − Ŷ_T| over many paths in one float64 batch, for dt = 2^-3 … 2^-9, and the least-squares slope
 * of log error against log dt. Dyadic dt keeps every Brownian query exact (no snapping).
 */
class SdeStrongOrderTest {

    private static final int PATHS = 4000;
    private static final double T = 1.0;
    private static final double MU = 0.5;
    private static final double SIGMA = 1.0;
    private static final int[] LOG2_INV_DT = {3, 4, 5, 6, 7, 8, 9};

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

    @Test
    void eulerMaruyamaHasStrongOrderOneHalf() {
        assertOrder("GBM euler", Gbm.ito(MU, SIGMA, false), 1.0, SdeMethod.EULER, 0.5);
        assertOrder("sinh euler", new SinhSde(1.0, SdeType.ITO, false), 0.5, SdeMethod.EULER, 0.5);
    }

    @Test
    void milsteinDerivativeFreeHasStrongOrderOne() {
        assertOrder("GBM milstein (derivative-free)", Gbm.ito(MU, SIGMA, false), 1.0, SdeMethod.MILSTEIN, 1.0);
        assertOrder("sinh milstein (derivative-free)", new SinhSde(1.0, SdeType.ITO, false), 0.5,
                SdeMethod.MILSTEIN, 1.0);
    }

    @Test
    void milsteinWithExactDerivativeHasStrongOrderOne() {
        assertOrder("GBM milstein (exact dσ/dy)", Gbm.ito(MU, SIGMA, true), 1.0, SdeMethod.MILSTEIN, 1.0);
        assertOrder("sinh milstein (exact dσ/dy)", new SinhSde(1.0, SdeType.ITO, true), 0.5, SdeMethod.MILSTEIN,
                1.0);
    }

    @Test
    void stratonovichHeunHasStrongOrderOne() {
        assertOrder("GBM heun (Stratonovich form)", Gbm.stratonovich(MU, SIGMA), 1.0, SdeMethod.HEUN, 1.0);
        assertOrder("sinh heun (Stratonovich form)", new SinhSde(1.0, SdeType.STRATONOVICH, false), 0.5,
                SdeMethod.HEUN, 1.0);
    }

    private static void assertOrder(String label, ExactSde sde, double y0, SdeMethod method, double expected) {
        double slope = estimateOrder(label, sde, y0, method);
        assertEquals(expected, slope, 0.15, label + ": estimated strong order");
    }

    static double estimateOrder(String label, ExactSde sde, double y0Value, SdeMethod method) {
        try (NDManager m = manager.newSubManager()) {
            BrownianInterval bm = BrownianInterval.builder().manager(m).seed(20240611L).shape(new Shape(PATHS))
                    .dataType(DataType.FLOAT64).span(0, T).build();
            double[] w = bm.incrementValues(0, T);
            double[] exact = new double[PATHS];
            for (int i = 0; i < PATHS; i++) {
                exact[i] = sde.exact(y0Value, T, w[i]);
            }
            NDArray y0 = m.full(new Shape(PATHS), (float) y0Value, DataType.FLOAT64);
            double[] logDt = new double[LOG2_INV_DT.length];
            double[] logErr = new double[LOG2_INV_DT.length];
            StringBuilder report = new StringBuilder(label + ":");
            for (int k = 0; k < LOG2_INV_DT.length; k++) {
                double dt = Math.pow(2, -LOG2_INV_DT[k]);
                SdeOptions o = SdeOptions.builder().method(method).dt(dt).brownian(bm).build();
                double[] yT;
                try (NDArray ys = Sdeint.solve(sde, y0, new double[] {0, T}, o); NDArray last = ys.get(1)) {
                    yT = last.toDoubleArray();
                }
                double err = 0;
                for (int i = 0; i < PATHS; i++) {
                    err += Math.abs(yT[i] - exact[i]);
                }
                err /= PATHS;
                logDt[k] = Math.log(dt);
                logErr[k] = Math.log(err);
                report.append(String.format(Locale.ROOT, " dt=2^-%d err=%.3e;", LOG2_INV_DT[k], err));
            }
            double slope = slope(logDt, logErr);
            System.out.printf(Locale.ROOT, "%s estimated strong order %.3f%n", report, slope);
            return slope;
        }
    }

    private static double slope(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i] / x.length;
            my += y[i] / y.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxy / sxx;
    }
}

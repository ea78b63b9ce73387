package io.ndevid.solvers;

import java.util.EnumMap;
import java.util.Map;

/**
 * An explicit Runge–Kutta method as data: nodes c, matrix a (lower triangular, row i has i entries), weights b,
 * and for embedded pairs the weights {@code bErr} of the error estimate (b − b̂).
 *
 * @param order          order of the solution weights b
 * @param errorOrder     order of the embedded lower-order solution (0 for fixed-step methods)
 * @param fsal           first-same-as-last: the last stage is f(t+h, y1), reused as the next step's first stage
 * @param midWeights     for dense output: weights d such that y(t + h/2) ≈ y0 + h Σ d_i k_i, or null
 */
public record ButcherTableau(String name, int order, int errorOrder, double[] c, double[][] a, double[] b,
                             double[] bErr, boolean fsal, double[] midWeights) {

    public int stages() {
        return b.length;
    }

    public boolean adaptive() {
        return bErr != null;
    }

    private static final Map<Method, ButcherTableau> TABLE = new EnumMap<>(Method.class);

    static {
        TABLE.put(Method.EULER, new ButcherTableau("euler", 1, 0, new double[] {0}, new double[][] {{}},
                new double[] {1}, null, false, null));
        TABLE.put(Method.MIDPOINT, new ButcherTableau("midpoint", 2, 0, new double[] {0, 0.5},
                new double[][] {{}, {0.5}}, new double[] {0, 1}, null, false, null));
        TABLE.put(Method.HEUN, new ButcherTableau("heun", 2, 0, new double[] {0, 1},
                new double[][] {{}, {1}}, new double[] {0.5, 0.5}, null, false, null));
        TABLE.put(Method.RK4, new ButcherTableau("rk4", 4, 0, new double[] {0, 0.5, 0.5, 1},
                new double[][] {{}, {0.5}, {0, 0.5}, {0, 0, 1}},
                new double[] {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}, null, false, null));
        TABLE.put(Method.RK4_38, new ButcherTableau("rk4_38", 4, 0, new double[] {0, 1.0 / 3, 2.0 / 3, 1},
                new double[][] {{}, {1.0 / 3}, {-1.0 / 3, 1}, {1, -1, 1}},
                new double[] {1.0 / 8, 3.0 / 8, 3.0 / 8, 1.0 / 8}, null, false, null));
        // Heun–Euler 2(1): the last stage is not FSAL (b ≠ last row of a).
        TABLE.put(Method.ADAPTIVE_HEUN, new ButcherTableau("adaptive_heun", 2, 1, new double[] {0, 1},
                new double[][] {{}, {1}}, new double[] {0.5, 0.5},
                new double[] {0.5 - 1, 0.5 - 0}, false, null));
        // Bogacki–Shampine 3(2), FSAL.
        TABLE.put(Method.BOSH3, new ButcherTableau("bosh3", 3, 2, new double[] {0, 0.5, 0.75, 1},
                new double[][] {{}, {0.5}, {0, 0.75}, {2.0 / 9, 1.0 / 3, 4.0 / 9}},
                new double[] {2.0 / 9, 1.0 / 3, 4.0 / 9, 0},
                new double[] {2.0 / 9 - 7.0 / 24, 1.0 / 3 - 1.0 / 4, 4.0 / 9 - 1.0 / 3, 0 - 1.0 / 8}, true, null));
        // Dormand–Prince 5(4), FSAL, with Shampine's midpoint weights for the quartic dense output.
        TABLE.put(Method.DOPRI5, new ButcherTableau("dopri5", 5, 4,
                new double[] {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
                new double[][] {
                        {},
                        {1.0 / 5},
                        {3.0 / 40, 9.0 / 40},
                        {44.0 / 45, -56.0 / 15, 32.0 / 9},
                        {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
                        {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
                        {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}},
                new double[] {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0},
                new double[] {35.0 / 384 - 1951.0 / 21600, 0, 500.0 / 1113 - 22642.0 / 50085,
                        125.0 / 192 - 451.0 / 720, -2187.0 / 6784 + 12231.0 / 42400, 11.0 / 84 - 649.0 / 6300,
                        -1.0 / 60},
                true,
                new double[] {6025192743.0 / 30085553152.0 / 2, 0, 51252292925.0 / 65400821598.0 / 2,
                        -2691868925.0 / 45128329728.0 / 2, 187940372067.0 / 1594534317056.0 / 2,
                        -1776094331.0 / 19743644256.0 / 2, 11237099.0 / 235043384 / 2}));
    }

    static ButcherTableau of(Method m) {
        return TABLE.get(m);
    }
}

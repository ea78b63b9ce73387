package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;

/**
 * One explicit Runge–Kutta step of any {@link ButcherTableau}: the single step function of the whole family.
 * All arithmetic uses tensor scalars ({@link Scalars}) so the step is safe inside autograd.
 */
final class RungeKutta {

    /** The step's result: the new state, every stage derivative, and (embedded pairs) the error estimate. */
    record Step(NDArray y1, NDArray[] k, NDArray error) {}

    private RungeKutta() {}

    /**
     * @param k1      f(t, y) if already known (FSAL or the previous step's last evaluation), else null
     * @param weights where the constants h·a_ij and h·b_j come from when h repeats (fixed steps), or null for new
     *                ones in the step's manager
     * @param anyTime the time tensor for every stage when the field does not read t ({@link VectorField#readsTime}),
     *                or null for a new tensor per stage
     */
    static Step step(VectorField f, ButcherTableau tab, double t, double h, NDArray y, NDArray k1,
                     ScalarCache weights, NDArray anyTime) {
        int s = tab.stages();
        NDArray[] k = new NDArray[s];
        k[0] = k1 != null ? k1 : f.eval(anyTime != null ? anyTime : Scalars.of(y, t), y);
        for (int i = 1; i < s; i++) {
            NDArray yi = combine(y, h, tab.a()[i], k, i, weights);
            k[i] = f.eval(anyTime != null ? anyTime : Scalars.of(y, t + tab.c()[i] * h), yi);
            checkShape(k[i], y);
        }
        checkShape(k[0], y);
        NDArray y1 = combine(y, h, tab.b(), k, s, weights);
        NDArray err = null;
        if (tab.bErr() != null) {
            err = weighted(h, tab.bErr(), k, s, weights);
        }
        return new Step(y1, k, err);
    }

    /** y + h Σ_{j<n} w_j k_j, skipping zero weights. */
    static NDArray combine(NDArray y, double h, double[] w, NDArray[] k, int n, ScalarCache weights) {
        NDArray acc = weighted(h, w, k, n, weights);
        return acc == null ? y : y.add(acc);
    }

    /** h Σ_{j<n} w_j k_j, or null when every weight is zero. */
    static NDArray weighted(double h, double[] w, NDArray[] k, int n, ScalarCache weights) {
        NDArray acc = null;
        for (int j = 0; j < n && j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            NDArray term = k[j].mul(weights != null ? weights.of(k[j], h * w[j]) : Scalars.of(k[j], h * w[j]));
            acc = acc == null ? term : acc.add(term);
        }
        return acc;
    }

    private static void checkShape(NDArray dy, NDArray y) {
        if (!dy.getShape().equals(y.getShape())) {
            throw new IllegalArgumentException("vector field returned shape " + dy.getShape() + " for a state of shape "
                    + y.getShape());
        }
    }
}

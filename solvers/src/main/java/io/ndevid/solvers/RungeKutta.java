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
     * @param k1 f(t, y) if already known (FSAL or the previous step's last evaluation), else null
     */
    static Step step(VectorField f, ButcherTableau tab, double t, double h, NDArray y, NDArray k1) {
        int s = tab.stages();
        NDArray[] k = new NDArray[s];
        k[0] = k1 != null ? k1 : f.eval(Scalars.of(y, t), y);
        for (int i = 1; i < s; i++) {
            NDArray yi = combine(y, h, tab.a()[i], k, i);
            k[i] = f.eval(Scalars.of(y, t + tab.c()[i] * h), yi);
            checkShape(k[i], y);
        }
        checkShape(k[0], y);
        NDArray y1 = combine(y, h, tab.b(), k, s);
        NDArray err = null;
        if (tab.bErr() != null) {
            err = weighted(h, tab.bErr(), k, s);
        }
        return new Step(y1, k, err);
    }

    /** y + h Σ_{j<n} w_j k_j, skipping zero weights. */
    static NDArray combine(NDArray y, double h, double[] w, NDArray[] k, int n) {
        NDArray acc = weighted(h, w, k, n);
        return acc == null ? y : y.add(acc);
    }

    /** h Σ_{j<n} w_j k_j, or null when every weight is zero. */
    static NDArray weighted(double h, double[] w, NDArray[] k, int n) {
        NDArray acc = null;
        for (int j = 0; j < n && j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            NDArray term = k[j].mul(Scalars.of(k[j], h * w[j]));
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

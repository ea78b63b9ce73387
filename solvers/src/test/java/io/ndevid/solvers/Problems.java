package io.ndevid.solvers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.ndevid.solvers.engine.TorchRuntime;

/** Shared test problems with closed-form solutions. */
final class Problems {

    private Problems() {}

    static NDManager manager() {
        TorchRuntime.engine();
        return NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    /** y' = −y. */
    static final VectorField DECAY = (t, y) -> y.neg();

    /** y' = −2 t y, y(0)=1 → exp(−t²): time-dependent, so methods that mishandle c_i show it. */
    static final VectorField GAUSS = (t, y) -> y.mul(t).mul(Scalars.of(y, -2.0));

    /** Harmonic oscillator as a first-order system on the last axis: (x, v)' = (v, −x). */
    static final VectorField OSCILLATOR = (t, y) -> {
        NDArray x = y.get("..., 0:1");
        NDArray v = y.get("..., 1:2");
        return v.concat(x.neg(), -1);
    };

    static NDArray ts(NDManager m, double... ts) {
        return m.create(ts);
    }

    static NDArray linspace(NDManager m, double a, double b, int n) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = a + (b - a) * i / (n - 1);
        }
        return m.create(t);
    }

    static double maxAbsDiff(NDArray a, double[] exact) {
        double[] v = a.toType(DataType.FLOAT64, false).toDoubleArray();
        double worst = 0;
        for (int i = 0; i < v.length; i++) {
            worst = Math.max(worst, Math.abs(v[i] - exact[i]));
        }
        return worst;
    }
}

package io.ndevid.solvers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backprop through the solver, the adjoint method and central finite differences agree: relative 1e-6 in float64,
 * 1e-3 in float32 (the bar).
 */
class GradientTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = Problems.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    /** f(t, y) = tanh(y Wᵀ + b) + 0.3·sin(t)·y, parameters W (d×d) and b (d). */
    static final class TanhField implements VectorField {
        final NDArray w;
        final NDArray b;

        TanhField(NDArray w, NDArray b) {
            this.w = w;
            this.b = b;
        }

        @Override
        public NDArray eval(NDArray t, NDArray y) {
            NDArray lin = y.matMul(w.transpose()).add(b).tanh();
            return lin.add(y.mul(t.sin().mul(Scalars.of(y, 0.3))));
        }

        @Override
        public List<NDArray> parameters() {
            return List.of(w, b);
        }
    }

    /** Order k: z^(k) = tanh(z Wᵀ + b) + … − 0.5·z^(k−1), so the highest stored derivative matters too. */
    static VectorField field(TanhField inner, int order) {
        if (order == 1) {
            return inner;
        }
        return new VectorField() {
            @Override
            public NDArray eval(NDArray t, NDArray y) {
                return inner.eval(t, y.get(0)).sub(y.get(order - 1).mul(Scalars.of(y, 0.5)));
            }

            @Override
            public List<NDArray> parameters() {
                return inner.parameters();
            }
        };
    }

    private static double[] randn(SplittableRandom r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private record Grads(double[] w, double[] b, double[] y0) {}

    private static final int D = 3;
    private static final int B = 2;

    @ParameterizedTest
    @CsvSource({"float64,1", "float32,1", "float64,2", "float64,3"})
    void adjointBackpropAndFiniteDifferencesAgree(String dtype, int order) {
        DataType type = dtype.equals("float64") ? DataType.FLOAT64 : DataType.FLOAT32;
        double tol = type == DataType.FLOAT64 ? 1e-6 : 1e-3;
        SplittableRandom r = new SplittableRandom(7 + order);
        double[] w = randn(r, D * D, 0.8);
        double[] b = randn(r, D, 0.5);
        Shape y0Shape = order == 1 ? new Shape(B, D) : new Shape(order, B, D);
        double[] y0 = randn(r, (int) y0Shape.size(), 1.0);
        double[] ts = {0.0, 0.4, 1.0, 1.3};
        double[] weights = randn(r, ts.length * B * D, 1.0); // L = Σ weights · ys

        OdeOptions o = OdeOptions.builder().method(Method.DOPRI5).order(order)
                .rtol(type == DataType.FLOAT64 ? 1e-11 : 1e-7).atol(type == DataType.FLOAT64 ? 1e-13 : 1e-9)
                .build();
        Grads backprop = grads(type, w, b, y0, y0Shape, ts, weights, o, false);
        Grads adjoint = grads(type, w, b, y0, y0Shape, ts, weights, o, true);
        Grads fd = finiteDifferences(w, b, y0, y0Shape, ts, weights,
                o.toBuilder().rtol(1e-12).atol(1e-14).build());
        String ctx = dtype + " order " + order;
        assertClose(fd.w, backprop.w, tol, ctx + " dL/dW backprop vs FD");
        assertClose(fd.w, adjoint.w, tol, ctx + " dL/dW adjoint vs FD");
        assertClose(fd.b, backprop.b, tol, ctx + " dL/db backprop vs FD");
        assertClose(fd.b, adjoint.b, tol, ctx + " dL/db adjoint vs FD");
        assertClose(fd.y0, backprop.y0, tol, ctx + " dL/dy0 backprop vs FD");
        assertClose(fd.y0, adjoint.y0, tol, ctx + " dL/dy0 adjoint vs FD");
    }

    private static Grads grads(DataType type, double[] w, double[] b, double[] y0, Shape y0Shape, double[] ts,
                               double[] weights, OdeOptions o, boolean adjoint) {
        try (NDManager s = m.newSubManager()) {
            NDArray wa = s.create(w, new Shape(D, D)).toType(type, false);
            NDArray ba = s.create(b, new Shape(D)).toType(type, false);
            NDArray ya = s.create(y0, y0Shape).toType(type, false);
            wa.setRequiresGradient(true);
            ba.setRequiresGradient(true);
            ya.setRequiresGradient(true);
            NDArray wts = s.create(weights, new Shape(ts.length, B, D)).toType(type, false);
            VectorField f = field(new TanhField(wa, ba), o.order());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                if (!adjoint) {
                    NDArray ys = Odeint.solve(f, ya, s.create(ts), o);
                    gc.backward(ys.mul(wts).sum());
                } else {
                    try (OdeAdjoint.AdjointSolution sol = OdeAdjoint.solve(f, ya, s.create(ts), o)) {
                        NDArray ys = sol.ys();
                        ys.setRequiresGradient(true);
                        gc.backward(ys.mul(wts).sum());
                        NDArray dy0 = sol.backward(gc, ys.getGradient());
                        gc.backward(ya.mul(dy0).sum()); // chain dL/dy0 into the leaf, as a caller would
                        assertTrue(sol.backwardNfe() > 0);
                    }
                }
            }
            return new Grads(toD(wa.getGradient()), toD(ba.getGradient()), toD(ya.getGradient()));
        }
    }

    private static double[] toD(NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double loss(double[] w, double[] b, double[] y0, Shape y0Shape, double[] ts, double[] weights,
                               OdeOptions o) {
        try (NDManager s = m.newSubManager()) {
            VectorField f = field(new TanhField(s.create(w, new Shape(D, D)), s.create(b, new Shape(D))), o.order());
            NDArray ys = Odeint.solve(f, s.create(y0, y0Shape), s.create(ts), o);
            return ys.mul(s.create(weights, new Shape(ts.length, B, D))).sum().getDouble();
        }
    }

    private static Grads finiteDifferences(double[] w, double[] b, double[] y0, Shape y0Shape, double[] ts,
                                           double[] weights, OdeOptions o) {
        double eps = 1e-6;
        double[][] params = {w, b, y0};
        double[][] out = new double[3][];
        for (int p = 0; p < 3; p++) {
            out[p] = new double[params[p].length];
            for (int i = 0; i < params[p].length; i++) {
                double keep = params[p][i];
                params[p][i] = keep + eps;
                double up = loss(params[0], params[1], params[2], y0Shape, ts, weights, o);
                params[p][i] = keep - eps;
                double down = loss(params[0], params[1], params[2], y0Shape, ts, weights, o);
                params[p][i] = keep;
                out[p][i] = (up - down) / (2 * eps);
            }
        }
        return new Grads(out[0], out[1], out[2]);
    }

    /** Relative error in the max norm: ‖a − b‖∞ / max(‖a‖∞, 1e-3). */
    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        double diff = 0;
        double scale = 1e-3;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(diff / scale < tol, what + ": relative error " + diff / scale + " (tolerance " + tol + ")");
    }
}

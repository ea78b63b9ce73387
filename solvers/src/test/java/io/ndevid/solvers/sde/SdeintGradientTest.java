package io.ndevid.solvers.sde;

import io.ndevid.solvers.Scalars;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpropagation through the solver steps: the gradient of L = Σ w ⊙ ys with respect to a Linear drift's weight
 * and bias, a diffusion scale and y0, against central finite differences in float64 on the same Brownian path.
 * A forced GC (and fresh direct buffers to reuse freed memory) between forward and backward catches constants
 * whose memory autograd still reads after their step closed.
 */
class SdeintGradientTest {

    private static final int BATCH = 4;
    private static final int DIM = 3;
    private static final double[] TS = {0, 0.1, 0.25, 0.5};
    private static final double DT = 0.05;
    private static final long SEED = 77;

    private static NDManager manager;
    private static double[] w0;
    private static double[] b0;
    private static double[] c0;
    private static double[] y00;
    private static double[] lossWeights;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        Random r = new Random(5);
        w0 = gaussian(r, DIM * DIM, 0.8);
        b0 = gaussian(r, DIM, 0.5);
        c0 = gaussian(r, DIM, 0.7);
        y00 = gaussian(r, BATCH * DIM, 1.0);
        lossWeights = gaussian(r, TS.length * BATCH * DIM, 1.0);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** μ = tanh(y W + b), σ = c ⊙ sigmoid(y) + 0.1: a Linear layer drift and a state-dependent diagonal noise. */
    record TinySde(NDArray w, NDArray b, NDArray c, SdeType type) implements Sde {
        @Override
        public NDArray drift(NDArray t, NDArray y) {
            return y.matMul(w).add(b).tanh();
        }

        @Override
        public NDArray diffusion(NDArray t, NDArray y) {
            return Activation.sigmoid(y).mul(c).add(Scalars.of(y, 0.1));
        }

        @Override
        public List<NDArray> parameters() {
            return List.of(w, b, c);
        }
    }

    @Test
    void eulerGradientsMatchFiniteDifferences() {
        checkGradients(SdeMethod.EULER, SdeType.ITO);
    }

    @Test
    void milsteinDerivativeFreeGradientsMatchFiniteDifferences() {
        checkGradients(SdeMethod.MILSTEIN, SdeType.ITO);
    }

    @Test
    void heunGradientsMatchFiniteDifferences() {
        checkGradients(SdeMethod.HEUN, SdeType.STRATONOVICH);
    }

    @Test
    void float32GradientsAgreeWithFloat64() {
        double[][] g64 = gradients(SdeMethod.MILSTEIN, SdeType.ITO, DataType.FLOAT64);
        double[][] g32 = gradients(SdeMethod.MILSTEIN, SdeType.ITO, DataType.FLOAT32);
        for (int p = 0; p < g64.length; p++) {
            assertTrue(maxAbsDiff(g64[p], g32[p]) <= 1e-4 * Math.max(1, maxAbs(g64[p])),
                    "parameter " + p + ": float32 vs float64 gradient differ by " + maxAbsDiff(g64[p], g32[p]));
        }
    }

    private void checkGradients(SdeMethod method, SdeType type) {
        double[][] analytic = gradients(method, type, DataType.FLOAT64);
        double[][] values = {w0, b0, c0, y00};
        String[] names = {"W", "b", "c", "y0"};
        double eps = 1e-6;
        for (int p = 0; p < values.length; p++) {
            double[] fd = new double[values[p].length];
            for (int i = 0; i < fd.length; i++) {
                double[][] plus = copy(values);
                double[][] minus = copy(values);
                plus[p][i] += eps;
                minus[p][i] -= eps;
                fd[i] = (loss(method, type, plus) - loss(method, type, minus)) / (2 * eps);
            }
            double rel = maxAbsDiff(analytic[p], fd) / maxAbs(fd);
            System.out.printf(Locale.ROOT, "%s dL/d%s: max relative deviation from finite differences %.2e%n",
                    method.id(), names[p], rel);
            assertTrue(maxAbs(fd) > 1e-3, "the loss must depend on " + names[p]);
            assertTrue(rel <= 1e-6, method.id() + " dL/d" + names[p] + " relative error " + rel);
        }
    }

    /** dL/d(W, b, c, y0) by backpropagation through the solver. */
    private static double[][] gradients(SdeMethod method, SdeType type, DataType dataType) {
        try (NDManager m = manager.newSubManager()) {
            NDArray w = m.create(w0, new Shape(DIM, DIM)).toType(dataType, false).duplicate();
            NDArray b = m.create(b0, new Shape(DIM)).toType(dataType, false).duplicate();
            NDArray c = m.create(c0, new Shape(DIM)).toType(dataType, false).duplicate();
            NDArray y0 = m.create(y00, new Shape(BATCH, DIM)).toType(dataType, false).duplicate();
            NDArray lw = m.create(lossWeights, new Shape(TS.length, BATCH, DIM)).toType(dataType, false).duplicate();
            for (NDArray a : List.of(w, b, c, y0)) {
                a.setRequiresGradient(true);
            }
            Sde sde = new TinySde(w, b, c, type);
            try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                NDArray ys = Sdeint.solve(sde, y0, TS, options(method));
                NDArray loss = ys.mul(lw).sum();
                scrubFreedMemory();
                gc.backward(loss);
            }
            double[][] out = new double[4][];
            NDArray[] ps = {w, b, c, y0};
            for (int p = 0; p < 4; p++) {
                out[p] = ps[p].getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
            }
            return out;
        }
    }

    private static double loss(SdeMethod method, SdeType type, double[][] v) {
        try (NDManager m = manager.newSubManager()) {
            Sde sde = new TinySde(m.create(v[0], new Shape(DIM, DIM)).duplicate(),
                    m.create(v[1], new Shape(DIM)).duplicate(), m.create(v[2], new Shape(DIM)).duplicate(), type);
            NDArray y0 = m.create(v[3], new Shape(BATCH, DIM)).duplicate();
            double[] ys = Sdeint.solve(sde, y0, TS, options(method)).toDoubleArray();
            double l = 0;
            for (int i = 0; i < ys.length; i++) {
                l += ys[i] * lossWeights[i];
            }
            return l;
        }
    }

    private static SdeOptions options(SdeMethod method) {
        return SdeOptions.builder().method(method).dt(DT).seed(SEED).build();
    }

    /** Collect freed Java buffers and fill fresh ones, so a tensor still aliasing freed memory reads garbage. */
    private static void scrubFreedMemory() {
        List<ByteBuffer> junk = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            System.gc();
            for (int i = 0; i < 2000; i++) {
                ByteBuffer bb = ByteBuffer.allocateDirect(96);
                for (int j = 0; j < 96; j += 8) {
                    bb.putDouble(j, 1e30);
                }
                junk.add(bb);
            }
        }
        assertEquals(6000, junk.size());
    }

    private static double[] gaussian(Random r, int n, double scale) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = scale * r.nextGaussian();
        }
        return x;
    }

    private static double[][] copy(double[][] v) {
        double[][] c = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            c[i] = v[i].clone();
        }
        return c;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}

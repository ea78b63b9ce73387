package io.ndevid.solvers.demo;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.Method;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.OdeResult;
import io.ndevid.solvers.Odeint;
import io.ndevid.solvers.VectorField;
import io.ndevid.solvers.sde.Sde;
import io.ndevid.solvers.sde.SdeMethod;
import io.ndevid.solvers.sde.SdeOptions;
import io.ndevid.solvers.sde.SdeType;
import io.ndevid.solvers.sde.Sdeint;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A self-contained tour of the solvers on the paper's latent path: a random f = Linear(d,d)+tanh temporal
 * generator of order 1, 2 and 3 integrated over the frame times, rendered again at a higher frame rate and before
 * frame 0, with one backward pass each; and a latent SDE that follows one seeded Brownian path at both frame rates. Used by {@code ndevid demo} until the study grid exists.
 */
public final class LatentPathDemo {

    /** What one temporal generator did. */
    public record Row(String generator, String method, long nfe, long steps, double forwardMs, double backwardMs,
                      double pathLength, double fineGridMaxDiff, double gradNorm) {}

    /** Demo settings. */
    public record Settings(int batch, int dim, int frames, Method method, int fineFactor, double tBefore,
                           Device device, long seed) {}

    private LatentPathDemo() {}

    public static List<Row> run(Settings s, Consumer<String> progress) {
        List<Row> rows = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(s.device(), "PyTorch")) {
            Engine.getInstance().setRandomSeed((int) s.seed());
            for (int order = 1; order <= 3; order++) {
                progress.accept("integrating the order-" + order + " latent ODE (" + s.method().id() + ")");
                rows.add(one(m, s, order));
            }
            progress.accept("integrating the latent SDE (Itô Euler–Maruyama, dt = " + SDE_DT + ")");
            rows.add(sde(m, s));
        }
        return rows;
    }

    private static Row one(NDManager root, Settings s, int order) {
        try (NDManager m = root.newSubManager()) {
            float bound = (float) Math.sqrt(6.0 / (2 * s.dim())) * (float) Math.sqrt(2); // Xavier-uniform, gain √2
            NDArray w = m.randomUniform(-bound, bound, new Shape(s.dim(), s.dim()));
            NDArray b = m.zeros(new Shape(s.dim()));
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            VectorField f = new VectorField() {
                @Override
                public NDArray eval(NDArray t, NDArray y) {
                    NDArray z = order == 1 ? y : y.get(0);
                    return z.matMul(w.transpose()).add(b).tanh();
                }

                @Override
                public List<NDArray> parameters() {
                    return List.of(w, b);
                }
            };
            NDArray z0 = m.randomUniform(-1f, 1f, new Shape(s.batch(), s.dim()));
            NDArray y0 = z0;
            if (order > 1) {
                // The higher derivatives start at zero here; models learn an encoder per order.
                NDList parts = new NDList(z0.expandDims(0));
                for (int k = 1; k < order; k++) {
                    parts.add(m.zeros(z0.getShape()).expandDims(0));
                }
                y0 = NDArrays.concat(parts, 0);
            }
            OdeOptions o = OdeOptions.builder().method(s.method()).order(order).build();
            NDArray ts = frameTimes(m, s.frames(), 1, 0);
            double fwd;
            double bwd;
            OdeResult r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                long t0 = System.nanoTime();
                r = Odeint.integrate(f, y0, ts, o);
                r.ys().getFloat(0, 0, 0);
                fwd = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();
                gc.backward(r.ys().square().mean());
                w.getGradient().getFloat(0, 0);
                bwd = (System.nanoTime() - t1) / 1e6;
            }
            double gradNorm = w.getGradient().square().sum().sqrt().getFloat();
            NDArray ys = r.ys().stopGradient();
            NDArray steps = ys.get(new NDIndex("1:")).sub(ys.get(new NDIndex(":-1")));
            double pathLength = steps.square().sum(new int[] {2}).sqrt().sum(new int[] {0}).mean().getFloat();
            // Continuous time: the same sample at fineFactor× the frame rate, starting tBefore before frame 0.
            // Integrate from t=0 both ways so the shared frames must agree up to the solver's error.
            NDArray fine = Odeint.solve(f, y0.stopGradient(), frameTimes(m, s.frames(), s.fineFactor(), 0), o);
            NDArray before = Odeint.solve(f, y0.stopGradient(), m.create(new float[] {0f, (float) -s.tBefore()}), o);
            NDArray shared = fine.get(new NDIndex("::" + s.fineFactor()));
            double diff = shared.sub(ys).abs().max().getFloat();
            if (!Float.isFinite(before.get(1).sum().getFloat())) {
                throw new IllegalStateException("integration before frame 0 diverged");
            }
            String name = "ode" + order;
            return new Row(name, s.method().id(), r.nfe(), r.acceptedSteps(), fwd, bwd, pathLength, diff, gradNorm);
        }
    }

    /** The authors' SDE step. */
    static final double SDE_DT = 0.025;

    /** dz = tanh(zWᵀ + b) dt + sigmoid(zVᵀ) dW with one seeded Brownian path, rendered at 1× and k× frame rate. */
    private static Row sde(NDManager root, Settings s) {
        try (NDManager m = root.newSubManager()) {
            float bound = (float) Math.sqrt(6.0 / (2 * s.dim())) * (float) Math.sqrt(2);
            NDArray w = m.randomUniform(-bound, bound, new Shape(s.dim(), s.dim()));
            NDArray v = m.randomUniform(-bound, bound, new Shape(s.dim(), s.dim()));
            NDArray b = m.zeros(new Shape(s.dim()));
            w.setRequiresGradient(true);
            Sde sde = Sde.of(SdeType.ITO, (t, y) -> y.matMul(w.transpose()).add(b).tanh(),
                    (t, y) -> y.matMul(v.transpose()).getNDArrayInternal().sigmoid());
            NDArray z0 = m.randomUniform(-1f, 1f, new Shape(s.batch(), s.dim()));
            SdeOptions o = SdeOptions.builder().method(SdeMethod.EULER).dt(SDE_DT).seed(s.seed()).build();
            NDArray ts = frameTimes(m, s.frames(), 1, 0);
            double fwd;
            double bwd;
            NDArray ys;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                long t0 = System.nanoTime();
                ys = Sdeint.solve(sde, z0, ts, o);
                ys.getFloat(0, 0, 0);
                fwd = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();
                gc.backward(ys.square().mean());
                w.getGradient().getFloat(0, 0);
                bwd = (System.nanoTime() - t1) / 1e6;
            }
            double gradNorm = w.getGradient().square().sum().sqrt().getFloat();
            NDArray path = ys.stopGradient();
            NDArray steps = path.get(new NDIndex("1:")).sub(path.get(new NDIndex(":-1")));
            double pathLength = steps.square().sum(new int[] {2}).sqrt().sum(new int[] {0}).mean().getFloat();
            NDArray fine = Sdeint.solve(sde, z0, frameTimes(m, s.frames(), s.fineFactor(), 0), o);
            double diff = fine.get(new NDIndex("::" + s.fineFactor())).sub(path).abs().max().getFloat();
            // Sdeint splits each frame interval into ⌈Δ/dt⌉ equal steps; Euler–Maruyama: one drift + one diffusion each.
            long stepsTaken = (s.frames() - 1) * (long) Math.ceil(1.0 / (s.frames() - 1) / SDE_DT - 1e-9);
            return new Row("sde", "euler", 2 * stepsTaken, stepsTaken, fwd, bwd, pathLength, diff, gradNorm);
        }
    }

    /** (frames − 1)·k + 1 equally spaced times on [0, 1], shifted by {@code start}. */
    private static NDArray frameTimes(NDManager m, int frames, int k, double start) {
        int n = (frames - 1) * k + 1;
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = (float) (start + (double) i / (n - 1));
        }
        return m.create(t);
    }
}

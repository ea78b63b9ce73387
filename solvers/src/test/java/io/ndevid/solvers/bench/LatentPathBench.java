package io.ndevid.solvers.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.Method;
import io.ndevid.solvers.OdeAdjoint;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.Odeint;
import io.ndevid.solvers.VectorField;
import io.ndevid.solvers.engine.TorchRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The paper's latent path: batch 64, dim 100, f = Linear(100,100) + tanh, rk4 over 16 frames on [0, 1].
 *
 * <pre>
 *   time                      forward+backward ms (median, p90) for backprop and adjoint
 *   memory MODE STEPS         peak RSS growth of one forward+backward with STEPS rk4 steps (run each mode in its
 *                             own JVM: bench/solvers.sh does)
 * </pre>
 */
public final class LatentPathBench {

    private static final int BATCH = 64;
    private static final int DIM = 100;
    private static final int FRAMES = 16;

    private LatentPathBench() {}

    public static void main(String[] args) throws IOException {
        TorchRuntime.engine();
        String what = args.length > 0 ? args[0] : "time";
        switch (what) {
            case "time" -> time();
            case "memory" -> memory(args[1], Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("usage: time | memory backprop|adjoint STEPS");
        }
    }

    /** f(z) = tanh(z Wᵀ + b) with Xavier-like init. */
    private record LinearTanh(NDArray w, NDArray b) implements VectorField {
        static LinearTanh create(NDManager m) {
            Engine.getInstance().setRandomSeed(0);
            NDArray w = m.randomUniform(-0.17f, 0.17f, new Shape(DIM, DIM));
            NDArray b = m.zeros(new Shape(DIM));
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            return new LinearTanh(w, b);
        }

        @Override
        public NDArray eval(NDArray t, NDArray z) {
            return z.matMul(w.transpose()).add(b).tanh();
        }

        @Override
        public List<NDArray> parameters() {
            return List.of(w, b);
        }
    }

    private static double step(NDManager root, LinearTanh f, OdeOptions o, boolean adjoint) {
        long t0 = System.nanoTime();
        try (NDManager m = root.newSubManager()) {
            NDArray z0 = m.randomNormal(new Shape(BATCH, DIM));
            NDArray ts = m.linspace(0f, 1f, FRAMES);
            NDArray target = m.randomNormal(new Shape(FRAMES, BATCH, DIM));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                if (adjoint) {
                    try (OdeAdjoint.AdjointSolution sol = OdeAdjoint.solve(f, z0, ts, o)) {
                        NDArray ys = sol.ys();
                        ys.setRequiresGradient(true);
                        gc.backward(ys.sub(target).square().mean());
                        sol.backward(gc, ys.getGradient());
                    }
                } else {
                    NDArray ys = Odeint.solve(f, z0, ts, o);
                    gc.backward(ys.sub(target).square().mean());
                }
            }
            f.w.getGradient().getFloat(0, 0); // sync
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void time() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            LinearTanh f = LinearTanh.create(m);
            OdeOptions rk4 = OdeOptions.builder().method(Method.RK4).build();
            System.out.printf("latent path: batch %d, dim %d, f = Linear(%d,%d)+tanh, rk4, %d frames, one step per "
                    + "frame interval, float32, %d threads%n", BATCH, DIM, DIM, DIM, FRAMES,
                    Runtime.getRuntime().availableProcessors());
            for (boolean adjoint : new boolean[] {false, true}) {
                for (int i = 0; i < 10; i++) {
                    step(m, f, rk4, adjoint);
                }
                double[] ms = new double[50];
                for (int i = 0; i < ms.length; i++) {
                    ms[i] = step(m, f, rk4, adjoint);
                }
                Arrays.sort(ms);
                System.out.printf("  %-8s forward+backward: median %.2f ms, p90 %.2f ms, min %.2f ms (n=%d)%n",
                        adjoint ? "adjoint" : "backprop", ms[ms.length / 2], ms[(int) (ms.length * 0.9)], ms[0],
                        ms.length);
            }
        }
    }

    private static void memory(String mode, int steps) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            LinearTanh f = LinearTanh.create(m);
            OdeOptions o = OdeOptions.builder().method(Method.RK4).stepSize(1.0 / steps).build();
            step(m, f, OdeOptions.builder().method(Method.RK4).build(), mode.equals("adjoint")); // warm up
            System.gc();
            long base = procStatusKb("VmRSS");
            resetPeak();
            double ms = step(m, f, o, mode.equals("adjoint"));
            long peak = procStatusKb("VmHWM");
            System.out.printf("  %-8s %d rk4 steps: peak RSS growth %.1f MiB, forward+backward %.0f ms%n", mode,
                    steps, (peak - base) / 1024.0, ms);
        }
    }

    /** Resets VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs). */
    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | SecurityException e) {
            System.out.println("  (could not reset the peak RSS counter: " + e.getMessage() + ")");
        }
    }

    private static long procStatusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException(key + " not in /proc/self/status");
    }
}

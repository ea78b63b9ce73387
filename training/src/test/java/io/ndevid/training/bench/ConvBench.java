package io.ndevid.training.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.nn.ConvTranspose;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * Micro benchmark (not a test) of the transposed and plain convolutions of the TGAN and MoCoGAN generators at
 * cpu-small (N = 16 videos × 16 frames = 256 images): forward and backward (of sum) per {@link ConvTranspose.Strategy},
 * median of {@code steps} after {@code warmup}; {@code large}: some width-64 (gpu-paper-like) layers instead, and the
 * per-op cost of a tiny op. {@code ConvBench [threads] [steps] [warmup] [large]}.
 */
public final class ConvBench {

    private ConvBench() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        TorchRuntime.engine();
        JniUtils.setNumThreads(threads);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // name, x shape, w shape [in, out, k, k], stride, padding
            Object[][] deconvs = args.length > 3 && args[3].equals("large") ? new Object[][] {
                {"width 64: 128→64 16×16→32×32, N 16", new Shape(16, 128, 16, 16), new Shape(128, 64, 4, 4), 2, 1},
                {"width 64: 512→256 4×4→8×8, N 64", new Shape(64, 512, 4, 4), new Shape(512, 256, 4, 4), 2, 1},
                {"width 64: 64→32 32×32→64×64, N 16", new Shape(16, 64, 32, 32), new Shape(64, 32, 4, 4), 2, 1},
                {"width 64: 64→3 32×32→64×64, N 16", new Shape(16, 64, 32, 32), new Shape(64, 3, 4, 4), 2, 1},
            } : new Object[][] {
                {"TGAN G up1 / MoCoGAN G up1  64→32 4×4→8×8", new Shape(256, 64, 4, 4), new Shape(64, 32, 4, 4), 2, 1},
                {"TGAN G up2                  32→16 8×8→16×16",
                    new Shape(256, 32, 8, 8), new Shape(32, 16, 4, 4), 2, 1},
                {"MoCoGAN G in                24→64 1×1→4×4", new Shape(256, 24, 1, 1), new Shape(24, 64, 4, 4), 1, 0},
                {"MoCoGAN G out               32→1  8×8→16×16", new Shape(256, 32, 8, 8), new Shape(32, 1, 4, 4), 2, 1},
            };
            for (Object[] c : deconvs) {
                for (ConvTranspose.Strategy s : ConvTranspose.Strategy.values()) {
                    int st = (Integer) c[3];
                    int p = (Integer) c[4];
                    time(m, c[0] + "  " + s, (Shape) c[1], (Shape) c[2], steps, warmup,
                            (x, w) -> ConvTranspose.apply(x, w, null, new int[] {st}, new int[] {p}, s));
                }
            }
            if (args.length > 3) {
                return;
            }
            opOverhead(m, 20_000);
            time(m, "TGAN G out conv k3 p1        16→1  16×16", new Shape(256, 16, 16, 16), new Shape(1, 16, 3, 3),
                    steps, warmup, (x, w) -> Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(1, 1),
                            new Shape(1, 1), 1).singletonOrThrow());
        }
    }

    /** Cost of one tiny op ([16, 16] + [16, 16]) through DJL: without and with autograd recording. */
    private static void opOverhead(NDManager parent, int n) {
        for (boolean grad : new boolean[] {false, true}) {
            try (NDManager m = parent.newSubManager()) {
                NDArray a = m.randomNormal(new Shape(16, 16));
                NDArray b = m.randomNormal(new Shape(16, 16));
                if (grad) {
                    a.setRequiresGradient(true);
                }
                double best = Double.MAX_VALUE;
                for (int rep = 0; rep < 3; rep++) {
                    try (GradientCollector gc = grad ? Engine.getInstance().newGradientCollector() : null;
                         NDManager s = m.newSubManager()) {
                        long t0 = System.nanoTime();
                        for (int i = 0; i < n; i++) {
                            a.add(b).close();
                        }
                        best = Math.min(best, (System.nanoTime() - t0) / 1e3 / n);
                    }
                }
                System.out.printf(Locale.ROOT,
                        "one tiny op (add of two [16, 16]), autograd %-5s: %.1f µs (best of 3 × %d)%n", grad, best, n);
            }
        }
    }

    private static void time(NDManager parent, String name, Shape xs, Shape ws, int steps, int warmup,
                             BiFunction<NDArray, NDArray, NDArray> op) {
        double[] fwd = new double[steps];
        double[] bwd = new double[steps];
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.randomNormal(xs);
            NDArray w = m.randomNormal(ws).mul(0.1);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            for (int i = 0; i < warmup + steps; i++) {
                try (NDManager s = m.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    long a = System.nanoTime();
                    NDArray y = op.apply(x, w);
                    y.attach(s);
                    NDArray loss = y.sum();
                    loss.getFloat();
                    long b = System.nanoTime();
                    gc.backward(loss);
                    x.getGradient().getFloat(0, 0, 0, 0);
                    long c = System.nanoTime();
                    if (i >= warmup) {
                        fwd[i - warmup] = (b - a) / 1e6;
                        bwd[i - warmup] = (c - b) / 1e6;
                    }
                }
            }
        }
        Arrays.sort(fwd);
        Arrays.sort(bwd);
        System.out.printf(Locale.ROOT, "%-58s forward %7.2f ms  backward %7.2f ms  total %7.2f ms%n", name,
                fwd[steps / 2], bwd[steps / 2], fwd[steps / 2] + bwd[steps / 2]);
    }
}

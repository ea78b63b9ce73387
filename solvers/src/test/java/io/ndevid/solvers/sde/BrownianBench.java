package io.ndevid.solvers.sde;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The host work of one SDE solve's Brownian increments, as {@link Sdeint} does it: a fresh {@link BrownianInterval}
 * from the solve's seed, the fixed-step grid, and every step's increment drawn through {@link Sdeint.NoiseBlock}
 * (values and the one tensor per block). Shapes are the training presets' SDE renders: frames on [0, 1], dt 0.025.
 *
 * <pre>
 *   BrownianBench [REPS] [WARMUP]   per config: median (min) wall and thread-CPU ms per solve's increments over
 *                                   REPS solves (CPU time is less disturbed by a loaded box), each with
 *                                   its own seed (as training steps), after WARMUP solves, and the median Java heap
 *                                   bytes the solve allocates (garbage that G1's young generation takes in, pages
 *                                   the process touches until the next collection); plus a hash of every
 *                                   increment's bits for one seed (equal before and after a change that keeps every
 *                                   bit)
 * </pre>
 *
 * Configs: cpu-small (TGAN and MoCoGAN alike: batch 16 × latent 16, 16 frames, one SDE render per training step),
 * gpu-paper TGAN (32 × 100, two renders per step: D's fakes and G's fresh ones) and gpu-paper MoCoGAN (32 × 16, four
 * renders per step).
 */
public final class BrownianBench {

    private record Config(String name, int batch, int latent, int frames, int rendersPerStep) {}

    private static final Config[] CONFIGS = {
        new Config("cpu-small tgan/mocogan sde", 16, 16, 16, 1),
        new Config("gpu-paper tgan sde", 32, 100, 16, 2),
        new Config("gpu-paper mocogan sde", 32, 16, 16, 4),
    };

    private BrownianBench() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (Config c : CONFIGS) {
                double[] ms = new double[reps];
                double[] cpu = new double[reps];
                long[] allocated = new long[reps];
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                for (int r = -warmup; r < reps; r++) {
                    long seed = 0x5DE0L + r;
                    long allocStart = threads.getCurrentThreadAllocatedBytes();
                    long cpuStart = threads.getCurrentThreadCpuTime();
                    long start = System.nanoTime();
                    solveIncrements(m, c, seed);
                    long end = System.nanoTime();
                    long cpuEnd = threads.getCurrentThreadCpuTime();
                    long allocEnd = threads.getCurrentThreadAllocatedBytes();
                    if (r >= 0) {
                        ms[r] = (end - start) / 1e6;
                        cpu[r] = (cpuEnd - cpuStart) / 1e6;
                        allocated[r] = allocEnd - allocStart;
                    }
                }
                Arrays.sort(ms);
                Arrays.sort(cpu);
                Arrays.sort(allocated);
                System.out.printf("%-28s [%d, %d] x %d steps: per solve wall median %.3f ms (min %.3f), CPU median "
                                + "%.3f ms (min %.3f), heap allocated %,d KB; per training step (%d renders) CPU "
                                + "%.3f ms; hash %08x%n",
                        c.name, c.batch, c.latent, Sdeint.StepGrid.of(times(c.frames), SdeOptions.DEFAULT_DT).steps(),
                        ms[reps / 2], ms[0], cpu[reps / 2], cpu[0], allocated[reps / 2] / 1024, c.rendersPerStep,
                        cpu[reps / 2] * c.rendersPerStep, hash(m, c));
            }
        }
    }

    /** One solve's increments: every step's row taken as the solver takes it, into a per-step scope. */
    private static void solveIncrements(NDManager parent, Config c, long seed) {
        double[] ts = times(c.frames);
        try (NDManager solve = parent.newSubManager()) {
            BrownianInterval bm = BrownianInterval.of(solve, seed, new Shape(c.batch, c.latent), DataType.FLOAT32,
                    ts[0], ts[ts.length - 1]);
            Sdeint.StepGrid grid = Sdeint.StepGrid.of(ts, SdeOptions.DEFAULT_DT);
            Sdeint.NoiseBlock noise = new Sdeint.NoiseBlock(bm, grid, solve, null);
            for (int k = 0; k < grid.steps(); k++) {
                try (NDManager step = solve.newSubManager()) {
                    noise.increment(k, step);
                }
            }
        }
    }

    /** A hash of the bits of every step's increment (as float32 tensors) for seed 0. */
    private static int hash(NDManager parent, Config c) {
        double[] ts = times(c.frames);
        int h = 1;
        try (NDManager solve = parent.newSubManager()) {
            BrownianInterval bm = BrownianInterval.of(solve, 0, new Shape(c.batch, c.latent), DataType.FLOAT32,
                    ts[0], ts[ts.length - 1]);
            Sdeint.StepGrid grid = Sdeint.StepGrid.of(ts, SdeOptions.DEFAULT_DT);
            Sdeint.NoiseBlock noise = new Sdeint.NoiseBlock(bm, grid, solve, null);
            for (int k = 0; k < grid.steps(); k++) {
                try (NDManager step = solve.newSubManager()) {
                    h = 31 * h + Arrays.hashCode(noise.increment(k, step).toFloatArray());
                }
            }
        }
        return h;
    }

    private static double[] times(int frames) {
        double[] t = new double[frames];
        for (int i = 0; i < frames; i++) {
            t[i] = (double) i / (frames - 1);
        }
        return t;
    }
}

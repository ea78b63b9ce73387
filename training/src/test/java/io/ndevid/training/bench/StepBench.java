package io.ndevid.training.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.IntNode;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.data.SyntheticVideos;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.gan.nets.Layers;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.viz.VideoGrids;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Micro benchmark of one training iteration (not a test). Prints, per config, the median step time after warm-up, the
 * build and sampling times (min(16, batch) videos), the process's peak RSS — run one config per process for a
 * per-config peak ({@code bench/training.sh} does) — and the minor page faults per timed step of the stepping thread
 * (memory the allocator takes back from the kernel and touches again; the batches' own included).
 *
 * <pre>
 * StepBench [--preset cpu-small] [--batch N] [--threads 1] [--steps 10] [--warmup 3] [--machine] [--profile FILE]
 *           [--ops FILE] [--noise-prefetch on|off] MODEL:KIND[:F] …
 * StepBench --learn DIR [--preset cpu-small] [--batch N] [--threads 1] [--iterations 400] MODEL:KIND[:F]
 * StepBench --losses N [--preset cpu-small] [--batch N] [--threads 1] MODEL:KIND[:F] …
 * </pre>
 * {@code --preset} is any of {@link Presets#NAMES} (gpu-paper included: its networks built and stepped on the CPU);
 * {@code --batch N} replaces the preset's batch size (gpu-paper's 32 takes ~30 s and ~8 GiB per TGAN/MoCoGAN step on
 * a 2-core CPU, so its side-by-side runs use 2–4); nothing else of the preset changes.
 * {@code --machine} adds one line per config for scripts ({@code bench/training_vs_pytorch.sh}):
 * {@code RESULT side=djl config=MODEL:KIND preset=… batch=… median_ms=… min_ms=… max_ms=… rss_mb=… threads=…
 * params=G_t:…,G:…,… cpu_ms=… thread_cpu_ms=… noise_prefetch=on|off}
 * with the trainable-parameter counts of G_t and of every network (G includes G_t), the process's CPU time per
 * timed step (all its threads: the engine's, the JVM's, the noise prefetch's; the mean over the timed steps) and the
 * stepping thread's own (with one intra-op thread libtorch runs the ops on it: what the step waits for).
 * {@code --noise-prefetch} (default on, as {@code Trials} runs an SDE trial): the SDE's next-iteration noise made on
 * a background thread ({@link NoisePrefetch}; same values), off: drawn by each step itself (timing and
 * {@code --losses}: {@code --losses N --noise-prefetch off} and {@code on} print the same lines). {@code --profile FILE} records
 * the timed steps with libtorch's autograd profiler into a Chrome trace (one config; {@code bench/op_profile.py}
 * summarises it); the profiler slows the steps, so the times printed with it are not the benchmark's.
 * {@code --ops FILE} instead runs one more iteration after the timed ones (the next iteration number) under the
 * profiler into FILE, so that one run gives unprofiled step times and the ops of a step
 * ({@code bench/op_profile.py --steps 1 FILE}: top-level op calls and time outside ops; what
 * {@code bench/training_vs_pytorch.sh} reports).
 * {@code --learn} trains on the synthetic videos for the given iterations and writes sample PNG grids (the same
 * 8 latents) every 100 iterations plus a real batch, printing the losses every 50 iterations: the "learning
 * visibly" check of a preset. {@code --losses N} prints every loss of iterations 0 … N−1 exactly (the double's bits
 * in hex, and rounded) and a hash of the bits of a sample and (ODE/SDE G_t) a render at twice the frame rate: two
 * implementations that should agree can be compared line by line ({@code diff}).
 */
public final class StepBench {

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private StepBench() {}

    public static void main(String[] args) throws Exception {
        String preset = "cpu-small";
        int batch = 0;
        int threads = 1;
        int steps = 10;
        int warmup = 3;
        long iterations = -1;
        int losses = 0;
        boolean machine = false;
        String profile = null;
        String ops = null;
        boolean noisePrefetch = true;
        Path learn = null;
        List<String> configs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--preset" -> preset = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--learn" -> learn = Path.of(args[++i]);
                case "--iterations" -> iterations = Long.parseLong(args[++i]);
                case "--losses" -> losses = Integer.parseInt(args[++i]);
                case "--machine" -> machine = true;
                case "--profile" -> profile = args[++i];
                case "--ops" -> ops = args[++i];
                case "--noise-prefetch" -> noisePrefetch = switch (args[++i]) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new IllegalArgumentException("--noise-prefetch takes on or off, got " + args[i]);
                };
                default -> configs.add(args[i]);
            }
        }
        TorchRuntime.engine();
        JniUtils.setNumThreads(threads);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (String c : configs) {
                TrialSpec spec = spec(preset, c, batch);
                if (learn != null) {
                    learn(m, spec, learn, iterations > 0 ? iterations : spec.iterations());
                } else if (losses > 0) {
                    losses(m, spec, c, losses, noisePrefetch);
                } else {
                    time(m, spec, c, threads, steps, warmup, machine, profile, ops, noisePrefetch);
                }
            }
        }
    }

    /** The preset's spec for MODEL:KIND[:F], with its batch size replaced by {@code batch} when that is > 0. */
    static TrialSpec spec(String preset, String config, int batch) {
        String[] p = config.split(":");
        FVariant f = p.length > 2 ? FVariant.parse(p[2]) : FVariant.LINEAR;
        TrialSpec spec = Presets.of(preset, ModelFamily.parse(p[0]), TemporalKind.parse(p[1]), f);
        return batch > 0 ? SpecIO.withFields(spec, Map.of("batchSize", IntNode.valueOf(batch))) : spec;
    }

    private static SyntheticVideos data(TrialSpec spec) {
        return SyntheticVideos.builder().numClasses(spec.dataClasses()).frames(spec.frames()).size(spec.frameSize())
                .channels(spec.channels()).seed(spec.seed()).build();
    }

    private static NDArray batch(NDManager m, SyntheticVideos data, TrialSpec spec, long iteration) {
        return batch(m, spec, clips(data, spec, iteration));
    }

    private static NDArray batch(NDManager m, TrialSpec spec, float[] clips) {
        return m.create(clips, new Shape(spec.batchSize(), spec.channels(), spec.frames(), spec.frameSize(),
                spec.frameSize()));
    }

    /** The batch of an iteration as values: the synthetic clips rendered on the host (Java work, no ops). */
    private static float[] clips(SyntheticVideos data, TrialSpec spec, long iteration) {
        int per = spec.channels() * spec.frames() * spec.frameSize() * spec.frameSize();
        float[] v = new float[spec.batchSize() * per];
        for (int b = 0; b < spec.batchSize(); b++) {
            int index = (int) Math.floorMod(iteration * spec.batchSize() + b, (long) data.size());
            data.readClip(index, null, v, b * per);
        }
        return v;
    }

    private static void time(NDManager m, TrialSpec spec, String config, int threads, int steps, int warmup,
                             boolean machine, String profile, String ops, boolean noisePrefetch) throws Exception {
        SyntheticVideos data = data(spec);
        long t0 = System.nanoTime();
        NoisePrefetch noise = noise(spec, noisePrefetch);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu(), noise)) {
            double buildMs = (System.nanoTime() - t0) / 1e6;
            double[] ms = new double[steps];
            // Profiled steps read clips rendered before the trace starts, so that the trace's time outside ops
            // is the steps' own (the synthetic clips' rendering is host work of the data, not of a step; the
            // PyTorch bench makes its batches before its timed region, too).
            float[][] profiled = new float[profile != null ? steps : 0][];
            for (int i = 0; i < profiled.length; i++) {
                profiled[i] = clips(data, spec, warmup + i);
            }
            long cpu0 = 0;
            long threadCpu0 = 0;
            long faults = 0;
            for (int it = 0; it < warmup + steps; it++) {
                if (profile != null && it == warmup) {
                    JniUtils.startProfile(false, true, false); // with input shapes
                }
                if (it == warmup) {
                    cpu0 = processCpuNanos();
                    threadCpu0 = THREADS.getCurrentThreadCpuTime();
                    faults = threadMinorFaults();
                }
                try (NDManager s = m.newSubManager()) {
                    NDArray real = it >= warmup && profile != null ? batch(s, spec, profiled[it - warmup])
                            : batch(s, data, spec, it);
                    long a = System.nanoTime();
                    gan.step(real, it);
                    if (it >= warmup) {
                        ms[it - warmup] = (System.nanoTime() - a) / 1e6;
                    }
                }
            }
            double cpuMs = (processCpuNanos() - cpu0) / 1e6 / steps;
            double threadCpuMs = (THREADS.getCurrentThreadCpuTime() - threadCpu0) / 1e6 / steps;
            double faultsPerStep = (threadMinorFaults() - faults) / (double) steps; // batches' included
            if (profile != null) {
                JniUtils.stopProfile(profile);
            }
            double sampleMs;
            int samples = Math.min(16, spec.batchSize()); // no more than a batch: gpu-paper runs at batch 2–4
            try (NDManager s = m.newSubManager()) {
                long a = System.nanoTime();
                gan.sample(s, samples, 1).toFloatArray();
                sampleMs = (System.nanoTime() - a) / 1e6;
            }
            long rssMb = peakRssKb() / 1024; // the steps' and the sampling's peak, not the profiled step's
            if (ops != null) { // one more iteration, profiled apart from the timed ones
                try (NDManager s = m.newSubManager()) {
                    NDArray real = batch(s, data, spec, warmup + steps);
                    JniUtils.startProfile(false, false, false);
                    gan.step(real, warmup + steps);
                    JniUtils.stopProfile(ops);
                }
            }
            Arrays.sort(ms);
            double median = steps % 2 == 1 ? ms[steps / 2] : (ms[steps / 2 - 1] + ms[steps / 2]) / 2;
            System.out.printf(Locale.ROOT, "%-28s %-9s threads %d  step median %7.1f ms (min %7.1f, max %7.1f)  "
                            + "CPU %7.1f ms/step (this thread %7.1f)  400 it ≈ %5.1f min  build %6.0f ms  sample(%d) %6.0f ms  "
                            + "G_t %,d params  peak RSS %,d MB  page faults/step %.0f%s%n",
                    spec.configId(), spec.preset(), threads, median, ms[0], ms[steps - 1], cpuMs, threadCpuMs,
                    400 * median / 60_000, buildMs, samples, sampleMs, gan.temporalParameterCount(), rssMb,
                    faultsPerStep, noise != null ? "  noise made ahead: " + noise.stats() : "");
            String params = parameterCounts(gan);
            if (machine) {
                System.out.printf(Locale.ROOT, "RESULT side=djl config=%s preset=%s batch=%d median_ms=%.2f "
                                + "min_ms=%.2f max_ms=%.2f rss_mb=%d threads=%d params=%s cpu_ms=%.2f "
                                + "thread_cpu_ms=%.2f noise_prefetch=%s%n", config, spec.preset(),
                        spec.batchSize(), median, ms[0], ms[steps - 1],
                        rssMb, JniUtils.getNumThreads(), params, cpuMs, threadCpuMs, noise != null ? "on" : "off");
            }
        }
    }

    /** A prefetch for an SDE config when asked for (handed to the model, which closes it), else null. */
    private static NoisePrefetch noise(TrialSpec spec, boolean on) {
        return on && spec.temporal() == TemporalKind.SDE ? NoisePrefetch.onDaemonThread("bench-sde-noise") : null;
    }

    /**
     * The trainable-parameter counts as the RESULT line prints them: {@code G_t:N,G:N,D:N} (G includes G_t; every
     * network the model registers, in its order).
     */
    static String parameterCounts(VideoGan gan) {
        StringBuilder params = new StringBuilder("G_t:" + gan.temporalParameterCount());
        for (var e : gan.networks().entrySet()) {
            params.append(',').append(e.getKey()).append(':').append(Layers.trainableParameters(e.getValue()));
        }
        return params.toString();
    }

    private static void losses(NDManager m, TrialSpec spec, String config, int iterations, boolean noisePrefetch)
            throws Exception {
        SyntheticVideos data = data(spec);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu(), noise(spec, noisePrefetch))) {
            for (int it = 0; it < iterations; it++) {
                try (NDManager s = m.newSubManager()) {
                    StringBuilder line = new StringBuilder("LOSS " + config + " it=" + it);
                    for (Map.Entry<String, Double> e : new java.util.TreeMap<>(gan.step(batch(s, data, spec, it),
                            it)).entrySet()) {
                        line.append(String.format(Locale.ROOT, " %s=%s(%.9g)", e.getKey(),
                                Long.toHexString(Double.doubleToLongBits(e.getValue())), e.getValue()));
                    }
                    System.out.println(line);
                }
            }
            try (NDManager s = m.newSubManager()) {
                System.out.println("SAMPLE " + config + " hash=" + bitsHash(gan.sample(s, 4, 7)));
                if (spec.temporal() != TemporalKind.ORIGINAL) {
                    double[] times = new double[2 * spec.frames() - 1];
                    for (int i = 0; i < times.length; i++) {
                        times[i] = i / (double) (times.length - 1);
                    }
                    System.out.println("RENDER " + config + " hash=" + bitsHash(gan.render(s, 4, 7, times)));
                }
            }
        }
    }

    private static String bitsHash(NDArray a) {
        long h = 1125899906842597L;
        for (float v : a.toFloatArray()) {
            h = 31 * h + Float.floatToIntBits(v);
        }
        return Long.toHexString(h);
    }

    private static void learn(NDManager m, TrialSpec spec, Path dir, long iterations) throws Exception {
        SyntheticVideos data = data(spec);
        Path out = dir.resolve(spec.name() + "-" + spec.preset());
        Files.createDirectories(out);
        VideoGrids.Options grid = VideoGrids.Options.cols(8).withScale(3);
        try (NDManager s = m.newSubManager()) {
            VideoGrids.writePngGrid(batch(s, data, spec, 0).get("0:8"), out.resolve("real.png"), grid);
        }
        long t0 = System.nanoTime();
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            for (long it = 0; it <= iterations; it++) {
                if (it % 100 == 0 || it == iterations) {
                    try (NDManager s = m.newSubManager()) {
                        NDArray v = gan.sample(s, 8, 12345);
                        VideoGrids.writePngGrid(v, out.resolve(String.format("sample-%04d.png", it)), grid);
                        System.out.printf(Locale.ROOT, "  it %4d  sample mean %.3f std %.3f  frame-to-frame |Δ| %.4f"
                                        + "  (%.0f s)%n", it, v.mean().getFloat(), std(v), frameDelta(v),
                                (System.nanoTime() - t0) / 1e9);
                    }
                }
                if (it == iterations) {
                    break;
                }
                try (NDManager s = m.newSubManager()) {
                    Map<String, Double> l = gan.step(batch(s, data, spec, it), it);
                    if (it % 50 == 0) {
                        System.out.printf(Locale.ROOT, "  it %4d  %s%n", it, l);
                    }
                }
            }
        }
        try (NDManager s = m.newSubManager()) {
            NDArray real = batch(s, data, spec, 1);
            System.out.printf(Locale.ROOT, "  real   mean %.3f std %.3f  frame-to-frame |Δ| %.4f%n",
                    real.mean().getFloat(), std(real), frameDelta(real));
        }
        System.out.printf(Locale.ROOT, "%s: %d iterations in %.1f min; PNGs in %s%n", spec.configId(), iterations,
                (System.nanoTime() - t0) / 6e10, out);
    }

    private static float std(NDArray v) {
        return v.sub(v.mean()).square().mean().sqrt().getFloat();
    }

    private static float frameDelta(NDArray v) {
        return v.get(":, :, 1:").sub(v.get(":, :, :-1")).abs().mean().getFloat();
    }

    /** CPU time of every thread of this process so far (the JVM's, libtorch's, the noise prefetch's). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Minor page faults of the calling thread so far ({@code /proc/thread-self/stat}, field 10), or -1 off Linux: the
     * steps' own faults, without the JIT's and the GC's threads.
     */
    private static long threadMinorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]); // fields from the 3rd on; minflt is the 10th
        } catch (Exception e) {
            return -1;
        }
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}

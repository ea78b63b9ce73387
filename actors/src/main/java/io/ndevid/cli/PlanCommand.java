package io.ndevid.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.ndevid.actors.node.TrainerProcessLauncher;
import io.ndevid.metrics.c3d.C3D;
import io.ndevid.metrics.c3d.C3dConfig;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.plan.GridPlan;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.Tgan;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.Memory;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code ndevid plan}: measures every cell of a preset's study grid at the preset's real shapes on this machine's
 * device (S steps each, each cell in its own process so that each peak memory is its own; {@code --jobs} of them at a
 * time), one evaluation's cost, and estimates the grid's wall time on K GPUs × N trials ({@link GridPlan}). Prints a
 * table and writes JSON.
 *
 * <p>What a cell's process does, and what its numbers mean: the steps run at iterations that are not multiples of
 * {@link Tgan#SVC_INTERVAL}, so that none of them includes TGAN's singular value clipping; for a TGAN cell one clipping
 * pass is timed apart and its share (1 in {@link Tgan#SVC_INTERVAL} iterations) is added to the mean step, so that
 * {@code --steps 2} gives the same mean as a long run. On a CPU host without {@code --batch} each cell is measured at
 * {@link #cpuBatchCap} (≤ {@value #CPU_MAX_BATCH}) and scaled linearly to the preset's batch; a GPU measures the
 * preset's. Memory: each process gets a guard, its share of the host's available memory (80 % / --jobs); a probe (one
 * step at batch 2, then one at the batch asked for if even a peak proportional to the batch would fit, else at batch 4)
 * predicts the peak at the batch asked for, and a cell that would not fit is measured at the largest batch predicted to
 * fit, its step time scaled linearly to the preset's batch (the clipping pass, which does not depend on the batch, is
 * not scaled); the table and the JSON mark it. When the probe's last batch is the answer, its model and step are the
 * measurement's build and first step. If the guard still trips, the process stops and the cell is measured again at
 * half that batch. With several jobs, the largest family's first cell (model and frame size) is the pilot, measured
 * alone before the pool: its family joins the pool only if its peak fits a share; any other cell over its share even at
 * batch 2 (and the rest of its family) is measured after the pool, alone. A cell measured alone has the whole guard and
 * one libtorch thread per core; a pooled one keeps this process's threads.
 * Each process also reports the CPU time (user + system) of its parts.
 */
@Command(name = "plan", description = "Measure every cell of a preset's grid on this machine (step time, peak "
        + "memory, one evaluation's cost) and estimate the grid's wall time on K GPUs × N trials each.")
final class PlanCommand implements Callable<Integer> {

    private static final String CELL_LINE = "PLAN-CELL ";
    private static final String MEMORY_LINE = "PLAN-MEMORY ";
    /** A measuring process's exit status when its memory guard stopped it. */
    private static final int OVER_MEMORY = 3;
    /** The smallest batch a trial spec allows (BatchNorm); the memory probe runs at it and at twice it. */
    private static final int MIN_BATCH = 2;
    /** Share of the host's available memory (at the start) that the measuring processes may use together. */
    private static final double MEMORY_SHARE = 0.8;
    /**
     * A peak fits a memory guard when it stays under this share of it (a margin for what varies from run to run): the
     * probe's batch and the pilot's decision.
     */
    private static final double FITS = 0.9;
    /** A measuring process also stops when the host's available memory falls under this (other processes grew). */
    private static final double HOST_FLOOR_MIB = 512;
    /**
     * On a CPU host without {@code --batch}: the largest batch a cell's steps run at, for frames of up to {@value
     * #CPU_REFERENCE_FRAME} px; larger frames get proportionally fewer samples (side s: this × (64 / s)², at least
     * {@value #MIN_BATCH}; TGANv2's 192 px: 2), so that a step's work stays about that of 8 samples at 64 px. The step
     * times are scaled linearly to the preset's batch and marked so. Why: on a CPU a step's time grows linearly with
     * the batch (BENCHMARKS.md, "plan": CPU time of one step at batch 4, 8 and 16), so a larger measured batch buys no
     * accuracy and costs minutes per cell — at gpu-paper's batch 32 a quiet 2-core host spent 8 min on the 14 64-px
     * cells and up to 4 min per TGANv2 cell; 8 samples keep a step well above the costs that do not grow with the
     * batch (optimiser update, launch). On a GPU the preset's batch is measured (a GPU's time is far from linear in
     * the batch).
     */
    static final int CPU_MAX_BATCH = 8;
    /** The frame side up to which {@link #CPU_MAX_BATCH} applies as is (gpu-paper's TGAN and MoCoGAN: 64 px). */
    static final int CPU_REFERENCE_FRAME = 64;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", defaultValue = "gpu-paper", description = "Preset whose grid is planned (default "
            + "gpu-paper).")
    String preset;

    @Option(names = "--gpus", defaultValue = "1", description = "GPUs of the estimate (default 1).")
    int gpus;

    @Option(names = "--trials-per-gpu", defaultValue = "1", description = "Trainers per GPU of the estimate.")
    int trialsPerGpu;

    @Option(names = "--steps", defaultValue = "6", description = "Training steps per cell (the first is warm-up, "
            + "the others are averaged; ≥ 2; TGAN's clipping pass is timed apart and added in its share; default 6).")
    int steps;

    @Option(names = "--batch", description = "Measure at this batch size (at most the preset's) and scale the step "
            + "time to the preset's batch linearly (the table says so). Peak memory is the measured batch's. Default: "
            + "the preset's on a GPU; on a CPU ≤ 8 (frames over 64 px: fewer, ≥ 2).")
    Integer measureBatch;

    @Option(names = "--jobs", description = "Cells measured at a time, each in its own process (default: 2 on a CPU "
            + "host with ≥ 2 cores, where each process runs one libtorch thread; 1 on a GPU, which they would share).")
    Integer jobs;

    @Option(names = "--only", split = ",", description = "Only these cells (e.g. tgan-ode1-linear).")
    List<String> only;

    @Option(names = "--json", description = "Write the plan as JSON here (default: plan-<preset>.json).")
    Path json;

    @Option(names = "--measure-cell", hidden = true, description = "Child process: measure the trial spec in FILE.")
    Path measureCell;

    @Option(names = "--memory-limit-mib", hidden = true, defaultValue = "0", description = "Each measuring process's "
            + "memory guard (default: 80 % of the host's available memory / --jobs); in a child process: stop (exit 3) "
            + "when the resident memory passes it (0: no guard).")
    double memoryLimitMiB;

    @Option(names = "--eval-batch", hidden = true, defaultValue = "0", description = "Videos per timed evaluation "
            + "batch (default: 4 on a CPU, 64 on a GPU).")
    int evalBatch;

    /** Whether the engine sees a GPU (set once the engine is loaded). */
    private boolean gpuHost;

    /** Child: the batch its model runs at now (the memory probe's, then the measured one), for the guard's line. */
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * One cell as measured, with what the table does not show: TGAN's clipping pass, the child's CPU time by part and
     * memory probe, the libtorch threads it ran with, whether it ran alone (the whole memory guard, every core), and
     * how many models it built (1 when the probe's model was the measured one).
     */
    private record Measured(GridPlan.Cell cell, double clipMs, int clipEvery, JsonNode cpuSeconds, JsonNode probe,
                            int threads, boolean alone, int builds) {}

    @Override
    public Integer call() throws Exception {
        double cpuAtStart = cpuSeconds();
        if (steps < 2) {
            throw new IllegalArgumentException("--steps must be ≥ 2 (the first step is warm-up), got " + steps);
        }
        if (gpus < 1 || trialsPerGpu < 1) {
            throw new IllegalArgumentException("--gpus and --trials-per-gpu must be ≥ 1");
        }
        if (measureBatch != null && measureBatch < 1) {
            throw new IllegalArgumentException("--batch must be ≥ 1, got " + measureBatch);
        }
        if (jobs != null && jobs < 1) {
            throw new IllegalArgumentException("--jobs must be ≥ 1, got " + jobs);
        }
        TorchRuntime.engine();
        boolean gpu = TorchRuntime.gpuCount() > 0;
        gpuHost = gpu;
        int batch = evalBatch > 0 ? evalBatch : gpu ? 64 : 4;
        if (measureCell != null) {
            measure(SpecIO.parse(Files.readString(measureCell)), gpu, batch, cpuAtStart);
            return 0;
        }
        PrintWriter out = spec.commandLine().getOut();
        int cores = Runtime.getRuntime().availableProcessors();
        int parallel = jobs != null ? jobs : gpu ? 1 : Math.max(1, Math.min(2, cores));
        double available = Memory.availableMegabytes();
        double limit = memoryLimitMiB > 0 ? memoryLimitMiB : available > 0 ? MEMORY_SHARE * available / parallel : 0;
        String device = gpu ? "gpu:0 (" + gpuName() + ")" : "a CPU (" + cores + " cores; libtorch "
                + TorchRuntime.location().flavor() + ") — not a GPU: the times are a CPU's";
        List<TrialSpec> cells = StudyGrid.forPreset(preset, Map.of("device", TextNode.valueOf(gpu ? "gpu" : "cpu")),
                only == null ? List.of() : only, StudyGrid.seeds(1)).expand();
        if (measureBatch != null) {
            device += "; measured at batch " + measureBatch + ", step times scaled to the preset's batch ("
                    + cells.get(0).batchSize() + ") linearly, peak memory at batch " + measureBatch;
        } else if (!gpu) {
            device += String.format(Locale.ROOT, "; measured at batch ≤ %d on a CPU (frames over %d px: fewer, "
                    + "≥ %d), scaled linearly to the preset's batch, peak memory at the measured batch; --batch N to "
                    + "change", CPU_MAX_BATCH, CPU_REFERENCE_FRAME, MIN_BATCH);
        }
        String how = String.format(Locale.ROOT, "%d cell(s) at a time, each in its own process%s", parallel,
                limit > 0 ? String.format(Locale.ROOT, ", memory guard %.0f MiB each (host: %.0f MiB available at "
                        + "the start)", limit, available) : "");
        out.printf("ndevid plan: %s — %d cells × %d steps on %s; %s%n", preset, cells.size(), steps, device, how);
        out.flush();
        Path tmp = Files.createTempDirectory("ndevid-plan");
        Map<String, Measured> measured = new ConcurrentHashMap<>();
        Set<Process> live = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
        double[] c3d = new double[1];
        java.util.Queue<TrialSpec> alone = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Set<String> aloneFamilies = ConcurrentHashMap.newKeySet();
        ObjectNode pilot = null;
        long t0 = System.nanoTime();
        try {
            // the largest cells first (frame size, then G's MLP width), so that the pool's processes end together
            List<TrialSpec> order = new ArrayList<>(cells);
            order.sort(Comparator.comparingInt(TrialSpec::frameSize).thenComparingInt(TrialSpec::mlpWidth)
                    .reversed());
            if (parallel > 1 && !order.isEmpty()) {
                pilot = pilot(order.remove(0), order, tmp, batch, limit, parallel, live, out, measured, t0);
                if (!pilot.get("familyJoinsPool").asBoolean()) {
                    aloneFamilies.add(pilot.get("family").asText());
                }
            }
            for (TrialSpec c : order) {
                done.submit(() -> {
                    String family = family(c);
                    if (aloneFamilies.contains(family)) { // a cell of its model and size did not fit a share
                        alone.add(c);
                        return null;
                    }
                    try {
                        report(out, measureCell(c, tmp, batch, limit, parallel == 1, live, out), measured, t0);
                    } catch (OverMemory e) {
                        if (parallel == 1) {
                            throw e;
                        }
                        aloneFamilies.add(family);
                        synchronized (out) {
                            out.printf("  %-24s %s: measured again alone at the end, with the whole memory "
                                    + "guard%n", c.name(), e.getMessage());
                            out.flush();
                        }
                        alone.add(c);
                    }
                    return null;
                });
            }
            done.submit(() -> {
                c3d[0] = c3dMsPerVideo(gpu, batch);
                return null;
            });
            for (int i = 0; i < order.size() + 1; i++) {
                try {
                    done.take().get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : e;
                }
            }
            for (TrialSpec c : alone) { // cells that did not fit in a share of the memory, one at a time
                report(out, measureCell(c, tmp, batch, limit * parallel, true, live, out), measured, t0);
            }
        } finally {
            pool.shutdownNow();
            live.forEach(Process::destroyForcibly);
            if (!pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                live.forEach(Process::destroyForcibly);
            }
            try (var w = Files.walk(tmp)) {
                for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        List<Measured> inOrder = cells.stream().map(c -> measured.get(c.name())).toList();
        List<GridPlan.Cell> table = inOrder.stream().map(Measured::cell).toList();
        double c3dMs = c3d[0];
        double gpuMiB = gpu ? gpuMemoryMiB() : 0;
        GridPlan.Estimate e = GridPlan.estimate(table, c3dMs, gpus, trialsPerGpu, gpuMiB);
        out.println();
        out.print(GridPlan.table(table, c3dMs, e, device));
        double wallMin = (System.nanoTime() - t0) / 6e10;
        out.printf(Locale.ROOT, "C3D (the original, 112×112×16, full width): %.0f ms per video (batch %d); sampler "
                + "per cell in the table's \"one evaluation\"; plan took %.1f min wall, %s%n", c3dMs, batch, wallMin,
                cpuSummary(inOrder, cpuSeconds()));
        if (table.stream().anyMatch(GridPlan.Cell::scaled) && measureBatch == null) {
            out.println("scaled cells: measured below the preset's batch (" + (gpu ? "" : "a CPU's cap, or ")
                    + "what fitted the memory guard); their step times are the measured batch's × (preset batch / "
                    + "measured batch), their peak memory the measured batch's");
        }
        Path file = json != null ? json : Path.of("plan-" + preset + ".json");
        Files.writeString(file, json(inOrder, c3dMs, e, device, gpu, batch, parallel, limit, pilot));
        out.println("JSON: " + file.toAbsolutePath());
        return 0;
    }

    /** A cell's family: its model at its frame size (what its memory depends on most). */
    private static String family(TrialSpec c) {
        return c.model() + "@" + c.frameSize();
    }

    /**
     * Measures the grid's largest family's first cell before the pool starts, alone (the whole memory guard, every
     * core): if its peak memory fits ({@link #FITS}) a pooled process's share ({@code share}) its family's other cells
     * join the pool, otherwise they are measured alone too — instead of each failing in the pool first. Returns the
     * decision, for the JSON.
     */
    private ObjectNode pilot(TrialSpec c, List<TrialSpec> rest, Path tmp, int evalVideos, double share, int parallel,
                             Set<Process> live, PrintWriter out, Map<String, Measured> measured, long t0)
            throws IOException, InterruptedException {
        Measured m = measureCell(c, tmp, evalVideos, share * parallel, true, live, out);
        report(out, m, measured, t0);
        double peak = m.cell().peakHostMiB();
        boolean fits = share <= 0 || peak <= FITS * share;
        long others = rest.stream().filter(x -> family(x).equals(family(c))).count();
        ObjectNode p = new ObjectMapper().createObjectNode();
        p.put("cell", c.name());
        p.put("family", family(c));
        p.put("peakHostMiB", peak);
        p.put("measuredBatch", m.cell().measuredBatch());
        p.put("shareMiB", share);
        p.put("familyJoinsPool", fits);
        synchronized (out) {
            out.printf(Locale.ROOT, "  pilot: %s (the largest family, %s) peaked at %.0f MiB at batch %d, alone; a "
                    + "pooled process's guard is %.0f MiB, %s %.0f %% of it: its family's other %d cell(s) %s%n",
                    c.name(), family(c), peak, m.cell().measuredBatch(), share, fits ? "under" : "over",
                    FITS * 100, others, fits
                            ? "join the pool"
                            : "are measured alone too, after the pool, with the whole guard and every core");
            out.flush();
        }
        return p;
    }

    /** A cell over its memory guard even at the smallest batch. */
    private static final class OverMemory extends IllegalStateException {
        OverMemory(String message) {
            super(message);
        }
    }

    private static void report(PrintWriter out, Measured m, Map<String, Measured> measured, long t0) {
        measured.put(m.cell().name(), m);
        GridPlan.Cell g = m.cell();
        synchronized (out) {
            out.printf(Locale.ROOT, "  %-24s step %8.0f ms (first %8.0f ms%s), peak RSS %6.0f MiB%s%s, %d thread%s%s"
                            + "  [%.0f s]%n", g.name(), g.stepMs(), g.firstStepMs(), m.clipEvery() > 0
                            ? String.format(Locale.ROOT, "; clipping pass %.0f ms, 1 in %d", m.clipMs(), m.clipEvery())
                            : "", g.peakHostMiB(),
                    g.deviceMiB() > 0 ? String.format(Locale.ROOT, ", GPU %6.0f MiB", g.deviceMiB()) : "",
                    g.scaled() ? " (batch " + g.measuredBatch() + ", scaled)" : "", m.threads(),
                    m.threads() == 1 ? "" : "s", m.alone() ? ", alone" : "", (System.nanoTime() - t0) / 1e9);
            out.flush();
        }
    }

    /**
     * Measures one cell in a child process; when its memory guard stops it, again at half the batch (down to 2).
     * {@code alone}: no other cell is being measured, so its libtorch runs one intra-op thread per core (a pooled
     * process keeps this process's setting, one thread under the {@code ndevid} script).
     */
    private Measured measureCell(TrialSpec c, Path tmp, int evalVideos, double limit, boolean alone,
                                 Set<Process> live, PrintWriter out) throws IOException, InterruptedException {
        int b = measureBatch != null ? Math.min(measureBatch, c.batchSize())
                : gpuHost ? c.batchSize() : Math.min(c.batchSize(), cpuBatchCap(c.frameSize()));
        while (true) {
            JsonNode n = child(c, b, tmp, evalVideos, limit, alone, live);
            if (!n.has("overMemory")) {
                return measured(c, n, alone);
            }
            String why = String.format(Locale.ROOT, "RSS %.0f MiB, guard %.0f MiB, host available %.0f MiB",
                    n.get("rssMiB").asDouble(), n.get("limitMiB").asDouble(), n.get("availableMiB").asDouble());
            b = n.get("batch").asInt(); // the probe's batch when the probe tripped it
            if (b / 2 < MIN_BATCH) {
                throw new OverMemory(c.name() + " does not fit in this host's memory even at batch " + b + " ("
                        + why + ")");
            }
            synchronized (out) {
                out.printf("  %-24s over the memory guard at batch %d (%s): again at batch %d, step time scaled%n",
                        c.name(), b, why, b / 2);
                out.flush();
            }
            b /= 2;
        }
    }

    private static TrialSpec withBatch(TrialSpec c, int b) {
        if (b == c.batchSize()) {
            return c;
        }
        ObjectNode tree = SpecIO.json().valueToTree(c);
        tree.put("batchSize", b);
        return SpecIO.fromTree(tree);
    }

    /**
     * The batch a CPU host measures a cell of frame side {@code frameSize} at, at most (before the memory guard):
     * {@link #CPU_MAX_BATCH}, × ({@link #CPU_REFERENCE_FRAME} / side)² for frames larger than that, at least
     * {@link #MIN_BATCH}.
     */
    static int cpuBatchCap(int frameSize) {
        double pixels = Math.min(1, (double) CPU_REFERENCE_FRAME * CPU_REFERENCE_FRAME
                / ((double) frameSize * frameSize));
        return Math.max(MIN_BATCH, (int) Math.floor(CPU_MAX_BATCH * pixels));
    }

    /** A cell's numbers from its process's result (at the batch it chose, ≤ b), scaled to the preset's batch. */
    private static Measured measured(TrialSpec c, JsonNode n, boolean alone) {
        int b = n.get("batch").asInt();
        double scale = (double) c.batchSize() / b;
        double clipMs = n.get("clipMs").asDouble();
        int clipEvery = n.get("clipEvery").asInt();
        double step = n.get("stepMs").asDouble() * scale + (clipEvery > 0 ? clipMs / clipEvery : 0);
        long evaluations = c.evalInterval() > 0 ? c.iterations() / c.evalInterval() + 1 : 1;
        GridPlan.Cell cell = new GridPlan.Cell(c.name(), c.iterations(), evaluations, c.evalSamples(), step,
                n.get("firstStepMs").asDouble() * scale, n.get("peakHostMiB").asDouble(),
                n.get("deviceMiB").asDouble(), n.get("sampleMsPerVideo").asDouble(), c.batchSize(), b);
        return new Measured(cell, clipMs, clipEvery, n.get("cpuSeconds"), n.get("probe"), n.get("threads").asInt(),
                alone, n.get("builds").asInt());
    }

    /** Runs one cell at batch {@code b} in a child JVM (its own peak memory) and reads its result line. */
    private JsonNode child(TrialSpec c, int b, Path tmp, int evalVideos, double limit, boolean alone,
                           Set<Process> live) throws IOException, InterruptedException {
        Path file = tmp.resolve(c.name() + "-b" + b + ".json");
        Files.writeString(file, SpecIO.write(withBatch(c, b)));
        List<String> threads = alone ? List.of("-D" + TorchRuntime.THREADS_PROPERTY + "="
                + Runtime.getRuntime().availableProcessors()) : List.of();
        TrainerProcessLauncher.Launch l = TrainerProcessLauncher.Launch.currentJvm(threads, "production", null);
        List<String> cmd = new ArrayList<>();
        cmd.add(l.javaBin());
        cmd.addAll(l.jvmOptions());
        cmd.addAll(List.of("-cp", l.classPath(), TrainerProcessLauncher.MAIN_CLASS, "plan", "--measure-cell",
                file.toString(), "--steps", Integer.toString(steps), "--eval-batch", Integer.toString(evalVideos),
                "--memory-limit-mib", String.format(Locale.ROOT, "%.0f", limit)));
        Path log = tmp.resolve(c.name() + "-b" + b + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        live.add(p);
        int code;
        try {
            code = p.waitFor();
        } finally {
            live.remove(p);
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        String memory = text.lines().filter(s -> s.startsWith(MEMORY_LINE)).findFirst().orElse(null);
        if (code == OVER_MEMORY && memory != null) {
            ObjectNode n = (ObjectNode) new ObjectMapper().readTree(memory.substring(MEMORY_LINE.length()));
            return n.put("overMemory", true);
        }
        String line = text.lines().filter(s -> s.startsWith(CELL_LINE)).findFirst().orElse(null);
        if (code != 0 || line == null) {
            String last = text.lines().filter(s -> !s.isBlank()).reduce((x, y) -> y).orElse("no output");
            throw new IllegalStateException("measuring " + c.name() + " failed (exit " + code + "): " + last);
        }
        return new ObjectMapper().readTree(line.substring(CELL_LINE.length()));
    }

    /**
     * Child: a model built for the steps, with its manager; when it is the memory probe's last model and the probe's
     * batch is the answer, also that probe step's time (the measurement's first step), else NaN.
     */
    private record Built(NDManager manager, VideoGan gan, double firstStepMs) implements AutoCloseable {
        @Override
        public void close() {
            try (manager) {
                gan.close();
            }
        }
    }

    /** Child: the probe's answer, and its last model when that model is at the answer's batch (else null). */
    private record Probe(int batch, Built kept) {}

    /**
     * Child: builds the cell's model on this device (or takes the memory probe's, when the probe's batch is the
     * answer), times the steps, TGAN's clipping pass and one sampling batch, prints one line; CPU seconds of each part
     * (the first part: JVM start and engine load; with the probe's model, its build and first step are in "probe"),
     * the models built, and the libtorch threads it ran with.
     */
    private void measure(TrialSpec asked, boolean gpu, int batch, double cpuAtStart) {
        Device d = gpu ? Device.gpu(0) : Device.cpu();
        double[] ms = new double[steps];
        double sampleMs;
        double clipMs = 0;
        int clipEvery = 0;
        double deviceMiB = 0;
        ObjectNode cpu = new ObjectMapper().createObjectNode();
        ObjectNode n = new ObjectMapper().createObjectNode();
        double mark = cpuSeconds();
        cpu.put("jvmStart", cpuAtStart);
        cpu.put("engine", mark - cpuAtStart);
        TrialSpec c = asked;
        running.set(asked.batchSize());
        guardMemory(memoryLimitMiB);
        int[] builds = {0};
        Built kept = null;
        if (memoryLimitMiB > 0 && asked.batchSize() > 2 * MIN_BATCH) {
            Probe probe = fittingBatch(asked, d, n, builds);
            c = withBatch(asked, probe.batch());
            kept = probe.kept();
            mark = lap(cpu, "probe", mark);
        }
        running.set(c.batchSize());
        int first = 0;
        if (kept != null) {
            ms[0] = kept.firstStepMs();
            first = 1;
        } else {
            kept = build(c, d, builds);
            mark = lap(cpu, "build", mark);
        }
        try (Built model = kept) {
            VideoGan gan = model.gan();
            NDManager m = model.manager();
            Shape shape = new Shape(c.batchSize(), c.channels(), c.frames(), c.frameSize(), c.frameSize());
            for (int i = first; i < steps; i++) {
                ms[i] = timedStep(gan, m, shape, i);
                if (i == 0) {
                    mark = lap(cpu, "firstStep", mark);
                }
            }
            mark = lap(cpu, "steps", mark);
            if (gan instanceof Tgan t) {
                long a = System.nanoTime();
                t.clipDiscriminator();
                clipMs = (System.nanoTime() - a) / 1e6;
                clipEvery = Tgan.SVC_INTERVAL;
                mark = lap(cpu, "clip", mark);
            }
            try (NDManager s = m.newSubManager()) {
                long a = System.nanoTime();
                gan.sample(s, batch, 1).toFloatArray();
                sampleMs = (System.nanoTime() - a) / 1e6 / batch;
            }
            lap(cpu, "sample", mark);
            if (gpu) {
                var mem = CudaUtils.getGpuMemory(d);
                deviceMiB = mem.getCommitted() / 1048576.0;
            }
        }
        cpu.put("total", cpuSeconds());
        n.put("batch", c.batchSize());
        n.put("stepMs", Arrays.stream(ms, 1, steps).average().orElseThrow());
        n.put("firstStepMs", ms[0]);
        n.put("clipMs", clipMs);
        n.put("clipEvery", clipEvery);
        n.put("peakHostMiB", Memory.peakRssMegabytes());
        n.put("deviceMiB", deviceMiB);
        n.put("sampleMsPerVideo", sampleMs);
        n.put("threads", TorchRuntime.intraOpThreads());
        n.put("builds", builds[0]);
        n.set("cpuSeconds", cpu);
        System.out.println(CELL_LINE + n);
        System.out.flush();
    }

    /** Child: builds {@code c}'s model on {@code d} in a manager of its own; counts the build. */
    private static Built build(TrialSpec c, Device d, int[] builds) {
        NDManager m = NDManager.newBaseManager(d);
        try {
            VideoGan gan = GanFactory.create(c, m, d);
            builds[0]++;
            return new Built(m, gan, Double.NaN);
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    /** Child: one training step ({@link #stepIteration}(i)) on a random batch of {@code shape}, in ms. */
    private static double timedStep(VideoGan gan, NDManager m, Shape shape, int i) {
        try (NDManager s = m.newSubManager()) {
            NDArray real = s.randomUniform(-1f, 1f, shape);
            long a = System.nanoTime();
            gan.step(real, stepIteration(i));
            return (System.nanoTime() - a) / 1e6;
        }
    }

    /**
     * Child: the largest batch (≤ the cell's) whose predicted peak resident memory stays under {@link #FITS} of the
     * memory guard. One step of the cell at batch {@value #MIN_BATCH}, then one at a larger batch (each its own model;
     * the process's peak resident memory after each): the difference is that many samples' memory; the rest (model,
     * gradients, optimiser state, engine, JVM) does not grow with the batch. The larger batch is the cell's own when
     * even a peak proportional to the batch (an upper bound) would fit — then it is the answer — else twice
     * {@value #MIN_BATCH}, from which the answer is extrapolated; when twice the first peak would not fit, the first
     * batch is the answer (no second step). The model of the last batch tried is kept, with its step's time, when that
     * batch is the answer: the measurement's build and first step. Writes the probe's numbers into {@code out.probe}.
     */
    private Probe fittingBatch(TrialSpec c, Device d, ObjectNode out, int[] builds) {
        int[] batches = {MIN_BATCH, 0};
        double[] peak = new double[2];
        double room = FITS * memoryLimitMiB;
        for (int k = 0; k < 2; k++) {
            int b = batches[k];
            running.set(b);
            Built model = build(withBatch(c, b), d, builds);
            double stepMs;
            try {
                stepMs = timedStep(model.gan(), model.manager(), new Shape(b, c.channels(), c.frames(),
                        c.frameSize(), c.frameSize()), 0);
            } catch (RuntimeException | Error e) {
                model.close();
                throw e;
            }
            peak[k] = Memory.peakRssMegabytes();
            if (k == 0 && 2 * peak[0] > room) { // twice the batch would not fit: do not try it
                ObjectNode p = out.putObject("probe");
                p.put("batches", Integer.toString(b));
                p.put("peaksMiB", String.format(Locale.ROOT, "%.0f", peak[0]));
                p.put("fittingBatch", b);
                return new Probe(b, new Built(model.manager(), model.gan(), stepMs));
            }
            if (k == 0) {
                model.close();
                batches[1] = (double) c.batchSize() / MIN_BATCH * peak[0] <= room ? c.batchSize() : 2 * MIN_BATCH;
                continue;
            }
            double perSample = Math.max(1, peak[1] - peak[0]) / (batches[1] - batches[0]);
            int fits = b == c.batchSize() ? b : (int) Math.max(MIN_BATCH, Math.min(c.batchSize(), b
                    + Math.floor((room - peak[1]) / perSample)));
            ObjectNode p = out.putObject("probe");
            p.put("batches", batches[0] + "," + batches[1]);
            p.put("peaksMiB", String.format(Locale.ROOT, "%.0f,%.0f", peak[0], peak[1]));
            p.put("perSampleMiB", perSample);
            p.put("predictedMiB", peak[1] + perSample * (c.batchSize() - b));
            p.put("fittingBatch", fits);
            if (fits == b) {
                return new Probe(fits, new Built(model.manager(), model.gan(), stepMs));
            }
            model.close();
            return new Probe(fits, null);
        }
        throw new AssertionError("unreachable");
    }

    /**
     * The iteration of the {@code i}-th timed step: 1, 2, 3, 4, 6, 7, … — never a multiple of
     * {@link Tgan#SVC_INTERVAL}, so that no timed step includes TGAN's clipping pass (timed apart).
     */
    static long stepIteration(int i) {
        int perBlock = Tgan.SVC_INTERVAL - 1;
        return (long) i / perBlock * Tgan.SVC_INTERVAL + i % perBlock + 1;
    }

    private static double lap(ObjectNode cpu, String part, double since) {
        double now = cpuSeconds();
        cpu.put(part, now - since);
        return now;
    }

    /** This process's CPU time so far (user + system, all threads), in seconds; 0 where the OS does not say. */
    private static double cpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(x -> x.toNanos() / 1e9).orElse(0.0);
    }

    /**
     * Child: a daemon thread that ends the process (exit {@value #OVER_MEMORY}, one {@code PLAN-MEMORY} line) when its
     * resident memory passes {@code limitMiB} or the host's available memory falls under {@value #HOST_FLOOR_MIB} MiB.
     */
    private void guardMemory(double limitMiB) {
        if (limitMiB <= 0) {
            return;
        }
        Thread t = new Thread(() -> {
            while (true) {
                double rss = Memory.rssMegabytes();
                double available = Memory.availableMegabytes();
                if (rss > limitMiB || (available > 0 && available < HOST_FLOOR_MIB)) {
                    System.out.printf(Locale.ROOT, MEMORY_LINE + "{\"batch\": %d, \"rssMiB\": %.0f, \"limitMiB\": %.0f, "
                            + "\"availableMiB\": %.0f}%n", running.get(), rss, limitMiB, available);
                    System.out.flush();
                    Runtime.getRuntime().halt(OVER_MEMORY);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "plan-memory-guard");
        t.setDaemon(true);
        t.start();
    }

    /** Where the CPU time went: the measuring processes' parts summed over the cells, and this process. */
    private static String cpuSummary(List<Measured> cells, double here) {
        Map<String, Double> parts = new LinkedHashMap<>();
        for (Measured m : cells) {
            m.cpuSeconds().fields().forEachRemaining(f -> parts.merge(f.getKey(), f.getValue().asDouble(),
                    Double::sum));
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "CPU time (user + system) %.0f s: cells %.0f s",
                here + parts.getOrDefault("total", 0.0), parts.getOrDefault("total", 0.0)));
        parts.remove("total");
        b.append(" (");
        b.append(String.join(", ", parts.entrySet().stream().map(x -> String.format(Locale.ROOT, "%s %.0f s",
                x.getKey(), x.getValue())).toList()));
        b.append(String.format(Locale.ROOT, "), this process (engine, C3D) %.0f s", here));
        return b.toString();
    }

    /** The original C3D's forward pass (what scores IS/FID at gpu-paper with the user's C3D) per video. */
    private static double c3dMsPerVideo(boolean gpu, int batch) {
        Device d = gpu ? Device.gpu(0) : Device.cpu();
        C3dConfig config = C3dConfig.ucf101();
        try (NDManager m = NDManager.newBaseManager(d)) {
            C3D c3d = new C3D(config).initialize(m);
            ParameterStore ps = new ParameterStore(m, false);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 2; i++) { // the first includes allocation: keep the faster
                try (NDManager s = m.newSubManager()) {
                    NDArray x = s.randomUniform(0f, 255f, c3d.inputShape(batch));
                    long a = System.nanoTime();
                    c3d.forwardWithFeatures(ps, x, false).logits().toFloatArray();
                    best = Math.min(best, (System.nanoTime() - a) / 1e6 / batch);
                }
            }
            return best;
        }
    }

    private static String gpuName() {
        return TorchRuntime.gpuCount() + " GPU(s) seen, " + String.format(Locale.ROOT, "%.0f GiB",
                gpuMemoryMiB() / 1024);
    }

    private static double gpuMemoryMiB() {
        try {
            return CudaUtils.getGpuMemory(Device.gpu(0)).getMax() / 1048576.0;
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    private String json(List<Measured> cells, double c3dMs, GridPlan.Estimate e, String device, boolean gpu,
                        int batch, int parallel, double limit, ObjectNode pilot) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("preset", preset);
        root.put("device", device);
        root.put("measuredGpu", gpu);
        root.put("steps", steps);
        root.put("jobs", parallel);
        root.put("memoryGuardMiB", limit);
        if (measureBatch != null) {
            root.put("measuredBatch", measureBatch);
        } else if (!gpu) {
            root.put("cpuMaxBatch", CPU_MAX_BATCH);
            root.put("cpuReferenceFrame", CPU_REFERENCE_FRAME);
        }
        if (pilot != null) {
            root.set("pilot", pilot);
        }
        root.put("evalBatch", batch);
        root.put("c3dMsPerVideo", c3dMs);
        ArrayNode arr = root.putArray("cells");
        for (Measured m : cells) {
            GridPlan.Cell c = m.cell();
            ObjectNode n = om.valueToTree(c);
            n.put("scaled", c.scaled());
            n.put("clipMs", m.clipMs());
            n.put("clipEvery", m.clipEvery());
            n.put("trainHours", c.trainHours());
            n.put("evalSeconds", c.evalSeconds(c3dMs));
            n.put("threads", m.threads());
            n.put("alone", m.alone());
            n.put("builds", m.builds());
            n.set("cpuSeconds", m.cpuSeconds());
            if (m.probe() != null) {
                n.set("memoryProbe", m.probe());
            }
            arr.add(n);
        }
        root.set("estimate", om.valueToTree(e));
        return om.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }
}

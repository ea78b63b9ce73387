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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ndevid plan}: measures every cell of a preset's study grid at the preset's real shapes on this machine's
 * device (S steps each, one process per cell so that each peak memory is its own), one evaluation's cost, and
 * estimates the grid's wall time on K GPUs × N trials ({@link GridPlan}). Prints a table and writes JSON.
 */
@Command(name = "plan", description = "Measure every cell of a preset's grid on this machine (step time, peak "
        + "memory, one evaluation's cost) and estimate the grid's wall time on K GPUs × N trials each.")
final class PlanCommand implements Callable<Integer> {

    private static final String CELL_LINE = "PLAN-CELL ";

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
            + "the others are averaged; ≥ 2, and ≥ 6 to include TGAN's clipping every 5th iteration; default 6).")
    int steps;

    @Option(names = "--batch", description = "Measure at this batch size instead of the preset's and scale the step "
            + "time to the preset's batch linearly (a small host; the table says so). Peak memory is the measured "
            + "batch's.")
    Integer measureBatch;

    @Option(names = "--only", split = ",", description = "Only these cells (e.g. tgan-ode1-linear).")
    List<String> only;

    @Option(names = "--json", description = "Write the plan as JSON here (default: plan-<preset>.json).")
    Path json;

    @Option(names = "--measure-cell", hidden = true, description = "Child process: measure the trial spec in FILE.")
    Path measureCell;

    @Option(names = "--eval-batch", hidden = true, defaultValue = "0", description = "Videos per timed evaluation "
            + "batch (default: 4 on a CPU, 64 on a GPU).")
    int evalBatch;

    @Override
    public Integer call() throws Exception {
        if (steps < 2) {
            throw new IllegalArgumentException("--steps must be ≥ 2 (the first step is warm-up), got " + steps);
        }
        if (gpus < 1 || trialsPerGpu < 1) {
            throw new IllegalArgumentException("--gpus and --trials-per-gpu must be ≥ 1");
        }
        TorchRuntime.engine();
        boolean gpu = TorchRuntime.gpuCount() > 0;
        int batch = evalBatch > 0 ? evalBatch : gpu ? 64 : 4;
        if (measureCell != null) {
            measure(SpecIO.parse(Files.readString(measureCell)), gpu, batch);
            return 0;
        }
        PrintWriter out = spec.commandLine().getOut();
        String device = gpu ? "gpu:0 (" + gpuName() + ")" : "a CPU (" + Runtime.getRuntime().availableProcessors()
                + " cores; libtorch " + TorchRuntime.location().flavor() + ") — not a GPU: the times are a CPU's";
        if (measureBatch != null && measureBatch < 1) {
            throw new IllegalArgumentException("--batch must be ≥ 1, got " + measureBatch);
        }
        List<TrialSpec> cells = StudyGrid.forPreset(preset, Map.of("device", TextNode.valueOf(gpu ? "gpu" : "cpu")),
                only == null ? List.of() : only, StudyGrid.seeds(1)).expand();
        if (measureBatch != null) {
            device += "; measured at batch " + measureBatch + ", step times scaled to the preset's batch ("
                    + cells.get(0).batchSize() + ") linearly, peak memory at batch " + measureBatch;
        }
        out.printf("ndevid plan: %s — %d cells × %d steps on %s%n", preset, cells.size(), steps, device);
        out.flush();
        Path tmp = Files.createTempDirectory("ndevid-plan");
        List<GridPlan.Cell> measured = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (TrialSpec c : cells) {
                GridPlan.Cell m = child(c, tmp, batch);
                measured.add(m);
                out.printf(Locale.ROOT, "  %-24s step %8.0f ms (first %8.0f ms), peak RSS %6.0f MiB%s  [%.0f s]%n",
                        m.name(), m.stepMs(), m.firstStepMs(), m.peakHostMiB(), m.deviceMiB() > 0
                                ? String.format(Locale.ROOT, ", GPU %6.0f MiB", m.deviceMiB()) : "",
                        (System.nanoTime() - t0) / 1e9);
                out.flush();
            }
        } finally {
            try (var w = Files.walk(tmp)) {
                for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        double c3dMs = c3dMsPerVideo(gpu, batch);
        double gpuMiB = gpu ? gpuMemoryMiB() : 0;
        GridPlan.Estimate e = GridPlan.estimate(measured, c3dMs, gpus, trialsPerGpu, gpuMiB);
        out.println();
        out.print(GridPlan.table(measured, c3dMs, e, device));
        out.printf(Locale.ROOT, "C3D (the original, 112×112×16, full width): %.0f ms per video (batch %d); sampler "
                + "per cell in the table's \"one evaluation\"; plan took %.1f min%n", c3dMs, batch,
                (System.nanoTime() - t0) / 6e10);
        Path file = json != null ? json : Path.of("plan-" + preset + ".json");
        Files.writeString(file, json(measured, c3dMs, e, device, gpu, batch));
        out.println("JSON: " + file.toAbsolutePath());
        return 0;
    }

    /** Runs one cell in a child JVM (its own peak memory) and reads its result line. */
    private GridPlan.Cell child(TrialSpec c, Path tmp, int batch) throws IOException, InterruptedException {
        Path file = tmp.resolve(c.name() + ".json");
        double scale = 1;
        TrialSpec run = c;
        if (measureBatch != null) {
            ObjectNode tree = SpecIO.json().valueToTree(c);
            tree.put("batchSize", measureBatch);
            run = SpecIO.fromTree(tree);
            scale = (double) c.batchSize() / measureBatch;
        }
        Files.writeString(file, SpecIO.write(run));
        TrainerProcessLauncher.Launch l = TrainerProcessLauncher.Launch.currentJvm(List.of(), "production", null);
        List<String> cmd = new ArrayList<>();
        cmd.add(l.javaBin());
        cmd.addAll(l.jvmOptions());
        cmd.addAll(List.of("-cp", l.classPath(), TrainerProcessLauncher.MAIN_CLASS, "plan", "--measure-cell",
                file.toString(), "--steps", Integer.toString(steps), "--eval-batch", Integer.toString(batch)));
        Path log = tmp.resolve(c.name() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code = p.waitFor();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        String line = text.lines().filter(s -> s.startsWith(CELL_LINE)).findFirst().orElse(null);
        if (code != 0 || line == null) {
            String last = text.lines().filter(s -> !s.isBlank()).reduce((a, b) -> b).orElse("no output");
            throw new IllegalStateException("measuring " + c.name() + " failed (exit " + code + "): " + last);
        }
        JsonNode n = new ObjectMapper().readTree(line.substring(CELL_LINE.length()));
        long evaluations = c.evalInterval() > 0 ? c.iterations() / c.evalInterval() + 1 : 1;
        return new GridPlan.Cell(c.name(), c.iterations(), evaluations, c.evalSamples(),
                n.get("stepMs").asDouble() * scale, n.get("firstStepMs").asDouble() * scale,
                n.get("peakHostMiB").asDouble(), n.get("deviceMiB").asDouble(),
                n.get("sampleMsPerVideo").asDouble());
    }

    /** Child: builds the cell's model on this device, times the steps and one sampling batch, prints one line. */
    private void measure(TrialSpec c, boolean gpu, int batch) {
        Device d = gpu ? Device.gpu(0) : Device.cpu();
        double[] ms = new double[steps];
        double sampleMs;
        double deviceMiB = 0;
        try (NDManager m = NDManager.newBaseManager(d); VideoGan gan = GanFactory.create(c, m, d)) {
            Shape shape = new Shape(c.batchSize(), c.channels(), c.frames(), c.frameSize(), c.frameSize());
            for (int i = 0; i < steps; i++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray real = s.randomUniform(-1f, 1f, shape);
                    long a = System.nanoTime();
                    gan.step(real, i);
                    ms[i] = (System.nanoTime() - a) / 1e6;
                }
            }
            try (NDManager s = m.newSubManager()) {
                long a = System.nanoTime();
                gan.sample(s, batch, 1).toFloatArray();
                sampleMs = (System.nanoTime() - a) / 1e6 / batch;
            }
            if (gpu) {
                var mem = CudaUtils.getGpuMemory(d);
                deviceMiB = mem.getCommitted() / 1048576.0;
            }
        }
        // the mean, not the median, of the steps after the first: TGAN clips singular values every 5th iteration
        // (from the first), and with --steps ≥ 6 that cost is in the mean in its true proportion
        double mean = Arrays.stream(ms, 1, steps).average().orElseThrow();
        System.out.printf(Locale.ROOT, CELL_LINE + "{\"stepMs\": %.3f, \"firstStepMs\": %.3f, \"peakHostMiB\": %.1f, "
                + "\"deviceMiB\": %.1f, \"sampleMsPerVideo\": %.3f}%n", mean, ms[0], Memory.peakRssMegabytes(),
                deviceMiB, sampleMs);
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

    private String json(List<GridPlan.Cell> cells, double c3dMs, GridPlan.Estimate e, String device, boolean gpu,
                        int batch) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("preset", preset);
        root.put("device", device);
        root.put("measuredGpu", gpu);
        root.put("steps", steps);
        if (measureBatch != null) {
            root.put("measuredBatch", measureBatch);
        }
        root.put("evalBatch", batch);
        root.put("c3dMsPerVideo", c3dMs);
        ArrayNode arr = root.putArray("cells");
        for (GridPlan.Cell c : cells) {
            ObjectNode n = om.valueToTree(c);
            n.put("trainHours", c.trainHours());
            n.put("evalSeconds", c.evalSeconds(c3dMs));
            arr.add(n);
        }
        root.set("estimate", om.valueToTree(e));
        return om.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }
}

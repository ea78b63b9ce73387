package io.ndevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.ndevid.actors.api.LocalCluster;
import io.ndevid.actors.cluster.ClusterConfig;
import io.ndevid.actors.http.ClusterRoutes;
import io.ndevid.actors.http.HttpApi;
import io.ndevid.actors.http.HttpSettings;
import io.ndevid.actors.node.SlotDetection;
import io.ndevid.study.experiment.DeviceMatch;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.UserC3dSpec;
import io.ndevid.metrics.evaluator.TrainingProgress;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.spec.AuthorsRuns;
import io.ndevid.study.GridSpec;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.report.StudyReport;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ndevid grid}: the paper's study ({@link StudyGrid}) on a one-machine cluster started in this process —
 * coordinator plus a node agent with {@code --slots} trainer processes — then the tables ({@code results.md},
 * {@code results.csv}) and {@code report.html} in the experiment folder. {@code --resume} continues an interrupted
 * grid from its journal: finished trials are not run again, unfinished ones resume from their newest checkpoint.
 */
@Command(name = "grid", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {
    "Run the paper's ablation grid (base models × G_t, and the f(x) ablation) on a local cluster and write its "
        + "tables (results.md, results.csv) and report.html.",
    "Ctrl-C checkpoints the running trials; continue with --resume DIR."})
final class GridCommand implements java.util.concurrent.Callable<Integer> {

    /** How long the coordinator may take to write the tables and report once the grid finished. */
    private static final Duration REPORT_TIMEOUT = Duration.ofMinutes(10);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", description = "cpu-tiny, cpu-small (default) or gpu-paper.")
    String preset;

    @Option(names = "--out", description = "Data folder of the local cluster; the experiment lives in "
            + "DIR/ablation-<preset> (default: grids/<preset>-<date-time>).")
    Path out;

    @Option(names = "--slots", description = "Trainer processes: N CPU slots, or 0 for one per GPU that "
            + "nvidia-smi lists (one CPU slot without GPUs). Default: 2 at the CPU presets, 0 at gpu-paper.")
    Integer slots;

    @Option(names = "--trials-per-gpu", description = "Trainer processes sharing each GPU (default: "
            + "ndevid.node.trials-per-gpu, 1; `ndevid plan` recommends one from measured memory).")
    Integer trialsPerGpu;

    @Option(names = "--resume", description = "Continue an interrupted grid: its data folder (the --out of the run) "
            + "or its experiment folder.")
    Path resume;

    @Option(names = "--data", description = "synthetic (default), ucf101=DIR or hdf5=FILE (IS/FID on real data "
            + "needs --evaluator c3d=FILE).")
    String data;

    @Option(names = "--evaluator", description = "synthetic (default, with synthetic data: ndevid's C3D trained on "
            + "the synthetic set, cached) or " + UserC3dSpec.FORMAT + " (with --data ucf101=DIR or hdf5=FILE: a C3D "
            + "trained on it, .npz with Chainer's names or a DJL .params, and the C3D mean clip; route authors "
            + "(default) or tgan2; real statistics are computed once and cached).")
    String evaluator;

    @Option(names = "--evaluator-cache", description = "Where evaluators and real statistics are cached, for this "
            + "process and its trainers (default: $NDEVID_EVALUATOR_CACHE or ~/.ndevid/evaluators).")
    Path evaluatorCache;

    @Option(names = "--set", hidden = true, description = "Override a spec field in every trial, FIELD=VALUE "
            + "(tests: e.g. evalSamples=4).")
    Map<String, String> set;

    @Option(names = "--only", split = ",", description = "Run only these points of the study, e.g. "
            + "tgan-ode1-linear,mocogan-sde-linear (default: all).")
    List<String> only;

    @Option(names = "--linear-orders", description = "The seed paper's controlled family × order table: f = linear "
            + "in every cell. Default: at gpu-paper MoCoGAN's ode2/ode3 follow the authors' runs (f = deep, g∘h of "
            + "hidden width 49; docs/FIDELITY.md); elsewhere f = linear anyway.")
    boolean linearOrders;

    @Option(names = "--seeds", paramLabel = "N", description = "Train every cell with N training seeds (0 … N−1); "
            + "the tables show the across-seed mean ± std and each cell's change against its base model's original "
            + "G_t with a 95 %% interval (default: " + StudyGrid.DEFAULT_SEEDS + ").")
    Integer seeds;

    @Option(names = "--http-port", paramLabel = "PORT", description = "Serve the HTTP API on 127.0.0.1:PORT while "
            + "the grid runs (0: a free port; default: none), e.g. for 'ndevid console --connect 127.0.0.1:PORT'.")
    Integer httpPort;

    @Option(names = "--dry-run", description = "Print the resolved settings of every cell, marking each that differs "
            + "from the authors' scripts (with its reason), and start nothing.")
    boolean dryRun;

    @Option(names = "--iterations", hidden = true, description = "Override every trial's iterations (tests).")
    Long iterations;

    @Option(names = "--timeout", hidden = true, description = "Give up after this long (default 48h).",
            defaultValue = "PT48H")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        if (slots != null && slots < 0) {
            throw new IllegalArgumentException("--slots must be ≥ 0 (0: one per GPU), got " + slots);
        }
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            throw new IllegalArgumentException("--http-port must be in [0, 65535], got " + httpPort);
        }
        GridSpec grid;
        Path dataDir;
        if (resume != null) {
            if (preset != null || out != null || data != null || evaluator != null || iterations != null
                    || only != null || set != null || linearOrders || seeds != null) {
                throw new IllegalArgumentException("--resume takes the grid from its journal: drop --preset, --out, "
                        + "--data, --evaluator, --only, --linear-orders, --seeds and --iterations");
            }
            Path expDir = experimentIn(resume, "--resume");
            dataDir = expDir.getParent();
            grid = gridOf(expDir);
            w.printf("ndevid grid: resuming %s in %s%n", grid.name(), expDir.toAbsolutePath());
        } else {
            String p = preset == null ? "cpu-small" : preset;
            Map<String, JsonNode> overrides = new LinkedHashMap<>();
            if (data != null) {
                overrides.put("data", TextNode.valueOf(absolute(data, "--data")));
            }
            if (evaluator != null) {
                overrides.put("evaluator", TextNode.valueOf(evaluator.equals("synthetic") ? evaluator
                        : UserC3dSpec.parse(evaluator).absolute().format()));
            }
            if (set != null) {
                for (Map.Entry<String, String> e : set.entrySet()) {
                    overrides.put(e.getKey(), overrideValue(e.getValue()));
                }
            }
            if (iterations != null) {
                overrides.put("iterations", com.fasterxml.jackson.databind.node.LongNode.valueOf(iterations));
            }
            grid = StudyGrid.forPreset(p, overrides, only == null ? List.of() : only,
                    StudyGrid.seeds(seeds == null ? StudyGrid.DEFAULT_SEEDS : seeds), linearOrders);
            dataDir = out != null ? out : Path.of("grids",
                    p + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        List<TrialSpec> trials = grid.expand();
        if (dryRun) {
            w.print(AuthorsRuns.render(trials));
            w.flush();
            return 0;
        }
        Path expDir = dataDir.resolve(grid.name());
        int slotCount = slots != null ? slots : grid.preset().equals("gpu-paper") ? 0 : 2;
        int perGpu = trialsPerGpu != null ? trialsPerGpu
                : ClusterConfig.roleFile(ClusterConfig.WORKER, null).resolve().getInt("ndevid.node.trials-per-gpu");
        List<String> devices = SlotDetection.devices(slotCount, perGpu);
        w.printf("ndevid grid: %s — %d trials (%s), %d trainer slot(s) %s → %s%n", grid.name(), trials.size(),
                grid.preset(), devices.size(), devices, expDir.toAbsolutePath());
        for (TrialSpec t : trials) {
            if (!DeviceMatch.anyAccepts(devices, t)) {
                throw new IllegalArgumentException("trial " + t.name() + " (device " + t.device() + ") can run on no "
                        + "slot of " + devices + ": " + (DeviceMatch.trialKind(t).equals("gpu")
                        ? "this machine has no GPU slot (`ndevid engine`, nvidia-smi); --set device=cpu runs it on "
                        + "the CPU on purpose" : "ask for CPU slots with --slots N"));
            }
        }
        String omitted = StudyGrid.omitted(grid.preset());
        if (!omitted.isEmpty()) {
            w.println("  note: " + omitted);
        }
        w.flush();
        long t0 = System.nanoTime();
        Path cache = evaluatorCache != null ? evaluatorCache.toAbsolutePath() : SyntheticEvaluator.defaultCacheDir();
        prepareEvaluator(trials.get(0), cache, w);

        Files.createDirectories(dataDir);
        ExperimentStatus done;
        LocalCluster.Options options = LocalCluster.Options.processes(dataDir, slotCount)
                .withSettings(Map.of("ndevid.node.trials-per-gpu", perGpu));
        List<String> jvm = new java.util.ArrayList<>(options.trainerJvmOptions());
        jvm.add("-D" + SyntheticEvaluator.CACHE_PROPERTY + "=" + cache);
        try (LocalCluster cluster = LocalCluster.start(options.withTrainerJvmOptions(jvm));
             HttpApi api = httpPort == null ? null : HttpApi.start(cluster.system(),
                     HttpSettings.fromConfig(cluster.system().settings().config()).withPort(httpPort),
                     List.of(ClusterRoutes.create(cluster.system(), null)))) {
            if (api != null) {
                w.println("  " + api.banner() + "; live view: ndevid console --connect " + api.address().getHostString()
                        + ":" + api.port());
                w.flush();
            }
            var accepted = cluster.client().submit(grid).toCompletableFuture().get(60, TimeUnit.SECONDS);
            if (accepted.alreadyKnown()) {
                w.println("  the journal already holds this grid: finished trials are kept, the rest resume");
            }
            Thread onCtrlC = new Thread(cluster::close, "ndevid-grid-shutdown");
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            done = follow(cluster, grid.name(), w, System.nanoTime() + timeout.toNanos());
            awaitReport(expDir, w);
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
        w.printf("grid %s: %s %s in %.1f min%n", grid.name(), done.phase(), done.counts(),
                (System.nanoTime() - t0) / 6e10);
        w.println(Files.readString(expDir.resolve(StudyReport.MARKDOWN)));
        w.printf("wrote %s, %s, %s%n", expDir.resolve(StudyReport.MARKDOWN), expDir.resolve(StudyReport.CSV),
                expDir.resolve(StudyReport.HTML));
        w.flush();
        return done.count(TrialState.ERROR) > 0 ? 1 : 0;
    }

    /**
     * Waits for the coordinator to write the finished experiment's results tables and report (it renders the
     * continuous-time figures, which takes a while).
     */
    private static void awaitReport(Path expDir, PrintWriter w) throws InterruptedException {
        w.println("  waiting for the coordinator's results tables and report ...");
        w.flush();
        long deadline = System.nanoTime() + REPORT_TIMEOUT.toNanos();
        while (!StudyReport.current(expDir)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the coordinator did not write " + expDir.resolve(StudyReport.HTML)
                        + " within " + REPORT_TIMEOUT.toMinutes() + " min; its log says why");
            }
            Thread.sleep(200);
        }
    }

    /**
     * Loads (or trains) the trials' evaluator and computes (or loads) the real statistics once, before any trainer
     * needs them; a missing or unreadable C3D file, or one without real data, is an error here, before any trial.
     */
    private static void prepareEvaluator(TrialSpec first, Path cache, PrintWriter w) throws IOException {
        if (first.evalInterval() <= 0) {
            w.println("  no IS/FID: evaluations are off (evalInterval 0)");
            return;
        }
        if (!first.data().equals("synthetic") && TrialEvaluation.c3dFile(first) == null) {
            w.println("  no IS/FID: " + first.data() + " needs a C3D trained on it (--evaluator "
                    + UserC3dSpec.FORMAT + ")");
            return;
        }
        try (InProcessScorer ignored = TrialEvaluation.scorer(first, cache, new TrainingProgress() {
            @Override
            public void iteration(int i, int total, double loss, double elapsed) {
                if (i == total || i % Math.max(1, total / 5) == 0) {
                    w.printf("  evaluator training %d/%d, loss %.4f (%.0f s)%n", i, total, loss, elapsed);
                    w.flush();
                }
            }

            @Override
            public void message(String text) {
                w.println("  " + text);
                w.flush();
            }
        })) {
            w.println("  evaluator ready (" + cache + ")");
        }
        w.flush();
    }

    /** {@code kind=PATH} with PATH made absolute (trainer processes may run elsewhere); other values as they are. */
    static String absolute(String value, String option) {
        int eq = value.indexOf('=');
        if (eq < 0) {
            return value;
        }
        String path = value.substring(eq + 1);
        if (path.isBlank()) {
            throw new IllegalArgumentException(option + " " + value + ": the path after '=' is empty");
        }
        return value.substring(0, eq + 1) + Path.of(path).toAbsolutePath().normalize();
    }

    /** A --set value as JSON: a number or boolean as such, anything else as text. */
    private static JsonNode overrideValue(String v) {
        try {
            JsonNode n = SpecIO.json().readTree(v);
            if (n != null && (n.isNumber() || n.isBoolean())) {
                return n;
            }
        } catch (IOException notJson) {
            // text
        }
        return TextNode.valueOf(v);
    }

    private ExperimentStatus follow(LocalCluster cluster, String id, PrintWriter w, long deadline) throws Exception {
        boolean terminal = System.console() != null;
        int drawn = 0;
        String lastCounts = "";
        long lastPlain = 0;
        while (true) {
            ExperimentStatus s;
            try {
                s = cluster.client().status(id).toCompletableFuture().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                Thread.sleep(1000);
                continue;
            }
            List<String> lines = progressLines(s);
            long now = System.nanoTime();
            if (terminal) {
                StringBuilder b = new StringBuilder();
                if (drawn > 0) {
                    b.append("\033[").append(drawn).append("F");
                }
                for (String l : lines) {
                    b.append("\033[2K").append(l).append('\n');
                }
                for (int i = lines.size(); i < drawn; i++) {
                    b.append("\033[2K\n");
                }
                w.print(b);
                drawn = Math.max(drawn, lines.size());
            } else if (!lines.get(0).equals(lastCounts) || now - lastPlain > 30e9 || s.finished()) {
                lines.forEach(w::println);
                lastCounts = lines.get(0);
                lastPlain = now;
            }
            w.flush();
            if (s.finished()) {
                return s;
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("grid " + id + " did not finish within --timeout; resume it with "
                        + "--resume");
            }
            Thread.sleep(1000);
        }
    }

    /** The counts line, then one line per running trial: name, iteration/total, it/s, ETA. */
    static List<String> progressLines(ExperimentStatus s) {
        int finished = s.count(TrialState.TERMINATED) + s.count(TrialState.ERROR) + s.count(TrialState.CANCELLED);
        List<String> out = new java.util.ArrayList<>();
        out.add(String.format("%s: %d pending, %d running, %d done (%d error)", s.id(), s.count(TrialState.PENDING),
                s.count(TrialState.RUNNING), finished, s.count(TrialState.ERROR)));
        for (TrialStatus t : s.trials()) {
            if (t.state() == TrialState.RUNNING) {
                out.add(String.format("  %-26s %6d/%-6d %6.2f it/s  ETA %s", t.name(), t.iteration(),
                        t.totalIterations(), t.itPerSec(), ProgressPrinter.duration(t.etaSeconds())));
            }
        }
        return out;
    }

    /**
     * {@code dir} itself when it holds a journal, else its one sub-folder that does; errors name {@code what} (the
     * option or argument that gave {@code dir}).
     */
    static Path experimentIn(Path dir, String what) throws IOException {
        if (Files.isRegularFile(ExperimentJournal.fileIn(dir))) {
            return dir.toAbsolutePath();
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(what + " " + dir + ": no such folder");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> exps = s.filter(d -> Files.isRegularFile(ExperimentJournal.fileIn(d))).toList();
            if (exps.size() != 1) {
                throw new IllegalArgumentException(what + " " + dir + ": expected one experiment folder (with "
                        + "journal.jsonl) in it, found " + exps.size());
            }
            return exps.get(0).toAbsolutePath();
        }
    }

    /** The grid the journal's first event submitted; an unreadable journal is a bad {@code --resume}. */
    static GridSpec gridOf(Path expDir) {
        try {
            return ((JournalEvent.Submitted) ExperimentJournal.read(expDir).get(0)).grid();
        } catch (IllegalStateException | UncheckedIOException e) {
            throw new IllegalArgumentException("--resume " + expDir + ": " + e.getMessage());
        }
    }
}

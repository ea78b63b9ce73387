package io.ndevid.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.ndevid.training.checkpoint.Checkpoint;
import io.ndevid.training.checkpoint.CheckpointException;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.data.VideoDataset;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One trial in one process: iterations of {@link VideoGan#step}, fed by a prefetching loader, with stats lines,
 * periodic hooks (samples, IS evaluation), checkpoints, and resume from the newest checkpoint in the run folder.
 *
 * <p>Failures of the trial — a non-finite loss, a solver that gives up, bad data — end the trial with a status
 * ({@code diverged at iteration N}, {@code failed: …}) written to {@code status.json} and returned; they never
 * take down the process, which may host other work.
 */
public final class TrainerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerLoop.class);
    private static final int KEEP_CHECKPOINTS = 2;

    /** How a trial ended. */
    public enum Status { COMPLETED, DIVERGED, FAILED, STOPPED }

    /** Where a trial stands after an iteration. */
    public record Progress(TrialSpec spec, long iteration, long total, double itPerSec, double etaSeconds,
                           Map<String, Double> losses) {}

    /** The outcome of {@link #run}. */
    public record Result(Status status, long iterationsDone, double wallSeconds, Map<String, Double> lastLosses,
                         String message, Path runDir) {}

    /** Something to do every so many iterations (write samples, evaluate IS, …). */
    public interface Hook {
        /** Every how many iterations (0: never). Called after iteration i when (i + 1) % interval == 0. */
        long interval();

        /** Runs the hook; returns values to add to that iteration's stats line. */
        Map<String, Object> run(VideoGan gan, long iteration) throws Exception;

        /** Runs once before iteration 0 of a fresh run — not when resuming (default: nothing). */
        default void beforeTraining(VideoGan gan) throws Exception {}

        /** Runs once at the end of a completed trial (default: nothing). */
        default void finish(VideoGan gan, long iterations) throws Exception {}
    }

    /** Progress output (a progress bar, the status console, …). */
    public interface Listener {
        void onProgress(Progress p);

        default void onMessage(String message) {}
    }

    private final TrialSpec spec;
    private final RunFolder run;
    private final Supplier<VideoGan> ganFactory;
    private final TrainingBatchSource.Opener batches;
    private final List<Hook> hooks;
    private final Listener listener;
    private volatile boolean stopRequested;

    public TrainerLoop(TrialSpec spec, RunFolder run, Supplier<VideoGan> ganFactory, VideoDataset data,
                       List<Hook> hooks, Listener listener) {
        this(spec, run, ganFactory, (s, first) -> TrainingBatchSource.of(data, s, first), hooks, listener);
    }

    /** @param batches opens the trial's batch stream at the iteration the loop starts (resumes) at */
    public TrainerLoop(TrialSpec spec, RunFolder run, Supplier<VideoGan> ganFactory,
                       TrainingBatchSource.Opener batches, List<Hook> hooks, Listener listener) {
        this.spec = spec;
        this.run = run;
        this.ganFactory = ganFactory;
        this.batches = batches;
        this.hooks = hooks;
        this.listener = listener;
    }

    /** Asks the loop to checkpoint and stop after the current iteration (e.g. on Ctrl-C or a cancel). */
    public void requestStop() {
        stopRequested = true;
    }

    public Result run() {
        long t0 = System.nanoTime();
        run.create(spec, Provenance.collect(spec.device()));
        long start = 0;
        Map<String, Double> last = Map.of();
        try (VideoGan gan = ganFactory.get()) {
            Optional<Path> resume = run.latestCheckpoint();
            if (resume.isPresent()) {
                start = restore(gan, resume.get());
                // Lines written after that checkpoint (a crash or kill between them) will be written again.
                run.truncateLog(run.stats(), "iteration", start - 1);
                run.truncateLog(run.dir().resolve("metric-is.jsonl"), "iteration", start);
                run.truncateLog(run.dir().resolve("metric-fid.jsonl"), "iteration", start);
                listener.onMessage("resuming " + spec.name() + " from " + resume.get().getFileName()
                        + " at iteration " + start);
            }
            if (start >= spec.iterations()) {
                run.writeStatus("completed", start, "already complete");
                return new Result(Status.COMPLETED, start, seconds(t0), last, "already complete", run.dir());
            }
            run.writeStatus("running", start, "");
            if (start == 0) {
                for (Hook h : hooks) {
                    h.beforeTraining(gan);
                }
            }
            try (TrainingBatchSource loader = this.batches.open(spec, start);
                 NDManager batches = NDManager.newBaseManager()) {
                long stepStart = System.nanoTime();
                double emaRate = 0;
                for (long i = start; i < spec.iterations(); i++) {
                    HostBatch host = loader.next(); // batch i: the stream was opened at start
                    Map<String, Double> losses;
                    try (NDManager m = batches.newSubManager()) {
                        NDArray real = host.toNDArray(m);
                        losses = gan.step(real, i);
                    }
                    last = losses;
                    String bad = nonFinite(losses);
                    if (bad != null) {
                        String msg = "diverged at iteration " + i + " (" + bad + ")";
                        run.appendStats(statsLine(i, losses, emaRate));
                        run.writeStatus("diverged", i, msg);
                        listener.onMessage(spec.name() + ": " + msg);
                        return new Result(Status.DIVERGED, i, seconds(t0), last, msg, run.dir());
                    }
                    long now = System.nanoTime();
                    double rate = 1e9 / Math.max(1, now - stepStart);
                    stepStart = now;
                    emaRate = emaRate == 0 ? rate : 0.9 * emaRate + 0.1 * rate;
                    Map<String, Object> line = statsLine(i, losses, emaRate);
                    for (Hook h : hooks) {
                        if (h.interval() > 0 && (i + 1) % h.interval() == 0) {
                            line.putAll(h.run(gan, i));
                        }
                    }
                    run.appendStats(line);
                    boolean lastIteration = i + 1 == spec.iterations();
                    if ((i + 1) % spec.checkpointInterval() == 0 || lastIteration || stopRequested) {
                        save(gan, i + 1);
                    }
                    double eta = (spec.iterations() - i - 1) / Math.max(emaRate, 1e-9);
                    listener.onProgress(new Progress(spec, i + 1, spec.iterations(), emaRate, eta, losses));
                    if (stopRequested && !lastIteration) {
                        if (!Files.exists(run.checkpoint(i + 1))) {
                            save(gan, i + 1); // the stop came with the progress report, after this step's save
                        }
                        run.writeStatus("stopped", i + 1, "stopped on request; resume continues from here");
                        return new Result(Status.STOPPED, i + 1, seconds(t0), last, "stopped", run.dir());
                    }
                }
            }
            for (Hook h : hooks) {
                h.finish(gan, spec.iterations());
            }
            run.writeStatus("completed", spec.iterations(), "");
            return new Result(Status.COMPLETED, spec.iterations(), seconds(t0), last, "completed", run.dir());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.writeStatus("stopped", start, "interrupted");
            return new Result(Status.STOPPED, start, seconds(t0), last, "interrupted", run.dir());
        } catch (CheckpointException e) {
            throw e; // a refused checkpoint is the user's to resolve, not a trial failure
        } catch (EpochFence.FencedException e) {
            throw e; // a newer attempt owns the run folder: this one writes nothing more, not even its status
        } catch (Exception e) {
            String msg = "failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            LOG.error("trial {} {}", spec.name(), msg, e);
            try {
                run.writeStatus("failed", start, msg);
            } catch (RuntimeException ignored) {
                // the original failure is what matters
            }
            return new Result(Status.FAILED, start, seconds(t0), last, msg, run.dir());
        }
    }

    private Map<String, Object> statsLine(long i, Map<String, Double> losses, double rate) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("iteration", i);
        line.putAll(losses);
        line.put("it_per_s", round(rate));
        line.put("rss_mb", round(Memory.rssMegabytes()));
        line.put("time", System.currentTimeMillis() / 1000.0);
        return line;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String nonFinite(Map<String, Double> losses) {
        for (var e : losses.entrySet()) {
            if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                return e.getKey() + "=" + e.getValue();
            }
        }
        return null;
    }

    /** Writes checkpoint {@code ckpt-<iteration>} holding what is needed to run iteration {@code iteration} next. */
    void save(VideoGan gan, long iteration) throws IOException {
        run.checkFence();
        CheckpointIO.write(run.checkpoint(iteration), snapshot(gan, iteration));
        run.prune(KEEP_CHECKPOINTS);
    }

    /** The checkpoint content of a model at an iteration. */
    public static Checkpoint snapshot(VideoGan gan, long iteration) throws IOException {
        Map<String, byte[]> sections = new LinkedHashMap<>();
        for (var e : gan.networks().entrySet()) {
            sections.put("net:" + e.getKey(), parameters(e.getValue()));
        }
        for (var e : gan.optimizerStates().entrySet()) {
            sections.put("opt:" + e.getKey(), e.getValue());
        }
        return new Checkpoint(SpecIO.write(gan.spec()), iteration, sections);
    }

    /** Loads a checkpoint into a freshly built model; returns the iteration to run next. */
    public static long restore(VideoGan gan, Path file) {
        Checkpoint c = CheckpointIO.read(file);
        TrialSpec saved = SpecIO.parse(c.specJson());
        if (!saved.equals(gan.spec())) {
            throw new CheckpointException("checkpoint " + file + " belongs to trial '" + saved.name()
                    + "' with a different spec; refusing to load it into '" + gan.spec().name() + "'");
        }
        try {
            for (var e : gan.networks().entrySet()) {
                Block b = e.getValue();
                byte[] bytes = c.section("net:" + e.getKey());
                try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                    b.loadParameters(parameterManager(b), in);
                }
            }
        } catch (IOException | ai.djl.MalformedModelException e) {
            throw new CheckpointException("checkpoint " + file + " does not fit the model: " + e.getMessage(), e);
        }
        Map<String, byte[]> opt = new LinkedHashMap<>();
        for (String k : c.sections().keySet()) {
            if (k.startsWith("opt:")) {
                opt.put(k.substring(4), c.sections().get(k));
            }
        }
        gan.loadOptimizerStates(opt);
        return c.iteration();
    }

    private static NDManager parameterManager(Block b) {
        return b.getParameters().valueAt(0).getArray().getManager();
    }

    private static byte[] parameters(Block b) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            b.saveParameters(out);
        }
        return bytes.toByteArray();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}

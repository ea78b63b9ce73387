package io.ndevid.metrics.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.util.Randomness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The paper's evaluation protocol as a trainer hook — the one owner of its schedule, seeds, best-checkpoint policy
 * and files, whichever {@link Scorer} computes the numbers:
 * <ul>
 *   <li>every {@code interval} iterations the model's weights are written to {@code checkpoints/eval-<it>.bin} and
 *       {@code samples} videos are scored (seed {@link #periodicSeed}); scores are recorded in iteration order as a
 *       line of {@code metric-is.jsonl} and of {@code metric-fid.jsonl} (each naming the evaluator and its
 *       provenance: route, weights and mean SHA-256, dropout), and a line of {@code evaluations.jsonl} (route,
 *       attempts, latency);</li>
 *   <li>before training (a fresh run, not a resume) the untrained model is scored the same way as iteration 0, so
 *       the tables can show what training added; it never becomes the best checkpoint;</li>
 *   <li>a score after training began that beats the best IS so far makes its snapshot {@code checkpoints/best.bin} (with
 *       {@code best.json}); otherwise the snapshot is deleted;</li>
 *   <li>at most {@value #MAX_OUTSTANDING} scores are outstanding (a scorer that works off the training thread); an
 *       evaluation point that finds them taken is skipped, with a message;</li>
 *   <li>at the end, K batches at best.bin (seeds {@link #finalSeed}) → {@code final-metrics.json}
 *       ({@link FinalMetrics}, spread by {@link ProtocolSettings#std()}); a final score that cannot be had fails the trial with the reason.</li>
 * </ul>
 * A failed periodic score is a message (its snapshot is deleted); when none succeeded the end is scored once more,
 * and failing that the trial fails. {@link #close} ends the attempt: scores that arrive later are dropped, so they
 * cannot touch the files of a later attempt in the same run folder.
 */
public final class EvaluationProtocol implements TrainerLoop.Hook, AutoCloseable {

    public static final String IS_FILE = "metric-is.jsonl";
    public static final String FID_FILE = "metric-fid.jsonl";
    public static final String EVALUATIONS_FILE = "evaluations.jsonl";
    public static final String BEST_FILE = "best.json";
    /** One score in flight and one queued. */
    public static final int MAX_OUTSTANDING = 2;

    /** Where the protocol's scores and messages go (besides its files). */
    public interface Listener {
        /** A periodic score was recorded: {@code is} and {@code fid} at {@code iteration}. */
        default void onScore(long iteration, Map<String, Double> metrics) {}

        /** A skipped or failed evaluation. */
        default void onMessage(String message) {}
    }

    public static final Listener SILENT = new Listener() {};

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationProtocol.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunFolder run;
    private final Scorer scorer;
    private final ProtocolSettings settings;
    private final Listener listener;
    private final List<CompletableFuture<?>> outstanding = new ArrayList<>();
    /** The last request's recording: each records after the one before. */
    private CompletableFuture<?> recorded = CompletableFuture.completedFuture(null);
    private double bestIs = Double.NEGATIVE_INFINITY;
    private long bestIteration = -1;
    private long skipped;
    private boolean closed;

    public EvaluationProtocol(RunFolder run, Scorer scorer, ProtocolSettings settings, Listener listener) {
        this.run = run;
        this.scorer = scorer;
        this.settings = settings;
        this.listener = listener;
        recoverBest();
        deleteStaleSnapshots();
    }

    /** In-process scoring with {@code evaluator} against {@code real}, no listener. */
    public EvaluationProtocol(RunFolder run, VideoEvaluator evaluator, GaussianStats real, ProtocolSettings settings) {
        this(run, new InProcessScorer(evaluator, real, settings, null), settings, SILENT);
    }

    /** The seed of the periodic evaluation after iteration {@code iteration} (0-based; −1: before training). */
    public static long periodicSeed(TrialSpec spec, long iteration) {
        return Randomness.derive(spec.seed(), iteration, "eval");
    }

    /** The seed of final batch {@code b}. */
    public static long finalSeed(TrialSpec spec, int b) {
        return Randomness.derive(spec.seed(), b, "final-eval");
    }

    @Override
    public long interval() {
        return settings.interval();
    }

    /**
     * Scores the untrained model as iteration 0 (when periodic evaluations are on) and waits for that score before
     * the first step: one evaluation per trial, and the periodic points keep all {@value #MAX_OUTSTANDING}
     * outstanding places to themselves (a remote scorer settles every request within its timeout).
     */
    @Override
    public void beforeTraining(VideoGan gan) throws IOException {
        if (interval() > 0) {
            submit(gan, -1).join();
        }
    }

    /**
     * Snapshots the model and hands the request to the scorer; returns {@code is} and {@code fid} for the stats
     * line when the score is already recorded (an in-process scorer), else nothing.
     */
    @Override
    public Map<String, Object> run(VideoGan gan, long iteration) throws IOException {
        synchronized (this) {
            outstanding.removeIf(CompletableFuture::isDone);
            if (outstanding.size() >= MAX_OUTSTANDING) {
                skipped++;
                String msg = "evaluation at iteration " + (iteration + 1) + " skipped: " + outstanding.size()
                        + " evaluations still rendering/scoring (the evaluator is slower than the eval interval)";
                LOG.warn("{}: {}", gan.spec().name(), msg);
                listener.onMessage(msg);
                return Map.of("eval_skipped", 1);
            }
        }
        CompletableFuture<Score> f = submit(gan, iteration);
        Score s = f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
        return s == null ? Map.of() : Map.of("is", s.is(), "fid", s.fid());
    }

    /** Writes the snapshot of iteration {@code iteration + 1} and asks for its score; records it when it comes. */
    private CompletableFuture<Score> submit(VideoGan gan, long iteration) throws IOException {
        long it = iteration + 1;
        String trial = gan.spec().name();
        Path snapshot = run.checkpoints().resolve(String.format("eval-%09d.bin", it));
        run.checkFence();
        Files.createDirectories(run.checkpoints());
        CheckpointIO.write(snapshot, TrainerLoop.snapshot(gan, it));
        CompletableFuture<Scorer.Scored> scored = ask(new Scorer.Request(gan, snapshot, it, "periodic",
                periodicSeed(gan.spec(), iteration), settings.samples(), settings.batchSize()));
        CompletableFuture<Score> f;
        synchronized (this) {
            f = recorded.handle((x, e) -> null).thenCompose(x -> scored.handle((r, failure) -> {
                try {
                    if (failure != null) {
                        String msg = "evaluation at iteration " + it + " failed: " + message(failure);
                        LOG.warn("{}: {}", trial, msg);
                        listener.onMessage(msg);
                        Files.deleteIfExists(snapshot);
                        return null;
                    }
                    return record(trial, it, r, snapshot);
                } catch (IOException | RuntimeException e) {
                    LOG.error("{}: recording the evaluation at iteration {} failed", trial, it, e);
                    return null;
                }
            }));
            recorded = f;
            outstanding.add(f);
        }
        return f;
    }

    private CompletableFuture<Scorer.Scored> ask(Scorer.Request request) {
        try {
            return scorer.score(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private synchronized Score record(String trial, long it, Scorer.Scored r, Path snapshot) throws IOException {
        if (closed) {
            LOG.info("{}: score of iteration {} arrived after the attempt ended; dropped", trial, it);
            Files.deleteIfExists(snapshot);
            return null;
        }
        Score s = r.score();
        Map<String, Object> isLine = new LinkedHashMap<>();
        isLine.put("iteration", it);
        isLine.put("is", s.is());
        isLine.put("n", s.n());
        isLine.put("evaluator", s.evaluator());
        isLine.put("provenance", s.provenance().fields());
        run.appendJsonLine(run.dir().resolve(IS_FILE), isLine);
        Map<String, Object> fidLine = new LinkedHashMap<>();
        fidLine.put("iteration", it);
        fidLine.put("fid", s.fid());
        fidLine.put("method", s.fidMethod());
        fidLine.put("n", s.n());
        fidLine.put("evaluator", s.evaluator());
        fidLine.put("provenance", s.provenance().fields());
        run.appendJsonLine(run.dir().resolve(FID_FILE), fidLine);
        evaluationLine(it, "periodic", r);
        if (it > 0 && s.is() > bestIs) {
            bestIs = s.is();
            bestIteration = it;
            run.checkFence();
            Files.move(snapshot, run.bestCheckpoint(), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(run.checkpoints().resolve(BEST_FILE),
                    JSON.writeValueAsString(Map.of("iteration", it, "is", s.is())));
        } else {
            Files.deleteIfExists(snapshot);
        }
        listener.onScore(it, Map.of("is", s.is(), "fid", s.fid()));
        return s;
    }

    private void evaluationLine(long it, String kind, Scorer.Scored r) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("iteration", it);
        l.put("kind", kind);
        l.put("route", r.route());
        l.put("attempts", r.attempts());
        l.put("ms", r.nanos() / 1e6);
        l.put("bytes", r.bytes());
        l.put("n", r.score().n());
        run.appendJsonLine(run.dir().resolve(EVALUATIONS_FILE), l);
    }

    @Override
    public void finish(VideoGan gan, long iterations) throws Exception {
        String trial = gan.spec().name();
        long waitMs = scorer.patience().toMillis();
        awaitOutstanding(trial, waitMs);
        if (!Files.exists(run.bestCheckpoint())) {
            // never evaluated (interval 0 or longer than the run) or every evaluation failed: the end is the best
            submit(gan, iterations - 1);
            awaitOutstanding(trial, waitMs);
        }
        if (!Files.exists(run.bestCheckpoint())) {
            throw new IllegalStateException("no evaluation of " + trial + " succeeded, so there is no best-IS "
                    + "checkpoint to run the final evaluation on (see the trainer's log)");
        }
        long best = TrainerLoop.restore(gan, run.bestCheckpoint());
        int k = settings.finalBatches();
        // two in flight (a remote scorer renders the next while one is scored), so each wait covers one request
        List<CompletableFuture<Scorer.Scored>> finals = new ArrayList<>();
        for (int b = 0; b < Math.min(2, k); b++) {
            finals.add(finalRequest(gan, best, b));
        }
        List<Score> scores = new ArrayList<>();
        for (int b = 0; b < k; b++) {
            Scorer.Scored r;
            try {
                r = finals.get(b).get(waitMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("final evaluation batch " + b + " of " + k + " failed: "
                        + message(e), e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("final evaluation batch " + b + " of " + k + " got no score within "
                        + waitMs / 1000 + " s");
            }
            evaluationLine(best, "final-" + b, r);
            scores.add(r.score());
            if (b + 2 < k) {
                finals.add(finalRequest(gan, best, b + 2));
            }
        }
        run.checkFence();
        FinalMetrics.of(gan.spec().configId(), scores, best, settings, gan.temporalParameterCount(),
                gan.originalTemporalParameterCount()).write(run.dir());
        if (skipped > 0) {
            listener.onMessage(skipped + " evaluation point(s) skipped: the evaluator was busy");
        }
    }

    /** Final batch {@code b}: N samples at best.bin (the live model holds its weights now). */
    private CompletableFuture<Scorer.Scored> finalRequest(VideoGan gan, long best, int b) {
        return ask(new Scorer.Request(gan, run.bestCheckpoint(), best, "final-" + b, finalSeed(gan.spec(), b),
                settings.finalSamples(), settings.batchSize()));
    }

    private void awaitOutstanding(String trial, long waitMs) throws InterruptedException {
        List<CompletableFuture<?>> all;
        synchronized (this) {
            all = new ArrayList<>(outstanding);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: outstanding evaluations did not all finish: {}", trial, e.toString());
        }
    }

    /** The attempt is over: scores still in flight are dropped when they arrive; the scorer is closed. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        scorer.close();
    }

    public ProtocolSettings settings() {
        return settings;
    }

    public Scorer scorer() {
        return scorer;
    }

    public synchronized double bestIs() {
        return bestIs;
    }

    public synchronized long bestIteration() {
        return bestIteration;
    }

    public synchronized long skipped() {
        return skipped;
    }

    /** After a resume, the best so far is what best.json says. */
    private void recoverBest() {
        Path best = run.checkpoints().resolve(BEST_FILE);
        if (Files.exists(best) && Files.exists(run.bestCheckpoint())) {
            try {
                var node = JSON.readTree(best.toFile());
                bestIs = node.get("is").asDouble();
                bestIteration = node.get("iteration").asLong();
            } catch (IOException | RuntimeException e) {
                bestIs = Double.NEGATIVE_INFINITY; // unreadable: the next evaluation sets a new best
            }
        }
    }

    /** Snapshots of an earlier attempt whose scores never arrived. */
    private void deleteStaleSnapshots() {
        if (!Files.isDirectory(run.checkpoints())) {
            return;
        }
        try (Stream<Path> files = Files.list(run.checkpoints())) {
            for (Path p : files.filter(p -> p.getFileName().toString().matches("eval-\\d+\\.bin")).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("{}: cannot clean old evaluation snapshots: {}", run.dir(), e.toString());
        }
    }

    /** The innermost message of a (completion) failure. */
    public static String message(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}

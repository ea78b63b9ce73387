package io.ndevid.actors.evalproc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.TrialEvaluation;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The evaluation protocol of {@link EvaluationProtocol}, with the sampling and scoring moved off the training
 * thread: at an evaluation point the training thread only writes a snapshot of the model
 * ({@code checkpoints/eval-<iteration>.bin}, the checkpoint format) and goes on; the {@link SolverWorker} renders
 * the samples from it and an evaluator process scores them. When a score arrives its lines go to
 * {@code metric-is.jsonl} / {@code metric-fid.jsonl} (same fields as in-process), and if it beats the best so far
 * the snapshot becomes {@code checkpoints/best.bin} (with {@code best.json}); otherwise it is deleted. At most one
 * request renders/scores and one waits: an evaluation point that finds both taken is skipped, with a message.
 * {@link #finish} waits for the outstanding scores, then scores K × N samples at best.bin the same way and writes
 * {@code final-metrics.json} (same fields); a final score that cannot be had fails the trial with the reason.
 * Each request's route and latency is a line of {@code evaluations.jsonl}.
 */
public final class OffloadedEvaluation implements TrainerLoop.Hook, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OffloadedEvaluation.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One request in flight and one queued. */
    static final int MAX_OUTSTANDING = 2;
    public static final String EVALUATIONS_FILE = "evaluations.jsonl";

    private final EvaluationOffload offload;
    private final TrialSpec spec;
    private final RunFolder run;
    private final TrialExecutor.Listener listener;
    private final List<CompletableFuture<?>> outstanding = new ArrayList<>();
    /** The last request's recording: each records after the one before. */
    private CompletableFuture<?> recorded = CompletableFuture.completedFuture(null);
    private double bestIs = Double.NEGATIVE_INFINITY;
    private long skipped;
    private boolean closed;

    OffloadedEvaluation(EvaluationOffload offload, TrialSpec spec, Path runDir, TrialExecutor.Listener listener) {
        this.offload = offload;
        this.spec = spec;
        this.run = new RunFolder(runDir);
        this.listener = listener;
        recoverBest();
        deleteStaleSnapshots();
    }

    @Override
    public long interval() {
        return spec.evalInterval();
    }

    @Override
    public Map<String, Object> run(VideoGan gan, long iteration) throws IOException {
        synchronized (this) {
            outstanding.removeIf(CompletableFuture::isDone);
            if (outstanding.size() >= MAX_OUTSTANDING) {
                skipped++;
                String msg = "evaluation at iteration " + (iteration + 1) + " skipped: " + outstanding.size()
                        + " evaluations still rendering/scoring (the evaluator is slower than the eval interval)";
                LOG.warn("{}: {}", spec.name(), msg);
                listener.onMessage(msg);
                return Map.of("eval_skipped", 1);
            }
        }
        submit(gan, iteration);
        return Map.of();
    }

    /** Snapshots the model (the only work on the training thread) and hands the request on. */
    private CompletableFuture<?> submit(VideoGan gan, long iteration) throws IOException {
        long it = iteration + 1;
        Path snapshot = run.checkpoints().resolve(String.format("eval-%09d.bin", it));
        Files.createDirectories(run.checkpoints());
        CheckpointIO.write(snapshot, TrainerLoop.snapshot(gan, it));
        long seed = Randomness.derive(spec.seed(), iteration, "eval");
        CompletableFuture<EvaluationOffload.Result> scored = offload.score(spec, snapshot, it, "periodic", seed,
                spec.evalSamples());
        // recorded in iteration order (scores may arrive out of order after a retry), as in-process
        CompletableFuture<?> f;
        synchronized (this) {
            f = recorded.handle((x, e) -> null).thenCompose(x -> scored.handle((r, failure) -> {
                    try {
                        if (failure != null) {
                            String msg = "evaluation at iteration " + it + " failed: " + SolverWorker.message(failure);
                            LOG.warn("{}: {}", spec.name(), msg);
                            listener.onMessage(msg);
                            Files.deleteIfExists(snapshot);
                        } else {
                            record(it, r, snapshot);
                        }
                    } catch (IOException | RuntimeException e) {
                        LOG.error("{}: recording the evaluation at iteration {} failed", spec.name(), it, e);
                    }
                    return null;
                }));
            recorded = f;
        }
        synchronized (this) {
            outstanding.add(f);
        }
        return f;
    }

    private synchronized void record(long it, EvaluationOffload.Result r, Path snapshot) throws IOException {
        if (closed) {
            // the attempt ended (stopped, failed) before this score came: a later attempt owns the run folder now
            LOG.info("{}: score of iteration {} arrived after the attempt ended; dropped", spec.name(), it);
            Files.deleteIfExists(snapshot);
            return;
        }
        SampleEvaluator.Scored s = r.scored();
        Map<String, Object> isLine = new LinkedHashMap<>();
        isLine.put("iteration", it);
        isLine.put("is", s.is());
        isLine.put("n", s.n());
        isLine.put("evaluator", s.evaluator());
        run.appendJsonLine(run.dir().resolve("metric-is.jsonl"), isLine);
        Map<String, Object> fidLine = new LinkedHashMap<>();
        fidLine.put("iteration", it);
        fidLine.put("fid", s.fid());
        fidLine.put("method", s.fidMethod());
        fidLine.put("n", s.n());
        fidLine.put("evaluator", s.evaluator());
        run.appendJsonLine(run.dir().resolve("metric-fid.jsonl"), fidLine);
        line(it, "periodic", r);
        if (s.is() > bestIs) {
            bestIs = s.is();
            Files.move(snapshot, run.bestCheckpoint(), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(run.checkpoints().resolve("best.json"),
                    JSON.writeValueAsString(Map.of("iteration", it, "is", s.is())));
        } else {
            Files.deleteIfExists(snapshot);
        }
        listener.onMetrics(it, Map.of("is", s.is(), "fid", s.fid()));
    }

    private void line(long it, String kind, EvaluationOffload.Result r) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("iteration", it);
        l.put("kind", kind);
        l.put("route", r.route());
        l.put("attempts", r.attempts());
        l.put("ms", r.nanos() / 1e6);
        l.put("bytes", r.scored().bytes());
        l.put("n", r.scored().n());
        run.appendJsonLine(run.dir().resolve(EVALUATIONS_FILE), l);
    }

    @Override
    public void finish(VideoGan gan, long iterations) throws Exception {
        long waitMs = offload.settings().attemptTimeout().toMillis() * (offload.settings().attempts() + 1);
        awaitOutstanding(waitMs);
        if (!Files.exists(run.bestCheckpoint())) {
            // never evaluated (interval 0 or longer than the run) or every evaluation failed: the end is the best
            submit(gan, iterations - 1);
            awaitOutstanding(waitMs);
        }
        if (!Files.exists(run.bestCheckpoint())) {
            throw new IllegalStateException("no evaluation of " + spec.name() + " succeeded, so there is no best-IS "
                    + "checkpoint to run the final evaluation on (see the trainer's log)");
        }
        long bestIteration = CheckpointIO.read(run.bestCheckpoint()).iteration();
        int k = TrialEvaluation.FINAL_BATCHES;
        // two in flight (rendering the next while the evaluator scores one), so each attempt's timeout covers
        // one request's work rather than K queued ones
        List<CompletableFuture<EvaluationOffload.Result>> finals = new ArrayList<>();
        for (int b = 0; b < Math.min(2, k); b++) {
            finals.add(finalRequest(bestIteration, b));
        }
        List<SampleEvaluator.Scored> scores = new ArrayList<>();
        for (int b = 0; b < k; b++) {
            EvaluationOffload.Result r;
            try {
                r = finals.get(b).get(waitMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("final evaluation batch " + b + " of " + k + " failed: "
                        + SolverWorker.message(e), e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("final evaluation batch " + b + " of " + k + " got no score within "
                        + waitMs / 1000 + " s");
            }
            line(bestIteration, "final-" + b, r);
            scores.add(r.scored());
            if (b + 2 < k) {
                finals.add(finalRequest(bestIteration, b + 2));
            }
        }
        double[] is = scores.stream().mapToDouble(SampleEvaluator.Scored::is).toArray();
        double[] fids = scores.stream().mapToDouble(SampleEvaluator.Scored::fid).toArray();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("config", spec.configId());
        out.put("is_mean", EvaluationProtocol.mean(is));
        out.put("is_std", EvaluationProtocol.std(is));
        out.put("fid_mean", EvaluationProtocol.mean(fids));
        out.put("fid_std", EvaluationProtocol.std(fids));
        out.put("best_iteration", bestIteration);
        out.put("batches", k);
        out.put("samples_per_batch", spec.evalSamples());
        out.put("is_splits", 1);
        out.put("is_per_batch", is);
        out.put("fid_per_batch", fids);
        out.put("fid_method", scores.get(0).fidMethod());
        out.put("evaluator", scores.get(0).evaluator());
        out.put("preprocessing", scores.get(0).preprocessing());
        out.put("real_statistics", scores.get(0).realStatistics());
        out.put("temporal_parameters", gan.temporalParameterCount());
        out.put("original_temporal_parameters", gan.originalTemporalParameterCount());
        Files.writeString(run.dir().resolve("final-metrics.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        if (skipped > 0) {
            listener.onMessage(skipped + " evaluation point(s) skipped: the evaluator was busy");
        }
        org.HdrHistogram.Histogram h = offload.latencies();
        LOG.info("{}: evaluation latency in this process so far (request → score, {} requests): p50 {} ms, p90 {} ms, "
                        + "max {} ms", spec.name(), h.getTotalCount(), h.getValueAtPercentile(50) / 1_000_000,
                h.getValueAtPercentile(90) / 1_000_000, h.getMaxValue() / 1_000_000);
    }

    /** Final batch {@code b}: N samples at best.bin with the protocol's seed for it. */
    private CompletableFuture<EvaluationOffload.Result> finalRequest(long bestIteration, int b) {
        return offload.score(spec, run.bestCheckpoint(), bestIteration, "final-" + b,
                Randomness.derive(spec.seed(), b, "final-eval"), spec.evalSamples());
    }

    private void awaitOutstanding(long waitMs) throws InterruptedException {
        List<CompletableFuture<?>> all;
        synchronized (this) {
            all = new ArrayList<>(outstanding);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: outstanding evaluations did not all finish: {}", spec.name(), e.toString());
        }
    }

    /**
     * The attempt is over: scores still in flight are dropped when they arrive (their snapshots deleted), so they
     * cannot touch the metric lines or best.bin of a later attempt in the same run folder.
     */
    @Override
    public synchronized void close() {
        closed = true;
    }

    public synchronized long skipped() {
        return skipped;
    }

    /** After a resume, the best so far is what best.json says (as {@link EvaluationProtocol} does). */
    private void recoverBest() {
        Path best = run.checkpoints().resolve("best.json");
        if (Files.exists(best) && Files.exists(run.bestCheckpoint())) {
            try {
                bestIs = JSON.readTree(best.toFile()).get("is").asDouble();
            } catch (IOException | RuntimeException e) {
                bestIs = Double.NEGATIVE_INFINITY;
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
            LOG.warn("{}: cannot clean old evaluation snapshots: {}", spec.name(), e.toString());
        }
    }
}

package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.is.InceptionScore;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.util.Randomness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's protocol as a trainer hook: periodic IS + FID on generated samples ({@code metric-is.jsonl},
 * {@code metric-fid.jsonl}), the best-IS checkpoint kept ({@code checkpoints/best.bin}), and at the end K batches at
 * that checkpoint → {@code final-metrics.json} with IS and FID mean ± std (spread by
 * {@link ProtocolSettings#std()}), naming the evaluator, preprocessing, its {@code provenance} (route, weights and
 * mean SHA-256, dropout) and FID method. Every score line records the provenance too.
 */
public final class EvaluationProtocol implements TrainerLoop.Hook {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunFolder run;
    private final VideoEvaluator evaluator;
    private final GaussianStats real;
    private final ProtocolSettings settings;
    private final FrechetDistance fid = new FrechetDistance();
    private double bestIs = Double.NEGATIVE_INFINITY;
    private long bestIteration = -1;

    public EvaluationProtocol(RunFolder run, VideoEvaluator evaluator, GaussianStats real, ProtocolSettings settings) {
        this.run = run;
        this.evaluator = evaluator;
        this.real = real;
        this.settings = settings;
        recoverBest();
    }

    @Override
    public long interval() {
        return settings.interval();
    }

    /** One score of one batch of samples. */
    public record Score(double is, double isStd, FidResult fid, int n) {}

    @Override
    public Map<String, Object> run(VideoGan gan, long iteration) throws IOException {
        Score s = score(gan, settings.samples(), Randomness.derive(gan.spec().seed(), iteration, "eval"));
        long it = iteration + 1;
        Map<String, Object> isLine = new LinkedHashMap<>();
        isLine.put("iteration", it);
        isLine.put("is", s.is());
        isLine.put("n", s.n());
        isLine.put("evaluator", evaluator.id());
        isLine.put("provenance", evaluator.provenance().fields());
        run.appendJsonLine(run.dir().resolve("metric-is.jsonl"), isLine);
        Map<String, Object> fidLine = new LinkedHashMap<>();
        fidLine.put("iteration", it);
        fidLine.put("fid", s.fid().fid());
        fidLine.put("method", s.fid().method());
        fidLine.put("n", s.n());
        fidLine.put("evaluator", evaluator.id());
        fidLine.put("provenance", evaluator.provenance().fields());
        run.appendJsonLine(run.dir().resolve("metric-fid.jsonl"), fidLine);
        if (s.is() > bestIs) {
            bestIs = s.is();
            bestIteration = it;
            CheckpointIO.write(run.bestCheckpoint(), TrainerLoop.snapshot(gan, it));
            Files.writeString(run.checkpoints().resolve("best.json"),
                    JSON.writeValueAsString(Map.of("iteration", it, "is", s.is())));
        }
        return Map.of("is", s.is(), "fid", s.fid().fid());
    }

    @Override
    public void finish(VideoGan gan, long iterations) throws IOException {
        if (!Files.exists(run.bestCheckpoint())) {
            run(gan, iterations - 1); // never evaluated (interval 0 or longer than the run): the end is the best
        }
        long loaded = TrainerLoop.restore(gan, run.bestCheckpoint());
        List<Score> scores = new ArrayList<>();
        for (int k = 0; k < settings.finalBatches(); k++) {
            scores.add(score(gan, settings.finalSamples(), Randomness.derive(gan.spec().seed(), k, "final-eval")));
        }
        double[] is = scores.stream().mapToDouble(Score::is).toArray();
        double[] fids = scores.stream().mapToDouble(s -> s.fid().fid()).toArray();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("config", gan.spec().configId());
        out.put("is_mean", mean(is));
        out.put("is_std", settings.std().of(is));
        out.put("fid_mean", mean(fids));
        out.put("fid_std", settings.std().of(fids));
        out.put("best_iteration", loaded);
        out.put("batches", settings.finalBatches());
        out.put("samples_per_batch", settings.finalSamples());
        out.put("is_splits", settings.splits());
        out.put("is_per_batch", is);
        out.put("fid_per_batch", fids);
        out.put("fid_method", scores.get(0).fid().method());
        out.put("evaluator", evaluator.id());
        out.put("preprocessing", evaluator.preprocessing());
        out.put("provenance", evaluator.provenance().fields());
        out.put("std_convention", settings.std().id());
        out.put("real_statistics", real.provenance());
        out.put("temporal_parameters", gan.temporalParameterCount());
        out.put("original_temporal_parameters", gan.originalTemporalParameterCount());
        Files.writeString(run.dir().resolve("final-metrics.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** IS and FID of {@code n} samples drawn with {@code seed}, generated and classified chunk by chunk. */
    public Score score(VideoGan gan, int n, long seed) {
        List<C3dEvaluator.Outputs> parts = new ArrayList<>();
        int chunk = settings.batchSize();
        for (int from = 0, k = 0; from < n; from += chunk, k++) {
            int m = Math.min(chunk, n - from);
            try (NDManager scope = NDManager.newBaseManager()) {
                NDArray videos = gan.sample(scope, m, Randomness.derive(seed, k, "chunk"));
                parts.add(evaluator.evaluate(videos, chunk));
            }
        }
        return score(parts, n);
    }

    /**
     * IS and FID of classifier outputs already computed chunk by chunk (in chunk order) — what an evaluator that
     * receives the samples from elsewhere (another process) calls; the same numbers as {@link #score(VideoGan, int,
     * long)} on the same videos.
     */
    public Score score(List<C3dEvaluator.Outputs> parts, int n) {
        C3dEvaluator.Outputs all = C3dEvaluator.Outputs.concat(parts);
        InceptionScore.Result is = InceptionScore.compute(all.probabilities(), settings.splits());
        FidResult f = fid.compute(real, all.fc7());
        return new Score(is.mean(), is.std(), f, n);
    }

    /** The classifier the scores come from. */
    public VideoEvaluator evaluator() {
        return evaluator;
    }

    /** The real-data statistics FID compares with. */
    public GaussianStats real() {
        return real;
    }

    public ProtocolSettings settings() {
        return settings;
    }

    /** After a resume, the best so far is what best.json says. */
    private void recoverBest() {
        Path best = run.checkpoints().resolve("best.json");
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

    public double bestIs() {
        return bestIs;
    }

    public long bestIteration() {
        return bestIteration;
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}

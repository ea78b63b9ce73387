package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.is.InceptionScore;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.TrialSpec;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * IS and FID computed in this process: the classifier ({@link VideoEvaluator}) and the real-data statistics, with
 * the protocol's IS splits and classifier batch size. As a {@link Scorer} it samples the live generator on the
 * calling thread; an evaluator process that receives the samples from elsewhere calls {@link #classify} per batch
 * as they arrive and {@link #score(List, int)} at the end — the same numbers on the same videos.
 */
public final class InProcessScorer implements Scorer {

    /** Builds the scorer of a trial (its evaluator and real statistics); see {@link TrialEvaluation#scorer}. */
    @FunctionalInterface
    public interface Factory {
        InProcessScorer open(TrialSpec spec) throws Exception;
    }

    public static final String ROUTE = "in-process";

    private final VideoEvaluator evaluator;
    private final GaussianStats real;
    private final ProtocolSettings settings;
    private final AutoCloseable resource;
    private final FrechetDistance fid = new FrechetDistance();

    /** @param resource closed with this scorer (the evaluator's weights), or null */
    public InProcessScorer(VideoEvaluator evaluator, GaussianStats real, ProtocolSettings settings,
                           AutoCloseable resource) {
        this.evaluator = evaluator;
        this.real = real;
        this.settings = settings;
        this.resource = resource;
    }

    @Override
    public CompletableFuture<Scored> score(Request r) {
        long t0 = System.nanoTime();
        try {
            Score s = score(r.gan(), r.samples(), r.seed(), r.chunk());
            return CompletableFuture.completedFuture(new Scored(s, ROUTE, 1, System.nanoTime() - t0, 0));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** IS and FID of {@code n} samples drawn with {@code seed} ({@link EvaluationSamples}), classified per chunk. */
    public Score score(VideoGan gan, int n, long seed, int chunk) {
        List<C3dEvaluator.Outputs> parts = new ArrayList<>();
        EvaluationSamples.draw(gan, n, seed, chunk, (k, videos) -> parts.add(classify(videos)));
        return score(parts, n);
    }

    /** Classifier outputs of one batch {@code [m, C, T, H, W]} in [−1, 1]. */
    public C3dEvaluator.Outputs classify(NDArray videos) {
        return evaluator.evaluate(videos, settings.batchSize());
    }

    /** IS (the protocol's splits) and FID of classifier outputs computed chunk by chunk, in chunk order. */
    public Score score(List<C3dEvaluator.Outputs> parts, int n) {
        C3dEvaluator.Outputs all = C3dEvaluator.Outputs.concat(parts);
        InceptionScore.Result is = InceptionScore.compute(all.probabilities(), settings.splits());
        FidResult f = fid.compute(real, all.fc7());
        return new Score(is.mean(), is.std(), f.fid(), f.method(), n, evaluator.id(), evaluator.preprocessing(),
                evaluator.provenance(), real.provenance());
    }

    public VideoEvaluator evaluator() {
        return evaluator;
    }

    @Override
    public void close() {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(InProcessScorer.class).warn("closing the evaluator: {}", e.toString());
            }
        }
    }
}

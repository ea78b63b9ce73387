package io.ndevid.metrics.protocol;

import io.ndevid.training.gan.VideoGan;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The seam between the protocol ({@link EvaluationProtocol}: when to evaluate, with which seeds, what to keep and
 * write) and whoever turns generated samples into IS and FID: {@link InProcessScorer} samples and classifies on the
 * calling thread; the cluster's remote scorer has the snapshot rendered by a sample-renderer pool and classified in
 * an evaluator process. Both draw the same samples ({@link EvaluationSamples}) and compute the same numbers.
 */
public interface Scorer extends AutoCloseable {

    /**
     * Score {@code samples} videos drawn with {@code seed}, {@code chunk} at a time.
     *
     * @param gan      the live generator (the training thread's; only usable during the call)
     * @param snapshot the generator's weights at {@code iteration}, written by the protocol (a checkpoint file),
     *                 for scorers that sample elsewhere
     * @param kind     {@code periodic} or {@code final-<b>}: named in logs and {@code evaluations.jsonl}
     */
    record Request(VideoGan gan, Path snapshot, long iteration, String kind, long seed, int samples, int chunk) {}

    /** A score and how it was obtained: the route ({@code in-process}, {@code evaluator}), attempts, latency. */
    record Scored(Score score, String route, int attempts, long nanos, long bytes) {}

    /**
     * Starts scoring; the future fails only when no score could be had (with the reason). An in-process scorer
     * returns a completed future.
     */
    CompletableFuture<Scored> score(Request request);

    /** How long the protocol waits for an outstanding score before giving up on it. */
    default Duration patience() {
        return Duration.ofHours(1);
    }

    @Override
    default void close() {}
}

package io.ndevid.metrics.protocol;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.util.Randomness;

/**
 * The protocol's one sampling loop: {@code n} videos of a generator for one score, drawn {@code chunk} at a time,
 * chunk {@code k} with the seed {@code derive(seed, k, "chunk")}. In-process scoring and the sample renderers
 * that stream samples to an evaluator process both draw through here, so they score the same videos.
 */
public final class EvaluationSamples {

    /** Receives chunk {@code k} (videos {@code [m, C, T, H, W]} in [−1, 1], freed after the call). */
    @FunctionalInterface
    public interface Chunks {
        void accept(int k, NDArray videos);
    }

    private EvaluationSamples() {}

    /** Draws the chunks in order, each in its own NDManager scope. */
    public static void draw(VideoGan gan, int n, long seed, int chunk, Chunks chunks) {
        if (n < 1 || chunk < 1) {
            throw new IllegalArgumentException("sampling needs n ≥ 1 and chunk ≥ 1, got " + n + " / " + chunk);
        }
        for (int from = 0, k = 0; from < n; from += chunk, k++) {
            int m = Math.min(chunk, n - from);
            try (NDManager scope = NDManager.newBaseManager()) {
                chunks.accept(k, gan.sample(scope, m, Randomness.derive(seed, k, "chunk")));
            }
        }
    }

    /** The number of chunks of {@code n} samples. */
    public static int chunks(int n, int chunk) {
        return (n + chunk - 1) / chunk;
    }
}

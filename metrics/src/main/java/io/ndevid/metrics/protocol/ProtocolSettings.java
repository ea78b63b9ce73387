package io.ndevid.metrics.protocol;

/**
 * The evaluation protocol of the seed paper as named settings: IS (and FID) on {@code samples} generated videos
 * every {@code interval} iterations, the best-IS checkpoint kept, then {@code finalBatches} batches of
 * {@code finalSamples} videos at that checkpoint → IS and FID mean ± std.
 *
 * @param splits IS splits within one batch (the paper's protocol: 1 — the spread comes from the K batches)
 */
public record ProtocolSettings(long interval, int samples, int finalBatches, int finalSamples, int splits,
                               int batchSize) {

    public ProtocolSettings {
        if (interval < 0 || samples < 2 || finalBatches < 1 || finalSamples < 2 || splits < 1 || batchSize < 1) {
            throw new IllegalArgumentException("bad protocol settings: interval " + interval + ", samples " + samples
                    + ", final " + finalBatches + " × " + finalSamples + ", splits " + splits + ", batch "
                    + batchSize);
        }
        if (splits > samples || splits > finalSamples) {
            throw new IllegalArgumentException("IS splits (" + splits + ") exceed the samples per evaluation");
        }
    }

    /** The paper: 2048 samples every 2000 iterations, then 5 × 2048. */
    public static ProtocolSettings paper() {
        return new ProtocolSettings(2000, 2048, 5, 2048, 1, 64);
    }
}

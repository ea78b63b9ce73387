package io.ndevid.metrics.protocol;

import io.ndevid.training.spec.TrialSpec;

/**
 * The evaluation protocol of the seed paper as named settings: IS (and FID) on {@code samples} generated videos
 * every {@code interval} iterations, the best-IS checkpoint kept, then {@code finalBatches} batches of
 * {@code finalSamples} videos at that checkpoint → IS and FID mean ± std.
 *
 * @param splits    IS splits within one batch (the paper's protocol: 1 — the spread comes from the K batches)
 * @param batchSize samples generated and classified at a time; it fixes the chunking of the sample seeds
 *                  ({@link EvaluationSamples}), so every scorer of a trial draws with the same one
 * @param std       how the final spread over the K batches is computed (the paper's: {@link #PAPER_STD})
 */
public record ProtocolSettings(long interval, int samples, int finalBatches, int finalSamples, int splits,
                               int batchSize, StdConvention std) {

    /** With the paper's spread convention ({@link #PAPER_STD}). */
    public ProtocolSettings(long interval, int samples, int finalBatches, int finalSamples, int splits,
                            int batchSize) {
        this(interval, samples, finalBatches, finalSamples, splits, batchSize, PAPER_STD);
    }

    public ProtocolSettings {
        if (interval < 0 || samples < 2 || finalBatches < 1 || finalSamples < 2 || splits < 1 || batchSize < 1) {
            throw new IllegalArgumentException("bad protocol settings: interval " + interval + ", samples " + samples
                    + ", final " + finalBatches + " × " + finalSamples + ", splits " + splits + ", batch "
                    + batchSize);
        }
        if (std == null) {
            throw new IllegalArgumentException("std convention must be given (population or sample)");
        }
        if (splits > samples || splits > finalSamples) {
            throw new IllegalArgumentException("IS splits (" + splits + ") exceed the samples per evaluation");
        }
    }

    /** The paper's K: final batches at the best-IS checkpoint. */
    public static final int FINAL_BATCHES = 5;
    /** The paper's IS splits per batch. */
    public static final int SPLITS = 1;
    /** Samples generated and classified at a time. */
    public static final int BATCH = 64;
    /** The paper's spread over the K batches: {@code np.std}, as the authors report it. */
    public static final StdConvention PAPER_STD = StdConvention.POPULATION;

    /**
     * A trial's protocol: its {@code evalInterval} and {@code evalSamples} (periodic and per final batch),
     * K = {@value #FINAL_BATCHES}, {@value #SPLITS} IS split, chunks of {@value #BATCH}, the paper's spread
     * convention. The one place a trial's settings are made, whichever scorer runs them.
     */
    public static ProtocolSettings forTrial(TrialSpec spec) {
        return new ProtocolSettings(spec.evalInterval(), spec.evalSamples(), FINAL_BATCHES, spec.evalSamples(),
                SPLITS, BATCH, PAPER_STD);
    }

    /** The paper: 2048 samples every 2000 iterations, then 5 × 2048, np.std over the 5. */
    public static ProtocolSettings paper() {
        return new ProtocolSettings(2000, 2048, FINAL_BATCHES, 2048, SPLITS, BATCH, PAPER_STD);
    }
}

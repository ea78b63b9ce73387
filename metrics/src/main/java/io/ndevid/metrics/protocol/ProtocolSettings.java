package io.ndevid.metrics.protocol;

/**
 * The evaluation protocol of the seed paper as named settings: IS (and FID) on {@code samples} generated videos
 * every {@code interval} iterations, the best-IS checkpoint kept, then {@code finalBatches} batches of
 * {@code finalSamples} videos at that checkpoint → IS and FID mean ± std.
 *
 * @param splits IS splits within one batch (the paper's protocol: 1 — the spread comes from the K batches)
 * @param std    how the final spread over the K batches is computed (the paper's: {@link StdConvention#POPULATION})
 */
public record ProtocolSettings(long interval, int samples, int finalBatches, int finalSamples, int splits,
                               int batchSize, StdConvention std) {

    /** The paper's protocol constants for a trial: K final batches, IS splits, scoring batch, spread convention. */
    public static final int FINAL_BATCHES = 5;
    public static final int SPLITS = 1;
    public static final int BATCH = 64;
    public static final StdConvention PAPER_STD = StdConvention.POPULATION;

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

    /** The paper: 2048 samples every 2000 iterations, then 5 × 2048, np.std over the 5. */
    public static ProtocolSettings paper() {
        return new ProtocolSettings(2000, 2048, FINAL_BATCHES, 2048, SPLITS, BATCH, PAPER_STD);
    }

    /** The paper's protocol at a trial's evaluation interval and sample count. */
    public static ProtocolSettings forTrial(io.ndevid.training.spec.TrialSpec spec) {
        return new ProtocolSettings(spec.evalInterval(), spec.evalSamples(), FINAL_BATCHES, spec.evalSamples(),
                SPLITS, BATCH, PAPER_STD);
    }
}

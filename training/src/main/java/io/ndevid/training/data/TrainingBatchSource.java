package io.ndevid.training.data;

import io.ndevid.training.spec.TrialSpec;

/**
 * Where a trainer loop gets its batches: batch {@code k} of a trial's stream is
 * {@code dataset.randomBatch(batchSize, PrefetchingLoader.batchRng(seed, k))}, and the loop asks for batch {@code i}
 * at iteration {@code i}, so a resumed trial (opened at its checkpoint's iteration) sees the same batches as an
 * uninterrupted one, wherever they are read.
 *
 * <p>The default reads in this process ({@link #inProcess()}: a {@link PrefetchingLoader}); {@code actors} adds a
 * source that asks a data-loader process for the batches over Aeron. {@link #next()} is called by the loop's thread
 * only.
 */
public interface TrainingBatchSource extends AutoCloseable {

    /** The next batch of the stream (batch {@code first}, {@code first + 1}, …), waiting for it if needed. */
    HostBatch next() throws InterruptedException;

    @Override
    void close();

    /** Opens a trial's stream at batch {@code first} (the iteration the loop starts at). */
    @FunctionalInterface
    interface Opener {
        TrainingBatchSource open(TrialSpec spec, long first);
    }

    /** Batches of {@link Datasets#open(TrialSpec)}, read ahead on a prefetching thread in this process. */
    static Opener inProcess() {
        return (spec, first) -> of(Datasets.open(spec), spec, first);
    }

    /** Batches of {@code data}, read ahead ({@value #LOCAL_READ_AHEAD} batches) in this process. */
    int LOCAL_READ_AHEAD = 4;

    /** The in-process stream of {@code data} for {@code spec}'s seed and batch size, from batch {@code first}. */
    static TrainingBatchSource of(VideoDataset data, TrialSpec spec, long first) {
        PrefetchingLoader loader = new PrefetchingLoader(spec.name(), LOCAL_READ_AHEAD,
                k -> data.randomBatch(spec.batchSize(), PrefetchingLoader.batchRng(spec.seed(), first + k)));
        return new TrainingBatchSource() {
            @Override
            public HostBatch next() throws InterruptedException {
                HostBatch b = loader.take();
                if (b == null) {
                    throw new IllegalStateException("the random batch stream of " + data.name() + " ended");
                }
                return b;
            }

            @Override
            public void close() {
                loader.close();
            }
        };
    }
}

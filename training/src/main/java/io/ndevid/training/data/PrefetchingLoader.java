package io.ndevid.training.data;

import ai.djl.ndarray.NDManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads batches ahead on its own daemon thread, so that decoding video overlaps the training step.
 *
 * <p><b>Ownership.</b> The producer thread never touches the tensor engine: it makes {@link HostBatch}es (plain
 * {@code float[]} plus shape and labels) and hands them over through a bounded queue. The consumer turns a batch into
 * a tensor in an {@link NDManager} of its own with {@link #next(NDManager)}, so every native tensor is created, used
 * and closed by one thread. (libtorch's grad mode is per thread, and DJL managers are not meant to be shared.)
 *
 * <p><b>Back-pressure.</b> At most {@code capacity} batches wait in the queue; the producer then blocks, so at most
 * {@code capacity + 1} batches exist ahead of the consumer (the one being made included).
 *
 * <p><b>Failures.</b> An exception thrown by the source ends the stream: batches made before it are still delivered in
 * order, then {@link #take()} throws a {@link LoaderException} whose cause is the source's exception (and keeps
 * throwing it on later calls).
 *
 * <p><b>Closing.</b> {@link #close()} stops the producer at its next hand-over and waits for the thread to end. It
 * does not interrupt the thread (an interrupt would close any {@code FileChannel} the source is reading, for every
 * user of that channel) unless the thread is still running after the grace period.
 */
public final class PrefetchingLoader implements AutoCloseable {

    /** Where the batches come from; called on the loader's thread only, with batch numbers 0, 1, 2, … */
    @FunctionalInterface
    public interface BatchSource {
        /** Batch {@code number}, or {@code null} when the stream is over. */
        HostBatch next(long number) throws Exception;
    }

    /** The source failed; {@link #getCause()} is what it threw. */
    public static final class LoaderException extends RuntimeException {
        LoaderException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(PrefetchingLoader.class);
    private static final long POLL_MS = 50;
    private static final long CLOSE_GRACE_MS = 10_000;

    private sealed interface Item permits Batch, End, Failure {}

    private record Batch(HostBatch batch) implements Item {}

    private record End() implements Item {}

    private record Failure(Throwable error) implements Item {}

    private final String name;
    private final int capacity;
    private final BatchSource source;
    private final BlockingQueue<Item> queue;
    private final Thread thread;
    private final AtomicLong produced = new AtomicLong();
    private volatile boolean closed;
    /** The terminal item once the consumer has seen it (consumer thread only). */
    private Item terminal;

    /**
     * Starts the producer thread at once.
     *
     * @param name     for the thread's name and messages
     * @param capacity batches that may wait in the queue (≥ 1)
     */
    public PrefetchingLoader(String name, int capacity, BatchSource source) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.name = name;
        this.capacity = capacity;
        this.source = source;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::produce, "ndevid-prefetch-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * An endless stream of random batches: batch {@code k} is {@code dataset.randomBatch(batchSize, rng(seed, k))}, a
     * pure function of (seed, k) whatever the timing.
     */
    public static PrefetchingLoader randomBatches(VideoDataset dataset, int batchSize, long seed, int capacity) {
        return new PrefetchingLoader(dataset.name() + "-random", capacity,
                k -> dataset.randomBatch(batchSize, batchRng(seed, k)));
    }

    /**
     * Every clip once, in index order, in batches of {@code batchSize} (the last one may be smaller); for evaluation.
     * Per-clip randomness (e.g. a video's window) comes from {@code rng(seed, k)} for batch {@code k}.
     */
    public static PrefetchingLoader sequential(VideoDataset dataset, int batchSize, long seed, int capacity) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        return new PrefetchingLoader(dataset.name() + "-sequential", capacity, k -> {
            long first = k * batchSize;
            if (first >= dataset.size()) {
                return null;
            }
            int n = (int) Math.min(batchSize, dataset.size() - first);
            int[] indices = new int[n];
            for (int i = 0; i < n; i++) {
                indices[i] = (int) (first + i);
            }
            return dataset.batch(indices, batchRng(seed, k));
        });
    }

    /** The rng of batch {@code k} of a stream seeded with {@code seed}. */
    public static SplittableRandom batchRng(long seed, long k) {
        return new SplittableRandom(SyntheticVideos.mix(seed, k));
    }

    /**
     * The next batch, waiting for it if needed; {@code null} once a finite source is exhausted.
     *
     * @throws LoaderException       if the source failed (the cause is its exception)
     * @throws IllegalStateException if the loader is closed
     * @throws InterruptedException  if the calling thread is interrupted while waiting
     */
    public HostBatch take() throws InterruptedException {
        if (terminal == null) {
            Item item = null;
            while (item == null) {
                if (closed) {
                    throw new IllegalStateException("loader " + name + " is closed");
                }
                item = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
            }
            if (item instanceof Batch b) {
                return b.batch();
            }
            terminal = item;
        }
        if (terminal instanceof Failure f) {
            throw new LoaderException("loader " + name + ": the batch source failed: " + f.error(), f.error());
        }
        return null;
    }

    /**
     * The next batch as a tensor created in (and owned by) {@code manager}; {@code null} at the end of a finite source.
     * Same exceptions as {@link #take()}.
     */
    public VideoBatch next(NDManager manager) throws InterruptedException {
        HostBatch b = take();
        return b == null ? null : b.toVideoBatch(manager);
    }

    /** Batches the source has made so far. */
    public long produced() {
        return produced.get();
    }

    /** Batches waiting in the queue now. */
    public int queued() {
        return queue.size();
    }

    public int capacity() {
        return capacity;
    }

    /** Whether the producer thread is still running. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    private void produce() {
        long k = 0;
        try {
            while (!closed) {
                HostBatch batch = source.next(k++);
                if (batch == null) {
                    handOver(new End());
                    return;
                }
                produced.incrementAndGet();
                handOver(new Batch(batch));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) { // NOPMD: everything the source throws goes to the consumer
            if (!closed) {
                try {
                    handOver(new Failure(t));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Blocks while the queue is full (back-pressure), giving up when the loader closes. */
    private void handOver(Item item) throws InterruptedException {
        while (!closed) {
            if (queue.offer(item, POLL_MS, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** Stops the producer and waits for its thread to end; queued batches are dropped. Idempotent. */
    @Override
    public void close() {
        closed = true;
        queue.clear();
        if (Thread.currentThread() == thread) {
            return; // closed from inside the source: the producer loop sees the flag and ends
        }
        try {
            thread.join(CLOSE_GRACE_MS);
            if (thread.isAlive()) {
                LOG.warn("loader {}: producer still busy in its source after {} ms; interrupting it", name,
                        CLOSE_GRACE_MS);
                thread.interrupt();
                thread.join(CLOSE_GRACE_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }
}

package io.ndevid.solvers.sde;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Brownian increments of solves to come, made ahead of time on a background thread, so that a caller who knows
 * its next solves' seeds (a training loop: iteration k + 1's seeds are known at iteration k) does not wait for them.
 * A solve's noise is a pure function of (seed, output times, dt, shape, type) ({@link Sdeint}, {@link
 * BrownianInterval}), so values made ahead are the very values {@link Sdeint#solve} would draw: nothing changes but
 * where and when they are computed.
 *
 * <p>{@link #request} queues the first noise block of such a solve (all of it up to
 * {@link Sdeint.NoiseBlock#MAX_BLOCK_ELEMENTS} values); a solve given this prefetch ({@link SdeOptions#prefetch})
 * takes it when its key matches: ready, it is used; being made, the solve waits for it; queued but not started, or
 * absent (never asked for, a wrong guess, evicted), the solve draws its noise itself as without a prefetch. Host
 * arrays only cross threads (the worker never touches the engine). At most {@code capacity} blocks are queued or
 * kept; a new request evicts the oldest. Every request runs on the executor handed in, which this object owns and
 * shuts down in {@link #close} (after which requests are ignored and solves draw their own noise). Thread-safe.
 */
public final class NoisePrefetch implements AutoCloseable {

    /** Blocks queued or kept at most: a training step renders one to four SDE samples, so two steps' worth. */
    public static final int DEFAULT_CAPACITY = 8;

    private final ExecutorService executor;
    private final int capacity;
    private final Map<Key, Job> jobs = new LinkedHashMap<>(); // oldest first
    private final AtomicLong ready = new AtomicLong();
    private final AtomicLong waited = new AtomicLong();
    private final AtomicLong inline = new AtomicLong();
    private boolean closed;

    /** What the solves that consulted this prefetch got. */
    public record Stats(long ready, long waited, long inline) {}

    /**
     * @param executor runs the requests (one thread is enough: requests are made in the order they are used); owned
     *                 from here on, shut down by {@link #close}
     * @param capacity blocks queued or kept at most (≥ 1)
     */
    public NoisePrefetch(ExecutorService executor, int capacity) {
        this.executor = Objects.requireNonNull(executor, "executor");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be ≥ 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** A prefetch on its own daemon thread named {@code threadName}, with {@link #DEFAULT_CAPACITY}. */
    public static NoisePrefetch onDaemonThread(String threadName) {
        return new NoisePrefetch(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        }), DEFAULT_CAPACITY);
    }

    /**
     * Starts making the noise of a later {@code Sdeint.solve(sde, y0, ts, options)} with y0 of this shape and type and
     * options with this seed and dt and no explicit Brownian path. Already asked for: nothing happens. Bad arguments
     * are not reported here: the solve, drawing its own noise, says what is wrong.
     */
    public void request(long seed, Shape shape, DataType type, double[] ts, double dt) {
        Key key = new Key(seed, shape, type, ts.clone(), dt);
        Job job = new Job(key);
        synchronized (this) {
            if (closed || jobs.containsKey(key)) {
                return;
            }
            Iterator<Job> oldest = jobs.values().iterator();
            while (jobs.size() >= capacity) {
                oldest.next().cancel();
                oldest.remove();
            }
            jobs.put(key, job);
            try {
                executor.execute(job::run);
            } catch (RejectedExecutionException e) {
                jobs.remove(key);
            }
        }
    }

    /**
     * The first noise block of this solve ({@code Sdeint.NoiseBlock#firstBlock}) if it was asked for and has been
     * started (waiting until it is made); null when the caller must draw it itself. A block is handed out once.
     */
    double[] take(long seed, Shape shape, DataType type, double[] ts, double dt) {
        Job job;
        synchronized (this) {
            job = jobs.remove(new Key(seed, shape, type, ts, dt));
        }
        if (job == null || job.cancel()) { // absent, or queued and not started: the caller draws it now
            inline.incrementAndGet();
            return null;
        }
        boolean done = job.result.isDone();
        double[] v = job.result.join(); // null: the worker failed (bad arguments); the solve draws and reports
        (v == null ? inline : done ? ready : waited).incrementAndGet();
        return v;
    }

    /** Counts so far. */
    public Stats stats() {
        return new Stats(ready.get(), waited.get(), inline.get());
    }

    /** Stops the worker (a block being made is abandoned) and drops what is queued or kept. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Job j : jobs.values()) {
                j.cancel();
            }
            jobs.clear();
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the worker has stopped (after {@link #close}). */
    public boolean isTerminated() {
        return executor.isTerminated();
    }

    /** What a solve's noise is a function of; ts compared bit for bit. */
    private record Key(long seed, Shape shape, DataType type, double[] ts, double dt) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && seed == k.seed && shape.equals(k.shape) && type == k.type
                    && Arrays.equals(ts, k.ts) && Double.compare(dt, k.dt) == 0;
        }

        @Override
        public int hashCode() {
            return Objects.hash(seed, shape, type, Arrays.hashCode(ts), dt);
        }
    }

    /** One block to make: whoever claims it first (the worker, or a caller or eviction cancelling it) decides. */
    private static final class Job {
        private final Key key;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final CompletableFuture<double[]> result = new CompletableFuture<>();

        Job(Key key) {
            this.key = key;
        }

        /** True when it had not started (it never will); false when the worker has it. */
        boolean cancel() {
            boolean cancelled = claimed.compareAndSet(false, true);
            if (cancelled) {
                result.complete(null);
            }
            return cancelled;
        }

        void run() {
            if (!claimed.compareAndSet(false, true)) {
                return;
            }
            double[] v = null;
            try {
                if (!Thread.currentThread().isInterrupted()) {
                    BrownianInterval bm = Sdeint.seededPath(BrownianInterval.builder().hostOnly(), key.seed,
                            key.shape, key.type, key.ts);
                    v = Sdeint.NoiseBlock.firstBlock(bm, Sdeint.StepGrid.of(key.ts, key.dt));
                }
            } catch (RuntimeException e) {
                v = null; // bad arguments: the solve draws its own noise and reports them
            } finally {
                result.complete(v);
            }
        }
    }
}

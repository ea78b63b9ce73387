package io.ndevid.solvers.sde;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Noise made ahead on another thread is the noise the solve would draw; anything else falls back to drawing it. */
class NoisePrefetchTest {

    private static final double[] FRAMES = frames(16);
    private static final double DT = SdeOptions.DEFAULT_DT;
    private static final Sde SDE = Sde.of(SdeType.ITO, (t, y) -> y.mul(-0.5), (t, y) -> y.tanh().add(0.3));

    private static NDManager manager;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static double[] frames(int n) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = (double) i / (n - 1);
        }
        return t;
    }

    /** The solve's outputs as bits (float32 values widened exactly). */
    private static double[] solve(NDManager m, Shape shape, DataType type, long seed, double[] ts, double dt,
                                  NoisePrefetch prefetch) {
        NDArray y0 = m.ones(shape, type).mul(0.25);
        SdeOptions o = SdeOptions.builder().dt(dt).seed(seed).prefetch(prefetch).build();
        try (NDArray ys = Sdeint.solve(SDE, y0, ts, o)) {
            return ys.toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    /** Waits until the single worker has run everything queued before this call. */
    private static void drain(ExecutorService worker) throws Exception {
        worker.submit(() -> { }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void noiseMadeAheadGivesTheSameSolveBitForBit() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (NDManager m = manager.newSubManager(); NoisePrefetch p = new NoisePrefetch(worker, 4)) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                Shape shape = new Shape(16, 16);
                double[] inline = solve(m, shape, type, 42, FRAMES, DT, null);
                p.request(42, shape, type, FRAMES, DT);
                drain(worker);
                assertArrayEquals(inline, solve(m, shape, type, 42, FRAMES, DT, p), type + " made ahead");
                // handed out once: the same solve again draws its own noise, with the same values
                assertArrayEquals(inline, solve(m, shape, type, 42, FRAMES, DT, p), type + " again, inline");
            }
            assertEquals(new NoisePrefetch.Stats(2, 0, 2), p.stats());
        }
    }

    /** A request that is not the solve's (seed, dt, times, shape or type differ) is not used: the solve draws. */
    @Test
    void aMismatchedRequestFallsBackToDrawingInline() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (NDManager m = manager.newSubManager(); NoisePrefetch p = new NoisePrefetch(worker, 8)) {
            Shape shape = new Shape(4, 8);
            double[] inline = solve(m, shape, DataType.FLOAT32, 7, FRAMES, DT, null);
            double[] shifted = FRAMES.clone();
            shifted[15] = Math.nextDown(1.0);
            p.request(8, shape, DataType.FLOAT32, FRAMES, DT);
            p.request(7, shape, DataType.FLOAT32, FRAMES, DT / 2);
            p.request(7, shape, DataType.FLOAT32, shifted, DT);
            p.request(7, new Shape(4, 9), DataType.FLOAT32, FRAMES, DT);
            p.request(7, shape, DataType.FLOAT64, FRAMES, DT);
            drain(worker);
            assertArrayEquals(inline, solve(m, shape, DataType.FLOAT32, 7, FRAMES, DT, p));
            assertEquals(new NoisePrefetch.Stats(0, 0, 1), p.stats());
            // the seed-8 block made ahead is a different path: taking it for seed 8 gives seed 8's solve
            assertFalse(java.util.Arrays.equals(inline, solve(m, shape, DataType.FLOAT32, 8, FRAMES, DT, p)));
            assertEquals(new NoisePrefetch.Stats(1, 0, 1), p.stats());
        }
    }

    /** A block still queued behind other work is not waited for: the solve draws it and the worker skips it. */
    @Test
    void aQueuedBlockIsDrawnByTheSolveNotWaitedFor() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        try (NDManager m = manager.newSubManager(); NoisePrefetch p = new NoisePrefetch(worker, 4)) {
            worker.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Shape shape = new Shape(8, 16);
            p.request(3, shape, DataType.FLOAT32, FRAMES, DT);
            double[] viaPrefetch = solve(m, shape, DataType.FLOAT32, 3, FRAMES, DT, p);
            assertEquals(new NoisePrefetch.Stats(0, 0, 1), p.stats());
            release.countDown();
            drain(worker);
            assertArrayEquals(solve(m, shape, DataType.FLOAT32, 3, FRAMES, DT, null), viaPrefetch);
        }
    }

    /** At most capacity blocks are queued or kept: the oldest goes first. */
    @Test
    void requestsBeyondCapacityEvictTheOldest() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (NDManager m = manager.newSubManager(); NoisePrefetch p = new NoisePrefetch(worker, 2)) {
            Shape shape = new Shape(2, 4);
            for (long seed = 1; seed <= 3; seed++) {
                p.request(seed, shape, DataType.FLOAT32, FRAMES, DT);
            }
            drain(worker);
            for (long seed = 1; seed <= 3; seed++) {
                solve(m, shape, DataType.FLOAT32, seed, FRAMES, DT, p);
            }
            assertEquals(new NoisePrefetch.Stats(2, 0, 1), p.stats());
        }
    }

    /**
     * Only the first block is made ahead: a solve of more than one block (1,100 steps of 1,024 motions) takes it and
     * draws the rest, with the values of a solve without prefetch.
     */
    @Test
    void aSolveOfSeveralBlocksTakesTheFirstAndDrawsTheRest() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (NDManager m = manager.newSubManager(); NoisePrefetch p = new NoisePrefetch(worker, 2)) {
            Shape shape = new Shape(1024);
            double[] ts = {0, 0.1, 7.3, 36.6};
            double dt = 1.0 / 30;
            assertTrue((long) Sdeint.StepGrid.of(ts, dt).steps() * 1024 > Sdeint.NoiseBlock.MAX_BLOCK_ELEMENTS);
            p.request(5, shape, DataType.FLOAT32, ts, dt);
            drain(worker);
            double[] viaPrefetch = solve(m, shape, DataType.FLOAT32, 5, ts, dt, p);
            assertEquals(new NoisePrefetch.Stats(1, 0, 0), p.stats());
            assertArrayEquals(solve(m, shape, DataType.FLOAT32, 5, ts, dt, null), viaPrefetch);
        }
    }

    /** Bad arguments are the solve's to report: the worker's failure only means the solve draws (and throws). */
    @Test
    void aFailedRequestLeavesTheSolveToReport() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try (NoisePrefetch p = new NoisePrefetch(worker, 2)) {
            double[] unsorted = {0, 0.5, 0.25};
            p.request(1, new Shape(2), DataType.FLOAT32, unsorted, DT);
            drain(worker);
            assertNull(p.take(1, new Shape(2), DataType.FLOAT32, unsorted, DT));
            assertEquals(new NoisePrefetch.Stats(0, 0, 1), p.stats());
        }
    }

    @Test
    void closeStopsTheThreadAndLaterRequestsAreIgnored() throws Exception {
        String name = "noise-prefetch-test-" + System.nanoTime();
        NoisePrefetch p = NoisePrefetch.onDaemonThread(name);
        Shape shape = new Shape(4, 4);
        p.request(1, shape, DataType.FLOAT32, FRAMES, DT);
        assertTrue(waitFor(() -> threadAlive(name)), "the worker thread started");
        assertTrue(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                .allMatch(Thread::isDaemon), "a daemon thread");
        p.close();
        assertTrue(p.isTerminated(), "the executor has terminated");
        assertTrue(waitFor(() -> !threadAlive(name)), "the worker thread is gone");
        p.request(2, shape, DataType.FLOAT32, FRAMES, DT);
        assertNull(p.take(2, shape, DataType.FLOAT32, FRAMES, DT));
        assertNull(p.take(1, shape, DataType.FLOAT32, FRAMES, DT));
        p.close(); // idempotent
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        return condition.getAsBoolean();
    }
}

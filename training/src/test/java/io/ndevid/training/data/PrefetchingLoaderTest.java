package io.ndevid.training.data;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PrefetchingLoaderTest {

    private final SyntheticVideos set = SyntheticVideos.builder().size(16).frames(8).seed(4).range(0, 50).build();

    /** A one-float "batch" that records its number in the index. */
    private static HostBatch tiny(long k) {
        return new HostBatch(new float[] {k}, new ClipShape(1, 1, 1, 1), null, new int[] {(int) k});
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(deadline - System.nanoTime() > 0, "timed out waiting for: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void randomStreamIsAPureFunctionOfTheSeed() throws Exception {
        List<HostBatch> first = new ArrayList<>();
        try (PrefetchingLoader a = PrefetchingLoader.randomBatches(set, 4, 7, 2)) {
            for (int k = 0; k < 5; k++) {
                HostBatch b = a.take();
                assertEquals(set.randomBatch(4, PrefetchingLoader.batchRng(7, k)), b, "batch " + k);
                first.add(b);
            }
        }
        try (PrefetchingLoader again = PrefetchingLoader.randomBatches(set, 4, 7, 1);
             PrefetchingLoader other = PrefetchingLoader.randomBatches(set, 4, 8, 1)) {
            for (int k = 0; k < 5; k++) {
                assertEquals(first.get(k), again.take(), "same seed, same batch " + k);
            }
            assertNotEquals(first.get(0), other.take());
        }
    }

    @Test
    void sequentialVisitsEveryClipOnceInOrderThenEnds() throws Exception {
        try (PrefetchingLoader loader = PrefetchingLoader.sequential(set, 16, 0, 2)) {
            int next = 0;
            List<Integer> sizes = new ArrayList<>();
            HostBatch b;
            while ((b = loader.take()) != null) {
                sizes.add(b.size());
                for (int i = 0; i < b.size(); i++) {
                    assertEquals(next, b.indices()[i]);
                    assertEquals(set.labelOf(next), b.labels()[i]);
                    next++;
                }
            }
            assertEquals(50, next);
            assertEquals(List.of(16, 16, 16, 2), sizes);
            assertNull(loader.take(), "stays at the end");
            awaitTrue(() -> !loader.isRunning(), "producer ends with the stream");
        }
    }

    @Test
    void producerStopsWhenTheQueueIsFull() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (PrefetchingLoader loader = new PrefetchingLoader("bp", 3, k -> {
            calls.incrementAndGet();
            return tiny(k);
        })) {
            awaitTrue(() -> loader.queued() == 3, "queue fills");
            Thread.sleep(300); // room for a runaway producer to show itself
            assertEquals(4, calls.get(), "capacity 3 in the queue + 1 waiting to be handed over");
            assertEquals(3, loader.queued());
            assertEquals(0f, loader.take().data()[0]);
            awaitTrue(() -> calls.get() == 5, "one taken, one more made");
            Thread.sleep(100);
            assertEquals(5, calls.get());
            for (int k = 1; k < 10; k++) {
                assertEquals((float) k, loader.take().data()[0], "order is kept");
            }
        }
    }

    @Test
    void aFailingSourceSurfacesInTheConsumerWithItsCause() throws Exception {
        try (PrefetchingLoader loader = new PrefetchingLoader("err", 4, k -> {
            if (k == 2) {
                throw new IOException("disk on fire at batch " + k);
            }
            return tiny(k);
        })) {
            assertEquals(0f, loader.take().data()[0]);
            assertEquals(1f, loader.take().data()[0]);
            PrefetchingLoader.LoaderException e = assertThrows(PrefetchingLoader.LoaderException.class, loader::take);
            assertInstanceOf(IOException.class, e.getCause());
            assertEquals("disk on fire at batch 2", e.getCause().getMessage());
            PrefetchingLoader.LoaderException again = assertThrows(PrefetchingLoader.LoaderException.class,
                    loader::take);
            assertSame(e.getCause(), again.getCause(), "the failure is sticky");
            awaitTrue(() -> !loader.isRunning(), "producer ends after the failure");
        }
        // An Error (not just an Exception) reaches the consumer too.
        try (PrefetchingLoader loader = new PrefetchingLoader("oom", 1, k -> {
            throw new OutOfMemoryError("simulated");
        })) {
            assertInstanceOf(OutOfMemoryError.class,
                    assertThrows(PrefetchingLoader.LoaderException.class, loader::take).getCause());
        }
    }

    @Test
    void closeStopsABlockedProducerAndWakesAWaitingConsumer() throws Exception {
        PrefetchingLoader full = new PrefetchingLoader("full", 1, PrefetchingLoaderTest::tiny);
        awaitTrue(() -> full.produced() == 2, "queue full and producer blocked");
        long t0 = System.nanoTime();
        full.close();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "close is prompt");
        assertFalse(full.isRunning(), "thread gone after close");
        assertThrows(IllegalStateException.class, full::take);
        full.close(); // idempotent

        // A consumer waiting on a slow source is released by close from another thread.
        PrefetchingLoader slow = new PrefetchingLoader("slow", 1, k -> {
            Thread.sleep(200);
            return tiny(k);
        });
        CompletableFuture<HostBatch> waiting = new CompletableFuture<>();
        Thread consumer = new Thread(() -> {
            try {
                slow.take(); // the first one arrives
                while (true) {
                    slow.take();
                }
            } catch (Throwable t) {
                waiting.completeExceptionally(t);
            }
        });
        consumer.start();
        Thread.sleep(300);
        slow.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        consumer.join(5000);
        assertFalse(slow.isRunning());
    }

    @Test
    void tensorsAreMadeInTheConsumersManager() throws Exception {
        TorchRuntime.engine();
        try (PrefetchingLoader loader = PrefetchingLoader.randomBatches(set, 3, 1, 2)) {
            VideoBatch vb;
            try (NDManager mine = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                vb = loader.next(mine);
                assertEquals(new Shape(3, 1, 8, 16, 16), vb.videos().getShape());
                assertSame(mine, vb.videos().getManager());
                assertArrayEquals(set.randomBatch(3, PrefetchingLoader.batchRng(1, 0)).data(),
                        vb.videos().toFloatArray());
                assertEquals(3, vb.labels().length);
            }
            assertTrue(vb.videos().isReleased(), "closing the consumer's manager frees the batch");
        }
    }
}

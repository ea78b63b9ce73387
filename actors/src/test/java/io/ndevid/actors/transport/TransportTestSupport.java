package io.ndevid.actors.transport;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** Payloads and assertions shared by the transport tests. */
final class TransportTestSupport {
    private TransportTestSupport() {
    }

    /** n pseudo-random bytes (seeded) in a direct buffer, position 0, limit n. */
    static ByteBuffer randomDirect(int n, long seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        fill(b, seed);
        return b;
    }

    static ByteBuffer randomHeap(int n, long seed) {
        ByteBuffer b = ByteBuffer.allocate(n);
        fill(b, seed);
        return b;
    }

    private static void fill(ByteBuffer b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int i = 0;
        for (; i + 8 <= b.capacity(); i += 8) {
            b.putLong(i, r.nextLong());
        }
        for (; i < b.capacity(); i++) {
            b.put(i, (byte) r.nextInt());
        }
    }

    /** Byte-for-byte equality of expected[position, limit) and the whole received payload, with the first difference. */
    static void assertSameBytes(ByteBuffer expected, ByteBuffer actual) {
        ByteBuffer e = expected.duplicate();
        ByteBuffer a = actual.duplicate();
        assertEquals(e.remaining(), a.remaining(), "payload length");
        int mismatch = e.mismatch(a);
        if (mismatch >= 0) {
            fail("payload differs first at byte " + mismatch);
        }
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** The TransferException a future failed with. */
    static TransferException awaitFailure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return assertInstanceOf(TransferException.class, e.getCause());
    }
}

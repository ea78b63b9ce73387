package io.ndevid.actors.transport;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Crc32cTest {

    @Test
    void combineEqualsTheCrcOfTheConcatenation() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] data = new byte[200_000];
        r.nextBytes(data);
        int[] splits = {0, 1, 7, 8, 63, 64, 65, 4095, 65_432, 100_000, 199_999, 200_000};
        for (int split : splits) {
            int a = crc(data, 0, split);
            int b = crc(data, split, data.length - split);
            assertEquals(crc(data, 0, data.length), Crc32c.combine(a, b, data.length - split), "split " + split);
        }
    }

    @Test
    void shiftChainsOverEqualChunksLikeTheReceiverDoes() {
        SplittableRandom r = new SplittableRandom(11);
        byte[] data = new byte[10 * 4096 + 123];
        r.nextBytes(data);
        int chunk = 4096;
        Crc32c.Shift shift = new Crc32c.Shift(chunk);
        int whole = crc(data, 0, chunk);
        for (int off = chunk; off < data.length; off += chunk) {
            int len = Math.min(chunk, data.length - off);
            int c = crc(data, off, len);
            whole = len == chunk ? shift.apply(whole) ^ c : Crc32c.combine(whole, c, len);
        }
        assertEquals(crc(data, 0, data.length), whole);
        assertEquals(crc(data, 0, data.length), Crc32c.of(ByteBuffer.wrap(data)));
    }

    @Test
    void emptyInputHasCrcZero() {
        assertEquals(0, Crc32c.of(ByteBuffer.allocate(0)));
        assertEquals(0x1234, Crc32c.combine(0x1234, 0, 0));
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}

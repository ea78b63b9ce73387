package io.ndevid.actors.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorDescriptorTest {
    private final TensorDescriptor d = new TensorDescriptor(-42L, "G.latent", new long[] {16, 3, 64, 64},
            "float32", 16L * 3 * 64 * 64 * 4, 0xFFFF_FFF0L, "aeron:udp?endpoint=127.0.0.1:40123", 10);

    @Test
    void jsonRoundTripKeepsEveryField() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(d);
        TensorDescriptor back = json.readValue(text, TensorDescriptor.class);
        assertEquals(d, back);
        assertEquals(d.hashCode(), back.hashCode());
        assertTrue(text.length() < 300, text);
    }

    @Test
    void shapeIsCopiedInAndOut() {
        long[] shape = {2, 3};
        TensorDescriptor t = new TensorDescriptor(1, "t", shape, "int64", 48, 0, "aeron:ipc", 1);
        shape[0] = 99;
        assertEquals(2, t.shape()[0]);
        assertNotSame(t.shape(), t.shape());
    }

    @Test
    void inconsistentDescriptorsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new TensorDescriptor(1, "t", new long[] {2, 3}, "float32", 23, 0, "aeron:ipc", 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorDescriptor(1, "t", new long[] {2}, "complex64", 16, 0, "aeron:ipc", 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorDescriptor(1, "t", new long[] {-1}, "uint8", 0, 0, "aeron:ipc", 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorDescriptor(1, "t", new long[] {1}, "uint8", 1, 1L << 32, "aeron:ipc", 1));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorDescriptor(1, "t", new long[] {1}, "uint8", 1, 0, "tcp://x", 1));
    }
}

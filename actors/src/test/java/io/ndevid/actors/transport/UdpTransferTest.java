package io.ndevid.actors.transport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.ByteBuffer;

import static io.ndevid.actors.transport.TransportTestSupport.assertSameBytes;
import static io.ndevid.actors.transport.TransportTestSupport.await;
import static io.ndevid.actors.transport.TransportTestSupport.randomDirect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** aeron:udp on 127.0.0.1 only: a free port is bound by the driver, the sender publishes to the resolved channel. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UdpTransferTest {
    private static final int STREAM = 3001;
    private AeronNode node;
    private TensorReceiver receiver;
    private TensorSender sender;

    @BeforeAll
    void start() {
        node = AeronNode.launchEmbedded(TransportSettings.defaults());
        receiver = node.newReceiver("aeron:udp?endpoint=127.0.0.1:0", STREAM);
        sender = node.newSender(receiver.channel(), STREAM);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    @Test
    void theReceiverNamesTheBoundPort() {
        String channel = receiver.channel();
        assertTrue(channel.startsWith("aeron:udp?endpoint=127.0.0.1:"), channel);
        assertFalse(channel.endsWith(":0"), channel);
        assertEquals(TransportSettings.autoChunkSize(65504), sender.chunkSize());
    }

    @Test
    void aTwentyFourMiBTensorCrossesLoopbackIntact() throws Exception {
        ByteBuffer p = randomDirect(24 << 20, 31);
        TensorDescriptor d = sender.send("udp", new long[] {6, 1024, 1024}, "float32", p);
        assertEquals(receiver.channel(), d.channel());
        ReceivedTensor t = await(receiver.expect(d));
        assertSameBytes(p, t.payload());
        assertEquals(d.crcAsInt(), Crc32c.of(t.payload()));
    }

    @Test
    void oddSizesCrossLoopbackIntact() throws Exception {
        for (int n : new int[] {1, 65_433, 3 * 65_432 + 5}) {
            ByteBuffer p = randomDirect(n, n);
            TensorDescriptor d = sender.send("udp", new long[] {n}, "uint8", p);
            assertSameBytes(p, await(receiver.expect(d)).payload());
        }
    }
}

package io.ndevid.actors.transport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.ndevid.actors.transport.TransportTestSupport.assertSameBytes;
import static io.ndevid.actors.transport.TransportTestSupport.await;
import static io.ndevid.actors.transport.TransportTestSupport.randomDirect;
import static io.ndevid.actors.transport.TransportTestSupport.randomHeap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Integrity over aeron:ipc: every size arrives byte-identical and its CRC32C matches the descriptor. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IpcTransferTest {
    private static final int STREAM = 1001;
    private AeronNode node;
    private TensorReceiver receiver;
    private TensorSender sender;
    private int chunk;

    @BeforeAll
    void start() {
        node = AeronNode.launchEmbedded(TransportSettings.defaults());
        receiver = node.newReceiver("aeron:ipc", STREAM);
        sender = node.newSender(receiver.channel(), STREAM);
        chunk = sender.chunkSize();
    }

    @AfterAll
    void stop() {
        Path dir = node.aeronDirectory();
        node.close();
        assertFalse(Files.exists(dir), "embedded driver directory deleted on close: " + dir);
    }

    @Test
    void chunksFitOneFrame() {
        assertEquals(TransportSettings.autoChunkSize(TransportSettings.MAX_MTU), chunk);
        assertTrue(node.aeronDirectory().getFileName().toString().startsWith("ndevid-aeron-"));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 7, 4095, 65_431, 65_432, 65_433, 2 * 65_432 - 1, 2 * 65_432, 2 * 65_432 + 13,
            1 << 20})
    void sizesAroundChunkBoundariesArriveIntact(int n) throws Exception {
        assertEquals(65_432, chunk, "the sizes above straddle this chunk size");
        roundTrip(randomDirect(n, n), "bytes", new long[] {n});
    }

    @Test
    void twentyFourMiBFloat32ArrivesIntact() throws Exception {
        int n = 24 << 20;
        ReceivedTensor t = roundTrip(randomDirect(n, 24), "float32", new long[] {6, 1024, 1024});
        assertEquals(0, t.duplicateChunks());
        assertTrue(receiver.assemblyLatency().snapshot().getTotalCount() > 0);
    }

    @Test
    void sixtyFourMiBArrivesIntact() throws Exception {
        int n = 64 << 20;
        roundTrip(randomDirect(n, 64), "float64", new long[] {8, 1024, 1024});
    }

    @Test
    void heapReadOnlyAndOffsetBuffersAreSentFromPositionToLimit() throws Exception {
        roundTrip(randomHeap(200_001, 3), "uint8", new long[] {200_001});
        roundTrip(randomHeap(150_000, 4).asReadOnlyBuffer(), "uint8", new long[] {150_000});
        roundTrip(randomDirect(150_000, 5).asReadOnlyBuffer(), "uint8", new long[] {150_000});
        ByteBuffer window = randomDirect(300_000, 6).position(1000).limit(201_000);
        roundTrip(window, "int32", new long[] {50_000});
        assertEquals(1000, window.position(), "sender leaves the caller's position alone");
        assertEquals(201_000, window.limit());
    }

    @Test
    void expectBeforeTheChunksAndAfterThemBothComplete() throws Exception {
        ByteBuffer payload = randomDirect(300_000, 8);
        TensorDescriptor d = sender.describe("early", new long[] {300_000}, "uint8", payload);
        CompletableFuture<ReceivedTensor> early = receiver.expect(d);
        sender.send(d, payload);
        assertSameBytes(payload, await(early).payload());
        // after: send() returns once every chunk is in the log; expect later
        roundTrip(randomDirect(300_000, 9), "uint8", new long[] {300_000});
    }

    @Test
    void reorderedChunksAreReassembledInPlace() throws Exception {
        try (TensorSender reversing = node.newSender(receiver.channel(), STREAM, ChunkFilters.reverseOrder())) {
            ByteBuffer payload = randomDirect(10 * chunk + 99, 10);
            TensorDescriptor d = reversing.send("rev", new long[] {payload.remaining()}, "bytes", payload);
            assertSameBytes(payload, await(receiver.expect(d)).payload());
        }
    }

    @Test
    void chunksLargerThanAFrameAreFragmentedByAeronAndReassembled() throws Exception {
        TransportSettings big = node.settings().toBuilder().chunkSize(1 << 20).build();
        try (AeronNode other = AeronNode.connect(big.toBuilder().aeronDir(node.aeronDirectory()).build());
             TensorSender s = other.newSender(receiver.channel(), STREAM)) {
            assertEquals(1 << 20, s.chunkSize());
            ByteBuffer payload = randomDirect(5 * (1 << 20) + 3, 11);
            TensorDescriptor d = s.send("big-chunks", new long[] {payload.remaining()}, "bytes", payload);
            assertSameBytes(payload, await(receiver.expect(d)).payload());
        }
    }

    @Test
    void interleavedTransfersFromTwoSendersStaySeparate() throws Exception {
        try (TensorSender second = node.newSender(receiver.channel(), STREAM)) {
            List<ByteBuffer> payloads = new ArrayList<>();
            List<CompletableFuture<TensorDescriptor>> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ByteBuffer p = randomDirect(700_000 + i, 100 + i);
                payloads.add(p);
                TensorSender s = i % 2 == 0 ? sender : second;
                sent.add(CompletableFuture.supplyAsync(
                        () -> s.send("t" + p.remaining(), new long[] {p.remaining()}, "uint8", p)));
            }
            for (int i = 0; i < 4; i++) {
                TensorDescriptor d = await(sent.get(i));
                assertSameBytes(payloads.get(i), await(receiver.expect(d)).payload());
            }
        }
    }

    private ReceivedTensor roundTrip(ByteBuffer payload, String dtype, long[] shape) throws Exception {
        TensorDescriptor d = sender.send("t", shape, dtype, payload);
        assertEquals(Crc32c.of(payload), d.crcAsInt(), "descriptor CRC = CRC32C of the payload");
        assertEquals(payload.remaining(), d.byteLength());
        ReceivedTensor t = await(receiver.expect(d));
        assertEquals(d, t.descriptor());
        assertTrue(t.payload().isDirect());
        assertEquals(0, t.payload().position());
        assertSameBytes(payload, t.payload());
        assertEquals(d.crcAsInt(), Crc32c.of(t.payload()), "received bytes have the descriptor's CRC32C");
        return t;
    }
}

package io.ndevid.actors.checkpoint;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ChunkFilter;
import io.ndevid.actors.transport.ChunkFilters;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.training.checkpoint.Checkpoint;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.run.RunFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trainer → store over Aeron UDP between two media drivers (as between two hosts): the files arrive intact, a chunk
 * corrupted on its first send is asked again and the transfer succeeds; a shared data directory skips the transfer.
 */
class CheckpointShipperTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static Checkpoint checkpoint(long iteration, int size) {
        byte[] big = new byte[size];
        new Random(iteration).nextBytes(big);
        return new Checkpoint("{\"name\":\"t\"}", iteration, Map.of("net:G", big, "opt:G", new byte[] {1, 2, 3}));
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    private RunFolder finishedRun() throws Exception {
        RunFolder run = new RunFolder(dir.resolve("trainer-local").resolve("run"));
        CheckpointIO.write(run.checkpoint(10), checkpoint(10, 50_000));
        CheckpointIO.write(run.checkpoint(20), checkpoint(20, 300_000));
        CheckpointIO.write(run.bestCheckpoint(), checkpoint(15, 200_000));
        Files.writeString(run.dir().resolve("final-metrics.json"), "{\"is\":{\"mean\":2.5}}");
        return run;
    }

    @Test
    void shipsEveryFileIntactAndResendsACorruptedChunk() throws Exception {
        RunFolder run = finishedRun();
        Path storeDir = dir.resolve("store");
        TransportSettings small = TransportSettings.builder().chunkSize(16 * 1024).build();
        AtomicInteger resentChunks = new AtomicInteger();
        ChunkFilter corrupt = ChunkFilters.corruptOnFirstSend(1, 5);
        ChunkFilter counting = (chunk, sink) -> {
            if (chunk.isResend()) {
                resentChunks.incrementAndGet();
            }
            corrupt.onChunk(chunk, sink);
        };
        try (AeronNode storeNode = AeronNode.launchEmbedded(small)) {
            ActorRef<CheckpointActor.Command> store = testKit.spawn(CheckpointActor.create(storeDir, storeNode,
                    "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort(), 7302));
            try (CheckpointShipper shipper = new CheckpointShipper(testKit.system(), CheckpointShipper.Mode.AERON,
                    () -> AeronNode.launchEmbedded(small), counting, Duration.ofSeconds(30))) {
                CheckpointShipper.Shipped shipped = shipper.ship("exp", "t", run.dir());
                assertEquals(3, shipped.files().size(), shipped.toString());
                Path finalPath = CheckpointActor.storedPath(storeDir, "exp", "t");
                assertEquals(finalPath.toString(), shipped.finalPath());
                assertArrayEquals(Files.readAllBytes(run.checkpoint(20)), Files.readAllBytes(finalPath));
                assertEquals(20, CheckpointIO.read(finalPath).iteration());
                assertArrayEquals(Files.readAllBytes(run.bestCheckpoint()),
                        Files.readAllBytes(CheckpointActor.storedBestPath(storeDir, "exp", "t")));
                assertEquals("{\"is\":{\"mean\":2.5}}",
                        Files.readString(CheckpointActor.storedMetricsPath(storeDir, "exp", "t")));
                // chunks 1 and 5 of each checkpoint failed their CRC: the store asked again, then stored
                assertTrue(resentChunks.get() >= 4, "resent " + resentChunks.get());
            }
            testKit.stop(store);
        }
    }

    @Test
    void aSharedDataDirectorySkipsTheTransferInAutoMode() throws Exception {
        RunFolder run = finishedRun();
        Path storeDir = dir.resolve("shared");
        try (AeronNode storeNode = AeronNode.launchEmbedded(TransportSettings.defaults())) {
            ActorRef<CheckpointActor.Command> store = testKit.spawn(CheckpointActor.create(storeDir, storeNode,
                    "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort(), 7303));
            try (CheckpointShipper shipper = new CheckpointShipper(testKit.system(), CheckpointShipper.Mode.AUTO,
                    () -> {
                        throw new AssertionError("no Aeron needed when the directory is shared");
                    }, null, Duration.ofSeconds(10))) {
                CheckpointShipper.Shipped shipped = shipper.ship("exp", "t", run.dir());
                assertTrue(shipped.files().isEmpty());
                assertNull(shipped.finalPath());
            }
            testKit.stop(store);
        }
        assertEquals(CheckpointShipper.Mode.SHARED_FS, CheckpointShipper.Mode.parse("shared-fs"));
        assertEquals(CheckpointShipper.Mode.AUTO, CheckpointShipper.Mode.parse("auto"));
        assertThrows(IllegalArgumentException.class, () -> CheckpointShipper.Mode.parse("nfs"));
    }

    @Test
    void twoStoresOnOneSharedDirectoryAreBothSeenAsShared() throws Exception {
        // two coordinator-role nodes (the singleton's fail-over pair) each run a store on the same shared directory
        Path shared = dir.resolve("shared");
        ActorRef<CheckpointActor.Command> first = testKit.spawn(CheckpointActor.create(shared));
        var probe = testKit.<CheckpointActor.UploadChannel>createTestProbe();
        first.tell(new CheckpointActor.GetUploadChannel(probe.getRef()));
        CheckpointActor.UploadChannel a = probe.receiveMessage();
        ActorRef<CheckpointActor.Command> second = testKit.spawn(CheckpointActor.create(shared));
        second.tell(new CheckpointActor.GetUploadChannel(probe.getRef()));
        CheckpointActor.UploadChannel b = probe.receiveMessage();
        assertTrue(!a.storeId().equals(b.storeId()), "each store has its own id");
        assertTrue(CheckpointShipper.sharesDataDir(a), "the first store's id is not hidden by the second's");
        assertTrue(CheckpointShipper.sharesDataDir(b));
        var other = new CheckpointActor.UploadChannel(null, 0, "0123-not-a-store", shared.toString());
        assertTrue(!CheckpointShipper.sharesDataDir(other), "an id nobody wrote here: not shared");
        testKit.stop(first);
        testKit.stop(second);
        assertTrue(!Files.exists(CheckpointActor.storeIdFile(shared, a.storeId())), "a stopped store removes its id");
    }

    @Test
    void aSilentStoreInTheListingDoesNotFailTheShipment() throws Exception {
        // while a dead coordinator node is being downed, its store is still listed but never answers
        RunFolder run = finishedRun();
        var silent = testKit.<CheckpointActor.Command>createTestProbe();
        testKit.system().receptionist().tell(akka.actor.typed.receptionist.Receptionist.register(
                CheckpointActor.SERVICE_KEY, silent.getRef()));
        ActorRef<CheckpointActor.Command> store = testKit.spawn(CheckpointActor.create(dir.resolve("shared")));
        try (CheckpointShipper shipper = new CheckpointShipper(testKit.system(), CheckpointShipper.Mode.AUTO,
                () -> {
                    throw new AssertionError("no Aeron needed when the directory is shared");
                }, null, Duration.ofSeconds(20))) {
            // wait until both are listed, so the shipper sees the silent one too
            var listing = testKit.<akka.actor.typed.receptionist.Receptionist.Listing>createTestProbe();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int listed = 0;
            while (listed < 2 && System.nanoTime() < deadline) {
                testKit.system().receptionist().tell(akka.actor.typed.receptionist.Receptionist.find(
                        CheckpointActor.SERVICE_KEY, listing.getRef()));
                listed = listing.receiveMessage().getServiceInstances(CheckpointActor.SERVICE_KEY).size();
            }
            assertEquals(2, listed);
            long t0 = System.nanoTime();
            assertTrue(shipper.ship("exp", "t", run.dir()).files().isEmpty(), "the answering store is shared");
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "did not wait for the silent one");
        } finally {
            testKit.stop(store);
            silent.stop(); // the receptionist drops it from the listing
        }
    }
}

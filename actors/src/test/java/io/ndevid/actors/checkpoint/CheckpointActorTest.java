package io.ndevid.actors.checkpoint;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorSender;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.training.checkpoint.Checkpoint;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.run.RunFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointActorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static Checkpoint checkpoint(long iteration) {
        return new Checkpoint("{\"name\":\"t\"}", iteration, Map.of("net:G", new byte[] {1, 2, 3},
                "opt:G", new byte[4096]));
    }

    @Test
    void exportsTheNewestCheckpointOfARunFolder() throws Exception {
        RunFolder run = new RunFolder(dir.resolve("run"));
        CheckpointIO.write(run.checkpoint(8), checkpoint(8));
        CheckpointIO.write(run.checkpoint(12), checkpoint(12));
        ActorRef<CheckpointActor.Command> store = testKit.spawn(CheckpointActor.create(dir.resolve("store")));
        TestProbe<CheckpointActor.Reply> reply = testKit.createTestProbe();
        store.tell(new CheckpointActor.Export("exp", "t", run.dir().toString(), reply.getRef()));
        CheckpointActor.Stored s = (CheckpointActor.Stored) reply.receiveMessage(Duration.ofSeconds(10));
        assertEquals(12, s.iteration());
        Path target = CheckpointActor.storedPath(dir.resolve("store"), "exp", "t");
        assertEquals(target.toString(), s.path());
        assertEquals(Files.size(target), s.bytes());
        Checkpoint back = CheckpointIO.read(target);
        assertArrayEquals(new byte[] {1, 2, 3}, back.section("net:G"));

        store.tell(new CheckpointActor.Export("exp", "u", dir.resolve("empty").toString(), reply.getRef()));
        CheckpointActor.Failed f = (CheckpointActor.Failed) reply.receiveMessage(Duration.ofSeconds(10));
        assertTrue(f.reason().contains("no checkpoint in"), f.reason());

        // a damaged checkpoint is refused, not copied
        Files.write(run.checkpoint(16), new byte[] {'N', 'D', 'V', 'D'});
        store.tell(new CheckpointActor.Export("exp", "t", run.dir().toString(), reply.getRef()));
        CheckpointActor.Failed bad = (CheckpointActor.Failed) reply.receiveMessage(Duration.ofSeconds(10));
        assertTrue(bad.reason().contains("truncated"), bad.reason());
        assertEquals(12, CheckpointIO.read(target).iteration(), "the stored copy is untouched");
    }

    @Test
    void takesCheckpointBytesOverAeron() throws Exception {
        Path file = dir.resolve("ckpt.bin");
        CheckpointIO.write(file, checkpoint(40));
        byte[] bytes = Files.readAllBytes(file);
        try (AeronNode aeron = AeronNode.launchEmbedded(TransportSettings.defaults())) {
            ActorRef<CheckpointActor.Command> store = testKit.spawn(CheckpointActor.create(dir.resolve("store"),
                    aeron, "aeron:ipc", 7301));
            TestProbe<CheckpointActor.UploadChannel> where = testKit.createTestProbe();
            store.tell(new CheckpointActor.GetUploadChannel(where.getRef()));
            CheckpointActor.UploadChannel channel = where.receiveMessage();
            assertEquals(7301, channel.streamId());
            try (TensorSender sender = aeron.newSender(channel.channel(), channel.streamId())) {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!sender.isConnected() && deadline - System.nanoTime() > 0) {
                    Thread.sleep(10);
                }
                TensorDescriptor d = sender.send("exp/t/ckpt", new long[] {bytes.length}, "uint8", bytes);
                TestProbe<CheckpointActor.Reply> reply = testKit.createTestProbe();
                store.tell(new CheckpointActor.StoreTransfer("exp", "t", d, reply.getRef()));
                CheckpointActor.Stored s = (CheckpointActor.Stored) reply.receiveMessage(Duration.ofSeconds(20));
                assertEquals(40, s.iteration());
                assertArrayEquals(bytes, Files.readAllBytes(Path.of(s.path())));
            }
            testKit.stop(store);
        }
    }
}

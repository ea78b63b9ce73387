package io.ndevid.actors.data;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.testing.TinyDataset;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ReceivedTensor;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.PrefetchingLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DataLoaderActorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final DataLoaderActor.DataKey KEY = new DataLoaderActor.DataKey("tiny", 2, 4, 8, 3);

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    @Test
    void aRemoteBatchIsBitIdenticalToTheLocalOne() throws Exception {
        TinyDataset data = new TinyDataset();
        try (AeronNode aeron = AeronNode.launchEmbedded(TransportSettings.defaults())) {
            TensorReceiver receiver = aeron.newReceiver("aeron:ipc", 7401);
            ActorRef<DataLoaderActor.Command> loader = testKit.spawn(DataLoaderActor.create(data, aeron));
            TestProbe<DataLoaderActor.Reply> reply = testKit.createTestProbe();
            for (long k = 0; k < 3; k++) {
                loader.tell(new DataLoaderActor.NextBatch(KEY, 7, k, 4, "aeron:ipc", 7401, reply.getRef()));
                DataLoaderActor.BatchSent sent = (DataLoaderActor.BatchSent) reply.receiveMessage(
                        Duration.ofSeconds(20));
                ReceivedTensor t = receiver.expect(sent.videos()).get(20, TimeUnit.SECONDS);
                float[] got = new float[(int) (sent.videos().byteLength() / Float.BYTES)];
                t.payload().order(ByteOrder.nativeOrder()).asFloatBuffer().get(got);
                HostBatch local = data.randomBatch(4, PrefetchingLoader.batchRng(7, k));
                assertArrayEquals(local.data(), got, "batch " + k);
                assertArrayEquals(local.shape(), sent.videos().shape());
                assertArrayEquals(local.indices(), sent.indices());
                assertEquals(k, sent.index());
            }
            testKit.stop(loader);
        }
    }
}

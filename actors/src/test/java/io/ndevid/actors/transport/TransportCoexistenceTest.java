package io.ndevid.actors.transport;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.typesafe.config.ConfigFactory;
import org.agrona.BitUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.ByteBuffer;
import java.time.Duration;

import static io.ndevid.actors.transport.TransportTestSupport.assertSameBytes;
import static io.ndevid.actors.transport.TransportTestSupport.await;
import static io.ndevid.actors.transport.TransportTestSupport.randomDirect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Akka 2.6.21 (cluster provider, Artery TCP on 127.0.0.1) and an embedded Aeron media driver in one JVM: proves the
 * org.agrona:agrona exclusion (Akka's older Agrona would shadow aeron-all's: NoSuchMethodError BitUtil.align), and
 * that a descriptor survives Akka's own Jackson CBOR serializer, as it will inside cluster messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransportCoexistenceTest {
    private ActorTestKit testKit;
    private AeronNode node;

    @BeforeAll
    void start() {
        testKit = ActorTestKit.create("coexistence", ConfigFactory.parseString("""
                akka {
                  loglevel = WARNING
                  loggers = ["akka.event.slf4j.Slf4jLogger"]
                  logging-filter = "akka.event.slf4j.Slf4jLoggingFilter"
                  actor.provider = cluster
                  actor.serialization-bindings {
                    "io.ndevid.actors.transport.TensorDescriptor" = jackson-cbor
                  }
                  remote.artery {
                    transport = tcp
                    canonical.hostname = "127.0.0.1"
                    canonical.port = 0
                  }
                  cluster.jmx.multi-mbeans-in-same-jvm = on
                  coordinated-shutdown.exit-jvm = off
                }""").withFallback(ConfigFactory.load()));
        node = AeronNode.launchEmbedded(TransportSettings.defaults());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        if (testKit != null) {
            testKit.shutdownTestKit();
        }
    }

    @Test
    void aSingleNodeClusterIsUpWhileATensorCrossesAeronIpc() throws Exception {
        ActorSystem<Void> system = testKit.system();
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (cluster.selfMember().status() != MemberStatus.up() && deadline - System.nanoTime() > 0) {
            Thread.sleep(20);
        }
        assertEquals(MemberStatus.up(), cluster.selfMember().status());
        assertEquals("127.0.0.1", cluster.selfMember().address().getHost().orElseThrow());
        assertTrue(cluster.selfMember().address().getPort().orElseThrow() > 0, "Artery TCP bound a port");

        try (TensorSender sender = node.newSender("aeron:ipc", 4001)) {
            TensorReceiver receiver = node.newReceiver("aeron:ipc", 4001);
            ByteBuffer p = randomDirect(3 << 20, 41);
            TensorDescriptor d = sender.send("coexist", new long[] {3, 1 << 20}, "uint8", p);

            // the descriptor goes through the serializer Artery would use
            Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
            byte[] bytes = serialization.serialize(d).get();
            var serializer = serialization.findSerializerFor(d);
            assertEquals("akka.serialization.jackson.JacksonCborSerializer", serializer.getClass().getName());
            TensorDescriptor back = (TensorDescriptor) serialization.deserialize(bytes, serializer.identifier(),
                    Serializers.manifestFor(serializer, d)).get();
            assertEquals(d, back);
            assertTrue(bytes.length < 256, "descriptor is " + bytes.length + " bytes on the wire");

            assertSameBytes(p, await(receiver.expect(back)).payload());
        }
        // aeron-all's Agrona, not an older one from Akka, is on the class path
        String agrona = BitUtil.class.getProtectionDomain().getCodeSource().getLocation().toString();
        assertTrue(agrona.contains("aeron-all"), agrona);
        assertEquals(64, BitUtil.align(33, 32));
    }
}

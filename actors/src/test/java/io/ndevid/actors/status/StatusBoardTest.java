package io.ndevid.actors.status;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.cluster.ClusterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The board on a one-member cluster: reports by topic and directly, staleness, forgetting, members. */
class StatusBoardTest {

    private static ActorTestKit testKit;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("board", ClusterConfig.load(
                new ClusterConfig.NodeAddress(List.of("coordinator"), "127.0.0.1", 0, List.of()), null, null,
                Map.of("akka.coordinated-shutdown.exit-jvm", "off", "akka.cluster.jmx.multi-mbeans-in-same-jvm", "on",
                        "ndevid.status.interval", "200ms", "ndevid.status.stale-after", "600ms",
                        "ndevid.status.forget-after", "1500ms")));
        Cluster cluster = Cluster.get(testKit.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (cluster.selfMember().status() != MemberStatus.up() && deadline - System.nanoTime() > 0) {
            Thread.onSpinWait();
        }
        assertEquals(MemberStatus.up(), cluster.selfMember().status());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static StatusReport report(String actor, String kind, String device) {
        return new StatusReport(ActorStatus.addressOf(testKit.system()), actor, kind, "running", 1, 5, device,
                "local/slot-0", "exp", "t-s0", Map.of("step", new LatencySummary(3, 10, 20, 30)), 100, 1000,
                System.currentTimeMillis());
    }

    private static ClusterSnapshot awaitBoard(ActorRef<StatusBoard.Command> board, Predicate<ClusterSnapshot> ok) {
        TestProbe<ClusterSnapshot> probe = testKit.createTestProbe();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        ClusterSnapshot s;
        do {
            board.tell(new StatusBoard.GetBoard(probe.getRef()));
            s = probe.receiveMessage(Duration.ofSeconds(3));
            if (ok.test(s)) {
                return s;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        } while (deadline - System.nanoTime() > 0);
        throw new AssertionError("board never got there: " + s);
    }

    private static Optional<ClusterSnapshot.ActorRow> row(ClusterSnapshot s, String actor) {
        return s.actors().stream().filter(r -> r.report().actor().equals(actor)).findFirst();
    }

    @Test
    void keepsTheLatestReportPerActorMarksStaleOnesAndForgetsThem() {
        ActorRef<StatusBoard.Command> board = testKit.spawn(StatusBoard.create(), "status-board");
        // a real actor publishes on its own timer, through the topic
        testKit.spawn(CheckpointActor.create(dir), "checkpoint-store");
        ClusterSnapshot s = awaitBoard(board, b -> row(b, "checkpoint-store").isPresent());
        ClusterSnapshot.ActorRow store = row(s, "checkpoint-store").orElseThrow();
        assertEquals("checkpoint-store", store.report().kind());
        assertEquals("idle", store.report().state());
        assertFalse(store.stale());

        // published by hand on the topic, then replaced by a newer one sent directly
        StatusTopic.get(testKit.system()).publish(report("trainer-0", "trainer", "gpu:0"));
        s = awaitBoard(board, b -> row(b, "trainer-0").isPresent());
        assertEquals(10.0, row(s, "trainer-0").orElseThrow().report().latencies().get("step").p50Ms());
        StatusReport newer = new StatusReport(report("trainer-0", "trainer", "gpu:0").address(), "trainer-0",
                "trainer", "idle", 0, 7, "gpu:0", "local/slot-0", null, null, Map.of(), 0, 1000,
                System.currentTimeMillis());
        board.tell(new StatusBoard.Report(newer));
        s = awaitBoard(board, b -> row(b, "trainer-0").map(r -> r.report().state().equals("idle")).orElse(false));
        assertEquals(1, s.actors().stream().filter(r -> r.report().actor().equals("trainer-0")).count());

        // members: this node, its roles, the trainer slot and its device
        ClusterSnapshot.Member me = s.members().get(0);
        assertEquals(1, s.members().size());
        assertEquals(ActorStatus.addressOf(testKit.system()), me.address());
        assertTrue(me.roles().contains("coordinator"), me.roles().toString());
        assertEquals("Up", me.status());
        assertEquals(1, me.slots());
        assertEquals(List.of("gpu:0"), me.devices());

        // the trainer says nothing more: stale after 600 ms (shown as such), forgotten after 1.5 s
        s = awaitBoard(board, b -> row(b, "trainer-0").map(ClusterSnapshot.ActorRow::stale).orElse(false));
        assertTrue(row(s, "trainer-0").orElseThrow().ageMs() > 600);
        assertFalse(row(s, "checkpoint-store").orElseThrow().stale(), "the store keeps publishing");
        assertEquals(0, s.members().get(0).slots(), "a stale trainer is no slot");
        awaitBoard(board, b -> row(b, "trainer-0").isEmpty() && row(b, "checkpoint-store").isPresent());
    }
}

package io.ndevid.actors.cluster;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import io.ndevid.actors.CborSerializable;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.data.DataLoaderActor;
import io.ndevid.actors.evalproc.SampleEvaluator;
import io.ndevid.actors.evalproc.SampleRenderer;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.StatusPages;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.actors.status.LatencySummary;
import io.ndevid.actors.status.StatusBoard;
import io.ndevid.actors.status.StatusReport;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;
import io.ndevid.metrics.protocol.Score;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.Attempt;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.experiment.TrialResult;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every message that crosses processes goes through Akka's jackson-cbor (bound in base.conf) and stays small. */
class MessageSerializationTest {

    private static final ActorTestKit testKit = ActorTestKit.create("ser", ClusterConfig.load(
            new ClusterConfig.NodeAddress(List.of("coordinator"), "127.0.0.1", 0, List.of()), null, null,
            Map.of("akka.coordinated-shutdown.exit-jvm", "off", "akka.cluster.jmx.multi-mbeans-in-same-jvm", "on")));

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static int roundTrip(CborSerializable m) {
        assertEquals(m, through(m), m.getClass().getSimpleName());
        return SerializationExtension.get(Adapter.toClassic(testKit.system())).serialize(m).get().length;
    }

    /** {@code m} serialized as between members and read back. */
    @SuppressWarnings("unchecked")
    private static <T extends CborSerializable> T through(T m) {
        Serialization s = SerializationExtension.get(Adapter.toClassic(testKit.system()));
        Serializer serializer = s.findSerializerFor(m);
        assertEquals("akka.serialization.jackson.JacksonCborSerializer", serializer.getClass().getName(),
                m.getClass().getName());
        byte[] bytes = s.serialize(m).get();
        return (T) s.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, m)).get();
    }

    @Test
    void protocolMessagesRoundTripAsSmallCbor() {
        ActorRef<Object> ref = testKit.createTestProbe().getRef();
        @SuppressWarnings("unchecked")
        ActorRef<TrainerProtocol.Command> trainer = (ActorRef<TrainerProtocol.Command>) (ActorRef<?>) ref;
        SlotInfo slot = new SlotInfo("node-a", 1, 4242, "gpu:1");
        GridSpec grid = GridSpec.parse("""
                {"name": "ablation", "preset": "cpu-tiny", "models": ["tgan", "mocogan"],
                 "temporal": ["original", "ode1", "sde"], "f": ["linear", "deep"], "seeds": [0, 1],
                 "overrides": {"iterations": 50}, "search": {"lrG": [0.0001, 0.0002]}}""");
        Map<String, Double> losses = new LinkedHashMap<>();
        losses.put("d_loss", Double.NaN);
        losses.put("g_loss", 1.5);
        var spec = TestSpecs.trial("tgan-ode1-linear-s0", 100, 10);
        Attempt attempt = new Attempt(2, slot, 40, Outcome.LOST, 57, "trainer died");
        TrialResult result = new TrialResult(Outcome.COMPLETED, 100, "completed", losses, Map.of("is", 3.2), "/x");
        TrialStatus row = new TrialStatus("tgan-ode1-linear-s0", spec.configId(), 0, TrialState.RUNNING, 2, 1,
                slot.id(), slot.pid(), 40, 60, 100, 12.5, 3.2, losses, Map.of("is", 3.2), "", "/x",
                List.of(attempt), result, null);
        Map<TrialState, Integer> counts = new java.util.EnumMap<>(TrialState.class);
        counts.put(TrialState.RUNNING, 1);

        int submit = roundTrip(new CoordinatorProtocol.Submit(grid, ref.unsafeUpcast()));
        assertTrue(submit < 2048, "a grid is a few hundred bytes: " + submit);
        roundTrip(new CoordinatorProtocol.Accepted("ablation", List.of("a", "b"), false));
        roundTrip(new CoordinatorProtocol.Rejected("ablation", "bad"));
        roundTrip(new CoordinatorProtocol.Cancel("ablation", "enough", ref.unsafeUpcast()));
        roundTrip(new CoordinatorProtocol.Pause("ablation", "a", ref.unsafeUpcast()));
        roundTrip(new CoordinatorProtocol.GetStatus("ablation", ref.unsafeUpcast()));
        roundTrip(new CoordinatorProtocol.StatusReply(new ExperimentStatus("ablation", ExperimentState.Phase.RUNNING,
                counts, List.of(row), "/data/ablation"), null));
        roundTrip(new CoordinatorProtocol.ExperimentList(Map.of("ablation", ExperimentState.Phase.FINISHED),
                Map.of("broken", "why"), List.of(slot)));
        roundTrip(new CoordinatorProtocol.TrialAccepted("ablation", "a", 1, trainer, slot));
        roundTrip(new CoordinatorProtocol.TrialRejected("ablation", "a", 1, trainer, "busy"));
        int progress = roundTrip(new CoordinatorProtocol.TrialProgress("ablation", "a", 1, trainer, slot, 0, 10, 100,
                3.5, 25, losses, Map.of("is", 2.0), "resuming"));
        assertTrue(progress < 1024, "progress is small: " + progress);
        roundTrip(new CoordinatorProtocol.TrialEnded("ablation", "a", 1, Outcome.DIVERGED, 10, "diverged", losses,
                Map.of(), "/x", trainer));
        roundTrip(new TrainerProtocol.Describe(ref.unsafeUpcast()));
        int start = roundTrip(new TrainerProtocol.StartTrial("ablation", spec, 3, "/data/ablation/trials/a"));
        assertTrue(start < 2048, "an assignment carries the spec only: " + start);
        roundTrip(new TrainerProtocol.StopTrial("ablation", "a", 3, "cancel"));
        roundTrip(new TrainerProtocol.ResultAcked("ablation", "a", 3));
        roundTrip(new TrainerProtocol.Status(trainer, slot, new TrainerProtocol.TrialRef("ablation", "a", 3), true));
        roundTrip(new TrainerProtocol.Status(trainer, slot, null, false));
        roundTrip(new NodeAgent.GetSlots(ref.unsafeUpcast()));
        roundTrip(new NodeAgent.Slots("node-a", List.of(new NodeAgent.SlotProcess(0, "cpu", 77, 25600, true, 1,
                "/logs/trainer-0.log"))));
        roundTrip(new CheckpointActor.Export("ablation", "a", "/x", ref.unsafeUpcast()));
        roundTrip(new CheckpointActor.StoreTransfer("ablation", "a", new TensorDescriptor(7, "ckpt", new long[] {9},
                "uint8", 9, 1234, "aeron:ipc", 10), ref.unsafeUpcast()));
        roundTrip(new CheckpointActor.Stored("ablation", "a", "/s", 100, 9));
        roundTrip(new CheckpointActor.Failed("ablation", "a", "no"));
        roundTrip(new CheckpointActor.UploadChannel(null, 0));
        roundTrip(new CheckpointActor.UploadChannel("aeron:udp?endpoint=10.0.0.1:40200", 7301, "id", "/data"));
        roundTrip(new CheckpointActor.StoreTransfer("ablation", "a", CheckpointActor.BEST, new TensorDescriptor(7,
                "ckpt", new long[] {9}, "uint8", 9, 1234, "aeron:ipc", 10), ref.unsafeUpcast(), ref.unsafeUpcast()));
        roundTrip(new CheckpointActor.ResendRequest(7, new int[] {1, 3}));
        roundTrip(new CoordinatorProtocol.TrialEnded("ablation", "a", 1, Outcome.COMPLETED, 10, "done", losses,
                Map.of(), "/x", trainer, "/data/ablation/checkpoints/a.ckpt"));
        roundTrip(new DataLoaderActor.NextBatch(
                new DataLoaderActor.DataKey("ucf101=/data/ucf", 101, 16, 64, 3), 7, 3, 16, "aeron:udp?endpoint=10.0.0.2:40123", 11, ref.unsafeUpcast()));
        int batch = roundTrip(new DataLoaderActor.BatchSent(3, new TensorDescriptor(9, "batch-7-3",
                new long[] {16, 3, 16, 64, 64}, "float32", 16L * 3 * 16 * 64 * 64 * 4, 99, "aeron:ipc", 11),
                new int[16], new int[16]));
        assertTrue(batch < 512, "a 12 MiB batch is a " + batch + "-byte message");
        roundTrip(new DataLoaderActor.BatchFailed(3, "why"));
        roundTrip(new DataLoaderActor.GetStats(ref.unsafeUpcast()));
        roundTrip(new DataLoaderActor.Stats(12, 4096, 1, 2));

        // the status topic and board (io.ndevid.actors.status): a report a second per actor, kept small
        StatusReport report = new StatusReport("10.0.0.2:25521", "trainer-1", "trainer", "running", 1, 150, "gpu:1",
                slot.id(), "ablation", "tgan-ode1-linear-s0", Map.of("step", new LatencySummary(500, 180.5, 240.25,
                300), "transfer", new LatencySummary(2, 45, 61, 61)), 1.5e6, 12_000_000, 1_700_000_000_000L);
        int status = roundTrip(report);
        assertTrue(status < 768, "a status report is small: " + status);
        roundTrip(new StatusBoard.GetBoard(ref.unsafeUpcast()));
        roundTrip(new ClusterSnapshot(1_700_000_000_000L, List.of(new ClusterSnapshot.Member("10.0.0.2:25521",
                List.of("trainer"), "Up", 1, List.of("gpu:1"))), List.of(new ClusterSnapshot.TrialRow("ablation",
                "tgan-ode1-linear-s0", "RUNNING", slot.id(), "gpu:1", "tgan", "ode1", "linear", 60, 100, 12.5, 3.2,
                null, 40.0)), List.of(new ClusterSnapshot.ActorRow(report, 300, false)), 1.5e6, 12_000_000,
                List.of("coordinator: no answer")));
        roundTrip(new NodeAgent.GetEvaluators(ref.unsafeUpcast()));
        roundTrip(new NodeAgent.GetLoaders(ref.unsafeUpcast()));
        int open = roundTrip(new SampleEvaluator.Open("r1", spec, 300, "periodic", 2048, 32, ref.unsafeUpcast(),
                ref.unsafeUpcast()));
        assertTrue(open < 2048, "a request carries the spec only: " + open);
        roundTrip(new SampleEvaluator.Opened("r1", "aeron:udp?endpoint=10.0.0.2:40444", 7401));
        int sample = roundTrip(new SampleEvaluator.Batch("r1", 5, new TensorDescriptor(9, "t/periodic/300/5",
                new long[] {64, 1, 16, 16, 16}, "float32", 64L * 16 * 16 * 16 * 4, 99, "aeron:udp?endpoint=h:1", 7401),
                ref.unsafeUpcast()));
        assertTrue(sample < 512, "a 1 MiB sample batch is a " + sample + "-byte message");
        roundTrip(new SampleEvaluator.ResendRequest("r1", 9, new int[] {0, 2}));
        // the score carries the evaluator's provenance back to the trainer's protocol
        roundTrip(new SampleEvaluator.Scored("r1", "a", 300, "final-2", new Score(1.5, 0.0, 210.25, "exact", 2048,
                "c3d", "tgan2", new EvaluatorProvenance("tgan2", "ab12", "cd34", "authors(p=0.5, seed=7)"),
                "real stats"), 1 << 25));
        roundTrip(new SampleEvaluator.ScoreFailed("r1", "a", "batch(es) [3] of 32 did not arrive"));
        roundTrip(new SampleEvaluator.GetStats(ref.unsafeUpcast()));
        roundTrip(new SampleEvaluator.Stats(14, 0, 14, 1 << 20, "aeron:udp?endpoint=127.0.0.1:4000"));
        // a continuous-time render asked of a node's sample renderers by another member (records with arrays:
        // compared field by field)
        SampleRenderer.RenderVideo video = new SampleRenderer.RenderVideo(spec, "/data/e/checkpoints/a.best.bin", 4,
                99, new double[] {-0.5, 0, 0.25}, "/data/e/report/render-ode.gif", ref.unsafeUpcast());
        SampleRenderer.RenderVideo videoBack = through(video);
        assertEquals(video.spec(), videoBack.spec());
        assertEquals(video.snapshot() + video.gif() + video.samples() + video.seed(), videoBack.snapshot()
                + videoBack.gif() + videoBack.samples() + videoBack.seed());
        assertArrayEquals(video.times(), videoBack.times());
        assertEquals(video.replyTo(), videoBack.replyTo());
        SampleRenderer.Rendered rendered = new SampleRenderer.Rendered("/data/r.gif", new long[] {4, 3, 12, 16, 16},
                1234);
        SampleRenderer.Rendered renderedBack = through(rendered);
        assertArrayEquals(rendered.shape(), renderedBack.shape());
        assertEquals(rendered.gif() + rendered.millis(), renderedBack.gif() + renderedBack.millis());
        roundTrip(new SampleRenderer.RenderFailed("/data/r.gif", "checkpoint missing"));
    }

    /**
     * The messages that may be large, at the repository's limits (base.conf): a grid of ~95 % of
     * {@code ndevid.http.max-spec-bytes} and its Accepted, and the status of a 10 000-trial experiment, whole and as
     * one {@link StatusPages} page. Prints the measured sizes (LargeMessagesClusterTest sends such messages between
     * node processes at a quarter of these limits).
     */
    @Test
    void largeMessagesFitTheLargeMessageFrame() {
        com.typesafe.config.Config c = testKit.system().settings().config();
        long frame = c.getBytes("akka.remote.artery.advanced.maximum-large-frame-size");
        long ordinary = c.getBytes("akka.remote.artery.advanced.maximum-frame-size");
        long maxSpec = c.getBytes("ndevid.http.max-spec-bytes");
        assertEquals(frame, io.ndevid.actors.http.HttpSettings.fromConfig(c).frameBytes(),
                "the coordinator's messages take the large-message stream");
        ActorRef<Object> ref = testKit.createTestProbe().getRef();

        // the grid: compact JSON of one point and 19-digit seeds, ~95 % of the limit (~50 000 trials)
        int n = (int) (0.95 * maxSpec / 20);
        StringBuilder json = new StringBuilder("{\"name\":\"at-the-limit\",\"preset\":\"cpu-tiny\","
                + "\"models\":[\"tgan\"],\"temporal\":[\"ode1\"],\"maxTrials\":100000,\"seeds\":[");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "" : ",").append(1_000_000_000_000_000_000L + i);
        }
        String spec = json.append("]}").toString();
        assertTrue(spec.length() >= 0.9 * maxSpec && spec.length() <= maxSpec, spec.length() + " bytes");
        GridSpec grid = GridSpec.parse(spec);
        int submit = roundTrip(new CoordinatorProtocol.Submit(grid, ref.unsafeUpcast()));
        List<String> names = grid.expand().stream().map(t -> t.name()).toList();
        int accepted = SerializationExtension.get(Adapter.toClassic(testKit.system())).serialize(
                new CoordinatorProtocol.Accepted(grid.name(), names, false)).get().length;
        System.out.printf("a %d-byte grid (%d trials): Submit %d bytes, Accepted %d bytes; frames: ordinary %d, "
                + "large %d%n", spec.length(), n, submit, accepted, ordinary, frame);
        assertTrue(submit > ordinary && submit + io.ndevid.actors.http.HttpSettings.ENVELOPE_BYTES <= frame,
                "larger than an ordinary frame, fits the large one: " + submit);
        assertTrue(accepted > ordinary && accepted + 4096 <= frame, "the answer too: " + accepted);

        // a 10 000-trial experiment, every trial finished after a lost first attempt
        SlotInfo slot = new SlotInfo("node-17.cluster.example.org", 3, 123456, "gpu:3");
        Map<String, Double> losses = Map.of("d_loss", 0.6931, "g_loss", 1.2345, "d_real", 0.51, "d_fake", 0.49);
        List<TrialStatus> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            String name = "tgan-ode1-linear-lrG0.0001-s" + i;
            String run = "/shared/ndevid/experiments/ablation-10k/trials/" + name;
            List<Attempt> attempts = List.of(new Attempt(1, slot, 0, Outcome.LOST, 1200, "trainer died"),
                    new Attempt(2, slot, 1000, Outcome.COMPLETED, 2000, "completed"));
            TrialResult result = new TrialResult(Outcome.COMPLETED, 2000, "completed", losses,
                    Map.of("is", 3.21, "fid", 123.4), run);
            rows.add(new TrialStatus(name, "tgan / ode1 / linear", i, TrialState.TERMINATED, 2, 1, slot.id(),
                    slot.pid(), 1000, 2000, 2000, 0, 0, losses, Map.of("is", 3.21, "fid", 123.4), "completed", run,
                    attempts, result, "/shared/ndevid/experiments/ablation-10k/checkpoints/" + name + ".ckpt"));
        }
        Map<TrialState, Integer> counts = new java.util.EnumMap<>(TrialState.class);
        counts.put(TrialState.TERMINATED, rows.size());
        Serialization ser = SerializationExtension.get(Adapter.toClassic(testKit.system()));
        int whole = ser.serialize(new CoordinatorProtocol.StatusReply(new ExperimentStatus("ablation-10k",
                ExperimentState.Phase.FINISHED, counts, rows, "/shared/ndevid/experiments/ablation-10k"), null))
                .get().length;
        int page = roundTrip(new CoordinatorProtocol.StatusReply(new ExperimentStatus("ablation-10k",
                ExperimentState.Phase.FINISHED, counts, rows.subList(0, StatusPages.TRIALS_PER_PAGE),
                "/shared/ndevid/experiments/ablation-10k"), null));
        int http = io.ndevid.actors.http.ApiJson.write(new ExperimentStatus("ablation-10k",
                ExperimentState.Phase.FINISHED, counts, rows, "/d")).length();
        System.out.printf("status of %d trials: %d bytes whole (%d per trial), %d bytes of JSON over HTTP; a page of "
                + "%d trials %d bytes%n", rows.size(), whole, whole / rows.size(), http,
                StatusPages.TRIALS_PER_PAGE, page);
        assertTrue(whole > ordinary, "a whole 10 000-trial status is far over an ordinary frame: " + whole);
        assertTrue(page + 4096 <= frame / 4, "a page fits the large frame with room for 4x larger trials: " + page);
    }
}

package io.ndevid.actors.evalproc;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ChunkFilter;
import io.ndevid.actors.transport.ChunkFilters;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorSender;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.Score;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluator actor and a sample-renderer pool together, in one JVM over Aeron UDP on loopback: a real cpu-tiny
 * generator's snapshot is rendered in batches by the {@link SampleRenderers} pool, streamed to the
 * {@link SampleEvaluator}, and the score equals what the {@link InProcessScorer} gives on the same model and seed; a
 * corrupted chunk is resent and the score is still the same; a batch that never comes fails the request, naming it.
 * The same pool serves continuous-time renders, spread over its workers, found through the Receptionist.
 */
@Timeout(120)
class SampleEvaluatorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static AeronNode aeron;
    private static final AtomicInteger streams = new AtomicInteger(7500);

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        aeron = AeronNode.launchEmbedded(TransportSettings.defaults());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
        aeron.close();
    }

    static TrialSpec spec() {
        return TestSpecs.trial("tgan-ode1-linear-s0", 6, 3);
    }

    private ActorRef<SampleEvaluator.Command> evaluator(int samples, int batch, Duration timeout) {
        return testKit.spawn(SampleEvaluator.create(aeron.newReceiver("aeron:udp?endpoint=127.0.0.1:0",
                streams.incrementAndGet()), ToyScorers.factory(samples, batch, m -> {}),
                timeout));
    }

    /** A pool of {@code size} renderers. */
    private ActorRef<SampleRenderer.Command> pool(int size, ChunkFilter filter) {
        return testKit.spawn(SampleRenderers.pool(size, SampleRenderer.create("t", () -> aeron, null,
                Duration.ofSeconds(10), filter)));
    }

    private void checkRemoteEqualsInProcess(ChunkFilter filter) throws Exception {
        TrialSpec spec = spec();
        int n = 20;
        int batch = 8;
        long seed = Randomness.derive(spec.seed(), 2, "eval");
        Path snapshot = dir.resolve("eval-3.bin");
        Score expected;
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            CheckpointIO.write(snapshot, TrainerLoop.snapshot(gan, 3));
            expected = ToyScorers.scorer(spec.frames(), n, batch, x -> {}).score(gan, n, seed, batch);
        }
        ActorRef<SampleEvaluator.Command> evaluator = evaluator(n, batch, Duration.ofSeconds(30));
        ActorRef<SampleRenderer.Command> worker = pool(1, filter);
        TestProbe<SampleEvaluator.Reply> replies = testKit.createTestProbe();
        worker.tell(new SampleRenderer.Render("r1", spec, snapshot.toString(), 3, "periodic", seed, n, batch,
                evaluator, replies.getRef()));
        SampleEvaluator.Reply reply = replies.receiveMessage(Duration.ofSeconds(60));
        SampleEvaluator.Scored scored = assertInstanceOf(SampleEvaluator.Scored.class, reply, reply.toString());
        Score s = scored.score();
        assertEquals(n, s.n());
        assertEquals(expected.is(), s.is(), 1e-9 * Math.abs(expected.is()), "IS as in-process");
        assertEquals(expected.isStd(), s.isStd(), 1e-9);
        assertEquals(expected.fid(), s.fid(), 1e-9 * Math.abs(expected.fid()), "FID as in-process");
        assertEquals(expected.evaluator(), s.evaluator());
        assertEquals("toy-evaluator", s.evaluator());
        assertEquals(expected.realStatistics(), s.realStatistics());
        long bytesPerSample = (long) spec.channels() * spec.frames() * spec.frameSize() * spec.frameSize() * 4;
        assertEquals(n * bytesPerSample, scored.bytes(), "every sample came over Aeron");

        TestProbe<SampleRenderer.Stats> ws = testKit.createTestProbe();
        worker.tell(new SampleRenderer.GetStats(ws.getRef()));
        SampleRenderer.Stats w = ws.receiveMessage();
        assertEquals(3, w.batches(), "20 samples in batches of 8: " + w);
        TestProbe<SampleEvaluator.Stats> es = testKit.createTestProbe();
        evaluator.tell(new SampleEvaluator.GetStats(es.getRef()));
        SampleEvaluator.Stats e = es.receiveMessage();
        assertEquals(1, e.scored());
        assertEquals(3, e.batches());
        assertEquals(n * bytesPerSample, e.bytes());
    }

    @Test
    void batchesOverAeronScoreAsTheInProcessProtocol() throws Exception {
        // the console's evaluator row: its status report carries the request → score latency
        TestProbe<io.ndevid.actors.status.StatusReport> reports = testKit.createTestProbe();
        io.ndevid.actors.status.StatusTopic.get(testKit.system()).subscribe(reports.getRef());
        checkRemoteEqualsInProcess(null);
        io.ndevid.actors.status.StatusReport evalReport = reports.fishForMessage(Duration.ofSeconds(10), r ->
                "evaluator".equals(r.kind()) && r.latencies().containsKey("eval")
                        ? akka.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                        : akka.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
        assertTrue(evalReport.latencies().get("eval").count() >= 1, evalReport.toString());
        assertTrue(evalReport.latencies().get("eval").p50Ms() > 0, evalReport.toString());
        assertEquals(spec().name(), evalReport.trial());
    }

    @Test
    void aCorruptedChunkIsResentAndTheScoreIsUnchanged() throws Exception {
        AtomicInteger resent = new AtomicInteger();
        ChunkFilter corrupt = ChunkFilters.corruptOnFirstSend(0);
        checkRemoteEqualsInProcess((chunk, sink) -> {
            if (chunk.isResend()) {
                resent.incrementAndGet();
            }
            corrupt.onChunk(chunk, sink);
        });
        assertTrue(resent.get() >= 3, "chunk 0 of each of the 3 batches was resent: " + resent.get());
    }

    @Test
    void thePoolServesContinuousTimeRendersOnEveryWorker() throws Exception {
        TrialSpec spec = spec();
        Path snapshot = dir.resolve("snap.bin");
        double[] times = new double[12];
        for (int i = 0; i < times.length; i++) {
            times[i] = -0.25 + i / 8.0; // before frame 0, and 8 frames per unit instead of the spec's 7
        }
        Path expected = dir.resolve("expected.gif");
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            CheckpointIO.write(snapshot, TrainerLoop.snapshot(gan, 3));
            io.ndevid.training.run.ContinuousRenders.writeGif(gan, 4, 99, times, expected);
        }
        // as a node starts it: a pool of two, registered with the Receptionist, found by whoever renders
        ActorRef<SampleRenderer.Command> pool = pool(2, null);
        testKit.system().receptionist().tell(akka.actor.typed.receptionist.Receptionist.register(
                SampleRenderers.SERVICE_KEY, pool));
        try {
            var first = SampleRenderers.renderVideo(testKit.system(), spec, snapshot, 4, 99, times,
                    dir.resolve("render-a.gif"), Duration.ofSeconds(60)).toCompletableFuture();
            var second = SampleRenderers.renderVideo(testKit.system(), spec, snapshot, 4, 99, times,
                    dir.resolve("render-b.gif"), Duration.ofSeconds(60)).toCompletableFuture();
            for (var f : java.util.List.of(first, second)) {
                SampleRenderer.RenderReply reply = f.get(90, java.util.concurrent.TimeUnit.SECONDS);
                SampleRenderer.Rendered r = assertInstanceOf(SampleRenderer.Rendered.class, reply, reply.toString());
                org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {4, spec.channels(), 12,
                        spec.frameSize(), spec.frameSize()}, r.shape());
                org.junit.jupiter.api.Assertions.assertArrayEquals(java.nio.file.Files.readAllBytes(expected),
                        java.nio.file.Files.readAllBytes(Path.of(r.gif())),
                        "the same render as in-process from the same weights");
            }
            // GetStats goes to every worker: round robin gave each one of the two renders
            TestProbe<SampleRenderer.Stats> stats = testKit.createTestProbe();
            pool.tell(new SampleRenderer.GetStats(stats.getRef()));
            java.util.List<SampleRenderer.Stats> each = stats.receiveSeveralMessages(2, Duration.ofSeconds(10));
            assertEquals(java.util.List.of(1L, 1L), each.stream().map(SampleRenderer.Stats::videos).toList(),
                    each.toString());
        } finally {
            testKit.system().receptionist().tell(akka.actor.typed.receptionist.Receptionist.deregister(
                    SampleRenderers.SERVICE_KEY, pool));
        }
    }

    @Test
    void withoutARegisteredPoolTheReportRendersInItsOwnProcess() throws Exception {
        var f = SampleRenderers.renderVideo(testKit.system(), spec(), dir.resolve("none.bin"), 1, 1, new double[] {0},
                dir.resolve("none.gif"), Duration.ofSeconds(5)).toCompletableFuture();
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> f.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("no sample renderers"), e.getCause().toString());

        TrialSpec spec = spec();
        Path snapshot = dir.resolve("snap.bin");
        double[] times = {-0.5, 0, 0.5, 1};
        Path expected = dir.resolve("expected.gif");
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            CheckpointIO.write(snapshot, TrainerLoop.snapshot(gan, 3));
            io.ndevid.training.run.ContinuousRenders.writeGif(gan, 2, 5, times, expected);
        }
        Path gif = dir.resolve("fallback.gif");
        SampleRenderers.renderGif(testKit.system(), snapshot, 2, 5, times, gif, Duration.ofSeconds(30));
        org.junit.jupiter.api.Assertions.assertArrayEquals(java.nio.file.Files.readAllBytes(expected),
                java.nio.file.Files.readAllBytes(gif), "rendered here, from the checkpoint's weights");
    }

    @Test
    void aMissingBatchFailsTheRequestNamingIt() {
        TrialSpec spec = spec();
        ActorRef<SampleEvaluator.Command> evaluator = evaluator(12, 4, Duration.ofSeconds(2));
        TestProbe<SampleEvaluator.Reply> replies = testKit.createTestProbe();
        TestProbe<SampleEvaluator.Opened> opened = testKit.createTestProbe();
        evaluator.tell(new SampleEvaluator.Open("r-missing", spec, 3, "periodic", 12, 3, replies.getRef(),
                opened.getRef()));
        SampleEvaluator.Opened o = opened.receiveMessage();
        long[] shape = {4, spec.channels(), spec.frames(), spec.frameSize(), spec.frameSize()};
        int floats = (int) (shape[0] * shape[1] * shape[2] * shape[3] * shape[4]);
        try (TensorSender sender = aeron.newSender(o.channel(), o.streamId())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!sender.isConnected() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            for (int k = 0; k < 2; k++) { // batch 2 never comes
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(floats * 4);
                TensorDescriptor d = sender.send("b" + k, shape, "float32", b);
                evaluator.tell(new SampleEvaluator.Batch("r-missing", k, d, null));
            }
            SampleEvaluator.Reply reply = replies.receiveMessage(Duration.ofSeconds(20));
            SampleEvaluator.ScoreFailed f = assertInstanceOf(SampleEvaluator.ScoreFailed.class, reply,
                    reply.toString());
            assertTrue(f.reason().contains("[2]") && f.reason().contains("did not arrive"), f.reason());
        }
        TestProbe<SampleEvaluator.Stats> es = testKit.createTestProbe();
        evaluator.tell(new SampleEvaluator.GetStats(es.getRef()));
        SampleEvaluator.Stats e = es.receiveMessage();
        assertEquals(0, e.scored());
        assertEquals(1, e.failed());
    }
}

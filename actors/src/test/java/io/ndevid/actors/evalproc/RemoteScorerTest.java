package io.ndevid.actors.evalproc;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.actors.trainer.ProductionTrialExecutor;
import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import io.ndevid.metrics.protocol.FinalMetrics;
import io.ndevid.metrics.protocol.InProcessScorer;
import io.ndevid.metrics.protocol.ProtocolSettings;
import io.ndevid.metrics.protocol.Score;
import io.ndevid.metrics.protocol.Scorer;
import io.ndevid.metrics.protocol.TrialEvaluation;
import io.ndevid.training.testing.JsonLines;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer side: a real cpu-tiny trial run by the production executor, handed a {@link RemoteScorer} per trial
 * ({@link EvaluatorClient}), with a {@link SampleRenderers} pool and a {@link SampleEvaluator} in this JVM. The
 * training thread goes on while a slow evaluation is in flight; the run folder ends with the protocol's files
 * (metric lines, best.bin = the best-scored snapshot, final-metrics.json with K batches) — the same files as the
 * same trial scored in-process. An evaluator that dies mid-request is noticed and the samples are scored in-process
 * instead — the same score.
 */
@Timeout(180)
class RemoteScorerTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static AeronNode aeron;
    private static final AtomicInteger streams = new AtomicInteger(7600);

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

    private static TrialSpec spec(String name, int iterations, int evalInterval) {
        var o = (com.fasterxml.jackson.databind.node.ObjectNode) SpecIO.json().valueToTree(
                TestSpecs.trial(name, iterations, 3));
        o.put("evalInterval", evalInterval);
        o.put("evalSamples", 16);
        o.put("sampleInterval", 0);
        return SpecIO.fromTree(o);
    }

    private final List<ActorRef<?>> spawned = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopActors() {
        spawned.forEach(a -> testKit.stop(a, Duration.ofSeconds(10)));
    }

    /** A new evaluator, once it is the only one the Receptionist lists (the client picks among those). */
    private ActorRef<SampleEvaluator.Command> evaluator(java.util.function.IntConsumer beforeBatch) {
        ActorRef<SampleEvaluator.Command> e = testKit.spawn(SampleEvaluator.create(aeron.newReceiver(
                "aeron:udp?endpoint=127.0.0.1:0", streams.incrementAndGet()),
                ToyScorers.factory(16, 8, beforeBatch), Duration.ofSeconds(60)));
        spawned.add(e);
        var probe = testKit.<akka.actor.typed.receptionist.Receptionist.Listing>createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            testKit.system().receptionist().tell(akka.actor.typed.receptionist.Receptionist.find(
                    SampleEvaluator.SERVICE_KEY, probe.getRef()));
            assertEquals(java.util.Set.of(e), probe.receiveMessage().getServiceInstances(SampleEvaluator.SERVICE_KEY));
            return null;
        });
        return e;
    }

    /** An evaluator that holds the first batch it gets until {@code release}, once it said so on {@code inFlight}. */
    private ActorRef<SampleEvaluator.Command> heldEvaluator(CountDownLatch inFlight, CountDownLatch release) {
        return evaluator(m -> {
            inFlight.countDown();
            await(release);
        });
    }

    private static EvaluationSettings settings(Duration attemptTimeout, Duration findTimeout, int attempts,
                                                     boolean localFallback) {
        return new EvaluationSettings(attemptTimeout, findTimeout, attempts, localFallback, 1, 7401,
                Duration.ofSeconds(60));
    }

    private EvaluatorClient client(int attempts) {
        InProcessScorer.Factory local = s -> ToyScorers.scorer(s.frames(), 16, 8, m -> {});
        ActorRef<SampleRenderer.Command> pool = testKit.spawn(SampleRenderers.pool(2, SampleRenderer.create("w",
                () -> aeron, local, Duration.ofSeconds(10))));
        spawned.add(pool);
        return new EvaluatorClient(testKit.system(), pool, settings(Duration.ofSeconds(60), Duration.ofSeconds(2),
                attempts, true));
    }

    /** The production executor, handed {@code scorers} as a trainer process is by its node. */
    private static TrainerLoop.Result train(java.util.function.Function<TrialSpec, Scorer> scorers, TrialSpec spec,
                                            Path runDir, TrialExecutor.Listener listener) throws Exception {
        return new ProductionTrialExecutor(Path.of("unused-evaluator-cache"), true)
                .with(new TrialExecutor.Services(scorers, null)).execute(spec, runDir, listener, new StopHandle());
    }

    @Test
    void trainingGoesOnWhileASlowEvaluationIsInFlight() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        AtomicLong slowEnded = new AtomicLong();
        evaluator(m -> {
            // one batch per request: the second request (the first periodic one, at iteration 3; the untrained
            // model's score at iteration 0 is awaited before the first step) takes 3 s to classify
            if (batches.incrementAndGet() == 2) {
                sleep(3000);
                slowEnded.set(System.nanoTime());
            }
        });
        EvaluatorClient client = client(1);
        TrialSpec spec = spec("tgan-ode1-linear-s0", 9, 3);
        Path runDir = dir.resolve("run");
        Map<Long, Long> progressAt = new ConcurrentHashMap<>();
        AtomicLong firstMetricsAt = new AtomicLong();
        AtomicInteger metrics = new AtomicInteger();
        TrialExecutor.Listener listener = new TrialExecutor.Listener() {
            @Override
            public void onProgress(TrainerLoop.Progress p) {
                progressAt.put(p.iteration(), System.nanoTime());
            }

            @Override
            public void onMetrics(long iteration, Map<String, Double> m) {
                if (iteration > 0) { // the first periodic score (iteration 0's came before training)
                    firstMetricsAt.compareAndSet(0, System.nanoTime());
                }
                metrics.incrementAndGet();
            }
        };
        TrainerLoop.Result result = train(client::scorer, spec, runDir, listener);
        assertEquals(TrainerLoop.Status.COMPLETED, result.status(), result.message());
        // iterations 4..6 ran while the evaluation requested at iteration 3 was still being scored
        assertTrue(progressAt.get(6L) < slowEnded.get() && progressAt.get(6L) < firstMetricsAt.get(),
                "iteration 6 finished before the first periodic score: " + progressAt + " vs " + firstMetricsAt);

        List<JsonNode> is = JsonLines.read(runDir.resolve("metric-is.jsonl"));
        List<JsonNode> stats = JsonLines.read(runDir.resolve("stats.jsonl"));
        long skipped = stats.stream().filter(l -> l.has("eval_skipped")).count();
        assertEquals(1 + 3, is.size() + skipped, "the untrained model and 3 evaluation points, each scored or skipped: "
                + is + " / " + skipped);
        assertEquals(is.size(), JsonLines.read(runDir.resolve("metric-fid.jsonl")).size());
        assertEquals(is.size(), metrics.get(), "each score reported to the listener");
        JsonNode best = is.stream().filter(l -> l.get("iteration").asLong() > 0)  // iteration 0 is never the best
                .max(java.util.Comparator.comparingDouble(l -> l.get("is").asDouble())).orElseThrow();
        assertEquals(best.get("iteration").asLong(), CheckpointIO.read(runDir.resolve("checkpoints/best.bin"))
                .iteration(), "best.bin is the snapshot of the best-IS evaluation");
        try (var files = Files.list(runDir.resolve("checkpoints"))) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("eval-")),
                    "every snapshot became best.bin or was deleted");
        }
        JsonNode fin = JSON.readTree(runDir.resolve("final-metrics.json").toFile());
        assertEquals(5, fin.get("is_per_batch").size());
        assertEquals(best.get("iteration").asLong(), fin.get("best_iteration").asLong());
        assertEquals("toy-evaluator", fin.get("evaluator").asText());
        assertTrue(fin.get("is_mean").asDouble() >= 1.0, fin.toString());
        List<JsonNode> evals = JsonLines.read(runDir.resolve(EvaluationProtocol.EVALUATIONS_FILE));
        assertEquals(is.size() + 5, evals.size());
        assertTrue(evals.stream().allMatch(l -> l.get("route").asText().equals("evaluator")), evals.toString());
    }

    @Test
    void anEvaluatorThatDiesMidRequestIsNoticedAndTheSamplesAreScoredInProcess() throws Exception {
        CountDownLatch inFlight = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ActorRef<SampleEvaluator.Command> evaluator = heldEvaluator(inFlight, release);
        EvaluatorClient client = client(1);
        TrialSpec spec = spec("tgan-ode2-linear-s0", 6, 3);
        Path snapshot = dir.resolve("eval-3.bin");
        long seed = EvaluationProtocol.periodicSeed(spec, 2);
        int chunk = 8;
        Score expected;
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            CheckpointIO.write(snapshot, TrainerLoop.snapshot(gan, 3));
            expected = ToyScorers.scorer(spec.frames(), 16, 8, x -> {}).score(gan, 16, seed, chunk);
        }
        var future = client.score(spec, snapshot, 3, "periodic", seed, 16, chunk);
        try {
            assertTrue(inFlight.await(60, TimeUnit.SECONDS), "a batch reached the evaluator");
            long t0 = System.nanoTime();
            testKit.stop(evaluator); // as its process dying: the watch fires
            Scorer.Scored r = future.get(60, TimeUnit.SECONDS);
            assertEquals(InProcessScorer.ROUTE, r.route());
            assertEquals(expected.is(), r.score().is(), 1e-9 * expected.is());
            assertEquals(expected.fid(), r.score().fid(), 1e-9 * expected.fid());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30),
                    "noticed by the watch, not by the 60 s attempt timeout");
        } finally {
            release.countDown();
        }
    }

    @Test
    void withoutAnEvaluatorOrFallbackTheTrialFailsWithTheReason() throws Exception {
        // no evaluator registered (earlier tests' ones are stopped), and no in-process fallback
        var probe = testKit.<akka.actor.typed.receptionist.Receptionist.Listing>createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            testKit.system().receptionist().tell(akka.actor.typed.receptionist.Receptionist.find(
                    SampleEvaluator.SERVICE_KEY, probe.getRef()));
            assertTrue(probe.receiveMessage().getServiceInstances(SampleEvaluator.SERVICE_KEY).isEmpty());
            return null;
        });
        ActorRef<SampleRenderer.Command> pool = testKit.spawn(SampleRenderers.pool(1, SampleRenderer.create("w",
                () -> aeron, null, Duration.ofSeconds(5))));
        spawned.add(pool);
        EvaluatorClient client = new EvaluatorClient(testKit.system(), pool, settings(Duration.ofSeconds(10),
                Duration.ofSeconds(1), 1, false));
        TrialSpec spec = spec("mocogan-ode1-linear-s0", 3, 3);
        Path runDir = dir.resolve("run-failing");
        List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        TrialExecutor.Listener listener = new TrialExecutor.Listener() {
            @Override
            public void onProgress(TrainerLoop.Progress p) {}

            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
        TrainerLoop.Result result = train(client::scorer, spec, runDir, listener);
        assertEquals(TrainerLoop.Status.FAILED, result.status(), result.message());
        assertTrue(result.message().contains("no evaluation of mocogan-ode1-linear-s0 succeeded"), result.message());
        assertTrue(messages.stream().anyMatch(m -> m.contains("evaluation at iteration 3 failed: attempt 1: no "
                + "evaluator registered within 1 s")), messages.toString());
        assertFalse(Files.exists(runDir.resolve("final-metrics.json")), "no final metrics without scores");
        assertFalse(Files.exists(runDir.resolve("metric-is.jsonl")), "no score, no line");
    }

    @Test
    void aScoreThatArrivesAfterTheAttemptEndedIsDropped() throws Exception {
        CountDownLatch inFlight = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ActorRef<SampleEvaluator.Command> evaluator = heldEvaluator(inFlight, release);
        EvaluatorClient client = client(1);
        TrialSpec spec = spec("tgan-ode1-deep-s0", 6, 3);
        Path runDir = dir.resolve("run-stopped");
        EvaluationProtocol hook = TrialEvaluation.protocol(spec, runDir, client.scorer(spec),
                EvaluationProtocol.SILENT);
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            hook.run(gan, 2);
        }
        assertTrue(inFlight.await(60, TimeUnit.SECONDS), "the evaluation is in flight");
        hook.close(); // the attempt was stopped
        release.countDown();
        var stats = testKit.<SampleEvaluator.Stats>createTestProbe();
        stats.awaitAssert(Duration.ofSeconds(30), () -> {
            evaluator.tell(new SampleEvaluator.GetStats(stats.getRef()));
            assertEquals(1, stats.receiveMessage().scored());
            return null;
        });
        Path snapshot = runDir.resolve("checkpoints").resolve(String.format("eval-%09d.bin", 3));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(snapshot) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(snapshot), "the late score's snapshot is deleted");
        assertFalse(Files.exists(runDir.resolve("metric-is.jsonl")), "no line from an ended attempt");
        assertFalse(Files.exists(runDir.resolve("checkpoints/best.bin")), "no best.bin from an ended attempt");
    }

    @Test
    void remoteAndInProcessScorersWriteTheSameFiles() throws Exception {
        evaluator(m -> {});
        EvaluatorClient client = client(1);
        // 2 evaluations (the untrained model, iteration 3): never more than the 2 outstanding the protocol allows, so
        // none is skipped
        TrialSpec spec = spec("mocogan-ode2-linear-s0", 3, 3);
        TrialExecutor.Listener quiet = p -> {};
        Path remote = dir.resolve("remote");
        Path local = dir.resolve("local");
        assertEquals(TrainerLoop.Status.COMPLETED, train(client::scorer, spec, remote, quiet).status());
        assertEquals(TrainerLoop.Status.COMPLETED, train(s -> ToyScorers.scorer(s.frames(), 16, 8, m -> {}), spec,
                local, quiet).status());
        for (String f : List.of(EvaluationProtocol.IS_FILE, EvaluationProtocol.FID_FILE)) {
            List<JsonNode> r = JsonLines.read(remote.resolve(f));
            List<JsonNode> l = JsonLines.read(local.resolve(f));
            assertEquals(1 + 1, l.size(), f);
            assertEquals(l.size(), r.size(), f);
            for (int i = 0; i < l.size(); i++) {
                assertSameLine(l.get(i), r.get(i));
            }
        }
        FinalMetrics fl = FinalMetrics.read(FinalMetrics.in(local));
        FinalMetrics fr = FinalMetrics.read(FinalMetrics.in(remote));
        assertEquals(fl.bestIteration(), fr.bestIteration());
        assertEquals(ProtocolSettings.FINAL_BATCHES, fr.isPerBatch().size());
        assertEquals(ProtocolSettings.SPLITS, fr.isSplits(), "the settings' splits, not a literal");
        for (int b = 0; b < fl.isPerBatch().size(); b++) {
            assertEquals(fl.isPerBatch().get(b), fr.isPerBatch().get(b), 1e-6 * fl.isPerBatch().get(b));
            assertEquals(fl.fidPerBatch().get(b), fr.fidPerBatch().get(b), 1e-6 * Math.abs(fl.fidPerBatch().get(b)));
        }
        assertEquals(fl.evaluator() + fl.preprocessing() + fl.realStatistics() + fl.samplesPerBatch(),
                fr.evaluator() + fr.preprocessing() + fr.realStatistics() + fr.samplesPerBatch());
        assertEquals(ToyScorers.evaluator(m -> {}).provenance(), fr.provenance(), "the provenance travels back");
        assertEquals(fl.provenance(), fr.provenance());
        assertEquals(ProtocolSettings.PAPER_STD.id(), fr.stdConvention());
        assertEquals(List.of(EvaluatorClient.ROUTE), JsonLines.read(remote.resolve(EvaluationProtocol.EVALUATIONS_FILE))
                .stream().map(l -> l.get("route").asText()).distinct().toList());
        assertEquals(List.of(InProcessScorer.ROUTE), JsonLines.read(local.resolve(EvaluationProtocol.EVALUATIONS_FILE))
                .stream().map(l -> l.get("route").asText()).distinct().toList());
    }

    /** The same fields; numbers equal up to float rounding of two trainings of the same seed. */
    private static void assertSameLine(JsonNode expected, JsonNode actual) {
        List<String> names = new java.util.ArrayList<>();
        expected.fieldNames().forEachRemaining(names::add);
        List<String> actualNames = new java.util.ArrayList<>();
        actual.fieldNames().forEachRemaining(actualNames::add);
        assertEquals(names, actualNames);
        for (String n : names) {
            if (expected.get(n).isFloatingPointNumber()) {
                assertEquals(expected.get(n).asDouble(), actual.get(n).asDouble(),
                        1e-6 * Math.abs(expected.get(n).asDouble()), n);
            } else {
                assertEquals(expected.get(n), actual.get(n), n);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

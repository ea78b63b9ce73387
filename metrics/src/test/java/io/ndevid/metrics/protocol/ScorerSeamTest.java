package io.ndevid.metrics.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.testing.JsonLines;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scorer seam: the same trial scored in-process and by a scorer that works as the remote one does — on another
 * thread, later, from the snapshot file the protocol wrote, into a generator of its own — leaves the same metric
 * lines, best checkpoint and final metrics. Only the route and latency in evaluations.jsonl differ.
 */
class ScorerSeamTest {

    private static final GaussianStats REAL = GaussianStats.of(new DoubleMatrix(3, 2, new double[] {0.5, 0.25,
            -0.5, 0.25, 0.4, 0.16})).withProvenance("three clips");
    private static final ProtocolSettings SETTINGS = new ProtocolSettings(1, 40, 3, 48, 1, 16);

    /** Scores from the snapshot on its own thread, 50 ms later, as a remote scorer does. */
    static final class SnapshotScorer implements Scorer {
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final InProcessScorer scores = new InProcessScorer(new EvaluationProtocolTest.SignEvaluator(), REAL,
                SETTINGS, null);

        @Override
        public CompletableFuture<Scored> score(Request r) {
            return CompletableFuture.supplyAsync(() -> {
                sleep(50);
                try (EvaluationProtocolTest.PeakGan own = new EvaluationProtocolTest.PeakGan()) {
                    TrainerLoop.restore(own, r.snapshot());
                    Score s = scores.score(own, r.samples(), r.seed(), r.chunk());
                    return new Scored(s, "elsewhere", 1, 0, 0);
                }
            }, thread);
        }

        @Override
        public Duration patience() {
            return Duration.ofSeconds(60);
        }

        @Override
        public void close() {
            thread.shutdown();
        }
    }

    private static Path train(Path dir, Scorer scorer) throws Exception {
        RunFolder run = new RunFolder(dir);
        try (EvaluationProtocolTest.PeakGan gan = new EvaluationProtocolTest.PeakGan();
             EvaluationProtocol protocol = new EvaluationProtocol(run, scorer, SETTINGS, EvaluationProtocol.SILENT)) {
            run.create(gan.spec(), Map.of());
            for (long it = 0; it < 6; it++) {
                gan.step(null, it);
                protocol.run(gan, it);
                if (it % 2 == 1) {
                    // an evaluator that keeps up with every other evaluation point: never more than two
                    // outstanding, so none is skipped; the odd ones are scored after training went on
                    awaitLines(dir.resolve(EvaluationProtocol.IS_FILE), (int) it + 1);
                }
            }
            protocol.finish(gan, 6);
            assertEquals(3, protocol.bestIteration());
        }
        return dir;
    }

    @Test
    void inProcessAndOffThreadScorersWriteTheSameFiles(@TempDir Path dir) throws Exception {
        TorchRuntime.engine();
        Path a = train(dir.resolve("in-process"), new InProcessScorer(new EvaluationProtocolTest.SignEvaluator(),
                REAL, SETTINGS, null));
        Path b = train(dir.resolve("remote"), new SnapshotScorer());
        List<JsonNode> isA = JsonLines.read(a.resolve(EvaluationProtocol.IS_FILE));
        assertEquals(6, isA.size());
        assertEquals(isA, JsonLines.read(b.resolve(EvaluationProtocol.IS_FILE)));
        assertEquals(JsonLines.read(a.resolve(EvaluationProtocol.FID_FILE)), JsonLines.read(b.resolve(EvaluationProtocol.FID_FILE)));
        FinalMetrics fa = FinalMetrics.read(FinalMetrics.in(a));
        assertEquals(fa, FinalMetrics.read(FinalMetrics.in(b)));
        assertEquals(3, fa.bestIteration());
        assertEquals(3, fa.isPerBatch().size());
        assertEquals(1, fa.isSplits(), "the settings' splits, whichever scorer");
        assertNotEquals(fa.isPerBatch().get(0), fa.isPerBatch().get(1), "each final batch has its own seed");
        assertEquals(Files.readString(a.resolve("checkpoints/best.json")),
                Files.readString(b.resolve("checkpoints/best.json")));
        for (Path run : List.of(a, b)) {
            try (var files = Files.list(run.resolve("checkpoints"))) {
                assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("eval-")),
                        "every snapshot became best.bin or was deleted");
            }
        }
        List<JsonNode> routeA = JsonLines.read(a.resolve(EvaluationProtocol.EVALUATIONS_FILE));
        List<JsonNode> routeB = JsonLines.read(b.resolve(EvaluationProtocol.EVALUATIONS_FILE));
        assertEquals(6 + 3, routeA.size());
        assertEquals(routeA.size(), routeB.size());
        assertTrue(routeA.stream().allMatch(l -> l.get("route").asText().equals("in-process")));
        assertTrue(routeB.stream().allMatch(l -> l.get("route").asText().equals("elsewhere")));
    }

    @Test
    void aScoreThatArrivesAfterCloseIsDropped(@TempDir Path dir) throws Exception {
        TorchRuntime.engine();
        RunFolder run = new RunFolder(dir);
        SnapshotScorer scorer = new SnapshotScorer();
        try (EvaluationProtocolTest.PeakGan gan = new EvaluationProtocolTest.PeakGan()) {
            run.create(gan.spec(), Map.of());
            EvaluationProtocol protocol = new EvaluationProtocol(run, scorer, SETTINGS, EvaluationProtocol.SILENT);
            gan.step(null, 0);
            assertEquals(Map.of(), protocol.run(gan, 0), "no score yet: nothing for the stats line");
            protocol.close();
            scorer.thread.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        Thread.sleep(100);
        assertFalse(Files.exists(dir.resolve(EvaluationProtocol.IS_FILE)), "no line from an ended attempt");
        assertFalse(Files.exists(run.bestCheckpoint()), "no best.bin from an ended attempt");
        try (var files = Files.list(run.checkpoints())) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("eval-")), "snapshot deleted");
        }
    }

    private static void awaitLines(Path f, int n) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while ((!Files.exists(f) || JsonLines.read(f).size() < n) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.ndevid.actors.api;

import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.testing.TinyGanExecutor;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.checkpoint.CheckpointIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java API end to end in one JVM: a real one-node cluster (Artery on 127.0.0.1, the coordinator singleton,
 * the checkpoint store) with two trainer slots as actors running the real TrainerLoop around a tiny model; then a
 * second cluster on the same data directory that recovers the finished experiment from its journal.
 */
class LocalClusterInProcessTest {

    @TempDir
    Path dir;

    @Test
    void submitsAwaitsAndRecoversAnExperiment() throws Exception {
        GridSpec grid = TestSpecs.grid("inproc", 2, 12, 4, 2);
        ExperimentStatus done;
        LocalCluster.Options options = LocalCluster.Options.inProcess(dir, 2, new TinyGanExecutor(5,
                spec -> java.util.Map.of("fid", 100.0 + spec.seed(), "is", 1.5)));
        try (LocalCluster cluster = LocalCluster.start(options)) {
            ExperimentClient client = cluster.client();
            var accepted = client.submit(grid).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(4, accepted.trials().size());
            done = client.awaitCompletion("inproc", Duration.ofMillis(200), Duration.ofSeconds(90))
                    .toCompletableFuture().get();
            assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
            assertEquals(4, done.count(TrialState.TERMINATED), done.table());
            for (TrialStatus t : done.trials()) {
                assertEquals(Outcome.COMPLETED, t.result().outcome());
                assertEquals(12, t.result().iterations());
                assertTrue(t.result().losses().containsKey("d_loss"), t.result().losses().toString());
                assertTrue(Files.isRegularFile(Path.of(t.runDir()).resolve("stats.jsonl")));
            }
            // the checkpoint store copies each final checkpoint (asynchronously, after the end is journaled)
            Path stored = CheckpointActor.storedPath(dir, "inproc", done.trials().get(0).name());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!Files.isRegularFile(stored) && deadline - System.nanoTime() > 0) {
                Thread.sleep(50);
            }
            assertEquals(12, CheckpointIO.read(stored).iteration());
            // and each trial's final scores are journaled into its best metrics
            ExperimentStatus scored = done;
            while (scored.trials().stream().anyMatch(t -> !t.bestMetrics().containsKey("fid"))
                    && deadline - System.nanoTime() > 0) {
                Thread.sleep(100);
                scored = client.status("inproc").toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            for (TrialStatus t : scored.trials()) {
                assertEquals(100.0 + t.seed(), t.bestMetrics().get("fid"), t.name());
                assertEquals(1.5, t.bestMetrics().get("is"), t.name());
            }
            done = scored;

            var e = assertThrows(ExecutionException.class, () -> client.submit(TestSpecs.grid("inproc", 1, 5, 5, 0))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
            assertTrue(e.getCause().getMessage().contains("already exists"), e.getCause().getMessage());
            var unknown = assertThrows(ExecutionException.class, () -> client.status("nope").toCompletableFuture()
                    .get(10, TimeUnit.SECONDS));
            assertTrue(unknown.getCause().getMessage().contains("unknown experiment"));
        }
        assertTrue(Files.isRegularFile(dir.resolve("inproc").resolve("results.json")));

        // a new coordinator on the same data: the journal says everything is finished; nothing runs again
        try (LocalCluster again = LocalCluster.start(LocalCluster.Options.inProcess(dir, 1, (s, d, l, st) -> {
            throw new AssertionError("a finished trial must not run again: " + s.name());
        }))) {
            ExperimentStatus recovered = again.client().awaitCompletion("inproc", Duration.ofMillis(200),
                    Duration.ofSeconds(60)).toCompletableFuture().get();
            assertEquals(ExperimentState.Phase.FINISHED, recovered.phase());
            for (TrialStatus t : recovered.trials()) {
                TrialStatus before = done.trial(t.name()).orElseThrow();
                assertEquals(before.attempts(), t.attempts());
                assertEquals(before.result(), t.result());
                assertNotNull(t.checkpoint(), "stored checkpoint listed for " + t.name());
            }
            var list = again.client().experiments().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(ExperimentState.Phase.FINISHED, list.experiments().get("inproc"));
            // the trainer registers with the new coordinator through the Receptionist, a moment after its start
            // (the finished experiment is known at once, from the journal): its slot shows up within seconds
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (list.slots().isEmpty() && deadline - System.nanoTime() > 0) {
                Thread.sleep(100);
                list = again.client().experiments().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            assertFalse(list.slots().isEmpty(), "the new coordinator lists no trainer slot within 15 s");
        }
    }
}

package io.ndevid.actors.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.actors.checkpoint.CheckpointShipper;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.testing.ProcessLogs;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.Attempt;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.run.RunFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The production layout on one host: this JVM is the coordinator and the node agent; the agent runs two trainer
 * JVMs ({@code ndevid node --role trainer --slot K}) and an evaluator JVM that join the cluster over loopback. Four
 * real {@code cpu-tiny} trials (the production executor: TGAN × {ode1, ode2} × 2 seeds, 200 iterations, IS every 50
 * from the evaluator process). A trainer is killed with SIGKILL mid-trial: the agent restarts it, the trial is
 * re-queued and resumes from its checkpoint, and all four trials finish with their metrics (periodic IS, final K × N
 * in final-metrics.json) and their final checkpoints shipped to the store over Aeron UDP.
 */
class MultiProcessClusterTest {

    private static final int ITERATIONS = 200;

    @TempDir
    Path dir;

    @Test
    void fourTrialsOnTwoTrainerProcessesSurviveAKilledTrainer() throws Exception {
        // as if the trainers did not share the data directory: they ship final checkpoints over Aeron UDP
        System.setProperty("ndevid.store.transfer", "aeron");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        LocalCluster.Options options = LocalCluster.Options.processes(dir, 2)
                .withClassPath(cp)
                .withTrainerJvmOptions(List.of("-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .with("ndevid.store.transfer", "aeron")
                .with("ndevid.node.stop-grace", "10s")
                .with("ndevid.node.restart-backoff-min", "500ms");
        LocalCluster cluster = null;
        try {
            cluster = LocalCluster.start(options);
            ExperimentClient client = cluster.client();
            // real cpu-tiny trials (the production executor, as ndevid node runs them), long enough to be killed
            // mid-trial, evaluated every 50 iterations by the node's evaluator process
            GridSpec base = TestSpecs.grid("multi", 2, ITERATIONS, 10, 2);
            Map<String, JsonNode> overrides = new java.util.HashMap<>(base.overrides());
            overrides.put("evalInterval", IntNode.valueOf(50));
            GridSpec grid = new GridSpec(base.name(), base.preset(), base.models(), base.temporal(), base.f(),
                    base.seeds(), overrides, base.search(), base.maxTrials(), base.maxFailures());
            client.submit(grid).toCompletableFuture().get(30, TimeUnit.SECONDS);

            // wait until a trial is well under way, then kill its trainer process
            TrialStatus victim = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (victim == null && deadline - System.nanoTime() > 0) {
                ExperimentStatus s = client.status("multi").toCompletableFuture().get(10, TimeUnit.SECONDS);
                victim = s.trials().stream().filter(t -> t.state() == TrialState.RUNNING && t.iteration() >= 20
                        && t.iteration() <= ITERATIONS - 40 && t.pid() > 0).findFirst().orElse(null);
                if (victim == null) {
                    Thread.sleep(200);
                }
            }
            if (victim == null) {
                fail("no trial was caught between iterations 20 and " + (ITERATIONS - 40) + " within 120 s\n"
                        + logs());
            }
            long killedPid = victim.pid();
            ProcessHandle trainer = ProcessHandle.of(killedPid).orElseThrow();
            assertTrue(ProcessHandle.current().children().anyMatch(c -> c.pid() == killedPid),
                    "the slot's pid is a trainer process this JVM's node agent started");
            trainer.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint, no goodbye
            trainer.onExit().get(10, TimeUnit.SECONDS);

            ExperimentStatus done = ProcessLogs.awaitCompletion(client, "multi", Duration.ofSeconds(150),
                    dir.resolve("logs"));
            assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
            assertEquals(4, done.count(TrialState.TERMINATED), done.table());
            for (TrialStatus t : done.trials()) {
                assertEquals(Outcome.COMPLETED, t.result().outcome(), t.name());
                assertEquals(ITERATIONS, t.result().iterations(), t.name());
                assertTrue(t.result().losses().containsKey("g_loss"), t.name() + " " + t.result());
                Optional<Path> last = new RunFolder(Path.of(t.runDir())).latestCheckpoint();
                assertEquals(ITERATIONS, CheckpointIO.read(last.orElseThrow()).iteration(), t.name());
                // its metrics: periodic IS from the evaluator process, the final K × N at the best-IS checkpoint
                assertTrue(t.bestMetrics().containsKey("is"), t.name() + " " + t.bestMetrics());
                JsonNode fin = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                        Path.of(t.runDir()).resolve("final-metrics.json").toFile());
                assertTrue(Double.isFinite(fin.path("is_mean").asDouble(Double.NaN))
                        && Double.isFinite(fin.path("fid_mean").asDouble(Double.NaN)), t.name() + " " + fin);
                // the store got the bytes over Aeron before the trial counted as TERMINATED
                Path stored = CheckpointActor.storedPath(dir, "multi", t.name());
                assertEquals(stored.toString(), t.checkpoint(), t.name());
                assertArrayEquals(Files.readAllBytes(last.orElseThrow()), Files.readAllBytes(stored), t.name());
            }
            for (TrialStatus t : done.trials()) {
                Path shipped = Path.of(t.runDir()).resolve(CheckpointShipper.TRANSFERS_FILE);
                assertTrue(Files.isRegularFile(shipped) && Files.readString(shipped).contains("\"kind\":\"final\""),
                        t.name() + ": its trainer shipped the final checkpoint over Aeron\n" + logs());
            }
            TrialStatus killed = done.trial(victim.name()).orElseThrow();
            List<Attempt> attempts = killed.attempts();
            assertTrue(attempts.size() >= 2, "the killed trial ran again: " + attempts);
            assertEquals(Outcome.LOST, attempts.get(0).outcome(), attempts.toString());
            Attempt resumed = attempts.get(attempts.size() - 1);
            assertTrue(resumed.startIteration() > 0, "resumed from its checkpoint, not from 0: " + attempts);
            assertEquals(1, killed.failures());

            NodeAgent.Slots slots = cluster.slots().toCompletableFuture().get(10, TimeUnit.SECONDS).orElseThrow();
            NodeAgent.SlotProcess restarted = slots.slots().stream().filter(p -> p.restarts() >= 1).findFirst()
                    .orElseThrow(() -> new AssertionError("no slot restarted: " + slots));
            assertTrue(restarted.alive(), restarted.toString());
            assertNotEquals(killedPid, restarted.pid());
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            // whatever happened above, no trainer outlives the test
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            System.clearProperty("ndevid.store.transfer");
        }
    }

    private String logs() {
        return ProcessLogs.tail(dir.resolve("logs"));
    }
}

package io.ndevid.actors.api;

import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.actors.evalproc.SampleEvaluator;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.testing.ProcessLogs;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.testing.JsonLines;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.metrics.protocol.EvaluationProtocol;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evaluation off the training step in the production layout on one host: this JVM is the coordinator and the node
 * agent; the agent runs one trainer JVM (the real models, production executor) and one evaluator JVM
 * ({@code ndevid node --role evaluator}). Once the evaluator has scored a request it is SIGKILLed: the agent
 * restarts it, and the two cpu-tiny trials still run to completion, every evaluation scored (by an evaluator
 * process over Aeron UDP, as the restarted one's counters and each run's {@code evaluations.jsonl} say, or
 * in-process after failed attempts), the run folders holding the protocol's files (metric lines, best.bin,
 * final-metrics.json). Prints the request →
 * score latency percentiles (BENCHMARKS.md).
 */
@Timeout(240)
class EvaluatorProcessClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void trialsAreScoredByTheEvaluatorProcessOverAeron() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        LocalCluster.Options options = LocalCluster.Options.processes(dir, 1)
                .withExecutorName("production")
                .withClassPath(cp)
                .withTrainerJvmOptions(List.of("-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .with("ndevid.node.evaluators", 1)
                .with("ndevid.node.stop-grace", "10s")
                .with("ndevid.node.restart-backoff-min", "500ms");
        LocalCluster cluster = null;
        try {
            cluster = LocalCluster.start(options);
            ExperimentClient client = cluster.client();
            client.submit(TestSpecs.grid("evalproc", 1, 6, 3, 1)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            akka.actor.typed.ActorSystem<Void> system = cluster.system();

            // once the evaluator has scored something, SIGKILL it: the agent restarts it, trainers carry on
            NodeAgent.SlotProcess first = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (deadline - System.nanoTime() > 0) {
                SampleEvaluator.Stats st = stats(system);
                if (st != null && st.scored() >= 1) {
                    first = evaluators(system).slots().get(0);
                    break;
                }
                Thread.sleep(100);
            }
            if (first == null) {
                throw new AssertionError("the evaluator scored nothing within 120 s\n" + logs());
            }
            ProcessHandle victim = ProcessHandle.of(first.pid()).orElseThrow();
            victim.destroyForcibly();
            victim.onExit().get(10, TimeUnit.SECONDS);
            ExperimentStatus done = ProcessLogs.awaitCompletion(client, "evalproc", Duration.ofSeconds(180),
                    dir.resolve("logs"));
            try {
                check(done, system, first);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + logs(), e);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private void check(ExperimentStatus done, akka.actor.typed.ActorSystem<Void> system, NodeAgent.SlotProcess first)
            throws Exception {
        {
            assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
            assertEquals(2, done.count(TrialState.TERMINATED), done.table() + "\n" + logs());

            java.util.Map<String, Integer> routes = new java.util.TreeMap<>();
            Histogram latency = new Histogram(TimeUnit.HOURS.toMillis(1) * 1000, 3);
            Histogram retried = new Histogram(TimeUnit.HOURS.toMillis(1) * 1000, 3); // hit by the kill
            for (TrialStatus t : done.trials()) {
                assertEquals(Outcome.COMPLETED, t.result().outcome(), t.name());
                assertTrue(t.result().metrics().containsKey("is"), "the coordinator got its IS: " + t.result());
                Path run = Path.of(t.runDir());
                List<JsonNode> is = JsonLines.read(run.resolve("metric-is.jsonl"));
                assertEquals(List.of(0L, 3L, 6L), is.stream().map(l -> l.get("iteration").asLong()).toList(), t.name());
                assertTrue(is.get(0).get("evaluator").asText().startsWith("c3d-synthetic-"), is.toString());
                assertEquals(3, JsonLines.read(run.resolve("metric-fid.jsonl")).size(), t.name());
                JsonNode fin = JSON.readTree(run.resolve("final-metrics.json").toFile());
                assertEquals(5, fin.get("is_per_batch").size(), fin.toString());
                long best = CheckpointIO.read(run.resolve("checkpoints/best.bin")).iteration();
                assertEquals(best, fin.get("best_iteration").asLong());
                List<JsonNode> evals = JsonLines.read(run.resolve(EvaluationProtocol.EVALUATIONS_FILE));
                assertEquals(3 + 5, evals.size(), evals.toString());
                for (JsonNode e : evals) {
                    routes.merge(e.get("route").asText(), 1, Integer::sum);
                    if (e.get("attempts").asInt() > 1 || !e.get("route").asText().equals("evaluator")) {
                        retried.recordValue(Math.max(1, Math.round(e.get("ms").asDouble() * 1000)));
                        continue;
                    }
                    latency.recordValue(Math.max(1, Math.round(e.get("ms").asDouble() * 1000)));
                }
            }

            // the evaluator is a process of its own, started by the agent, and restarted after the kill
            NodeAgent.Slots evaluators = evaluators(system);
            assertEquals(1, evaluators.slots().size(), evaluators.toString());
            NodeAgent.SlotProcess ev = evaluators.slots().get(0);
            assertTrue(ev.alive() && ev.restarts() >= 1 && ev.pid() != first.pid(), ev.toString());
            ProcessHandle handle = ProcessHandle.of(ev.pid()).orElseThrow();
            // what ps shows (ProcessHandle.Info has no arguments for a command line this long)
            String args = Files.readString(Path.of("/proc/" + handle.pid() + "/cmdline")).replace('\0', ' ');
            assertTrue(args.contains("node --role evaluator"), args);
            // the restarted evaluator's counters: the later requests' batches came to it over Aeron UDP
            SampleEvaluator.Stats stats = stats(system);
            assertTrue(stats != null && stats.scored() >= 1, "the restarted evaluator scored: " + stats);
            assertEquals(stats.scored(), stats.batches(), "16 samples: one batch per request " + stats);
            assertEquals(stats.batches() * 16 * 8 * 16 * 16 * 4, stats.bytes(), stats.toString());
            assertTrue(stats.channel().startsWith("aeron:udp?endpoint=127.0.0.1:"), stats.toString());
            assertEquals(2 * (3 + 5), routes.get("evaluator") + routes.getOrDefault("in-process", 0),
                    "every request scored, by an evaluator process or (after failed attempts) in-process: " + routes);
            assertTrue(routes.get("evaluator") >= 7, routes.toString());
            System.out.printf("evaluation latency (request → score, first attempt on the evaluator process, "
                            + "cpu-tiny, 16 samples, %d requests): p50 %.0f ms, "
                            + "p90 %.0f ms, p99 %.0f ms, max %.0f ms%n", latency.getTotalCount(),
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0, latency.getMaxValue() / 1000.0);
            System.out.printf("retried or scored in-process after the evaluator was killed: %d requests, max %.0f ms%n",
                    retried.getTotalCount(), retried.getMaxValue() / 1000.0);
        }
    }

    private static NodeAgent.Slots evaluators(akka.actor.typed.ActorSystem<Void> system) throws Exception {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        r -> Receptionist.find(NodeAgent.SERVICE_KEY, r), Duration.ofSeconds(5), system.scheduler())
                .thenCompose(l -> AskPattern.<NodeAgent.Command, NodeAgent.Slots>ask(
                        l.getServiceInstances(NodeAgent.SERVICE_KEY).iterator().next(),
                        NodeAgent.GetEvaluators::new, Duration.ofSeconds(5), system.scheduler()))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The registered evaluator's counters, or null while none is registered (or it does not answer). */
    private static SampleEvaluator.Stats stats(akka.actor.typed.ActorSystem<Void> system) {
        try {
            return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                            r -> Receptionist.find(SampleEvaluator.SERVICE_KEY, r), Duration.ofSeconds(5),
                            system.scheduler())
                    .thenCompose(l -> l.getServiceInstances(SampleEvaluator.SERVICE_KEY).isEmpty()
                            ? java.util.concurrent.CompletableFuture.completedFuture(null)
                            : AskPattern.<SampleEvaluator.Command, SampleEvaluator.Stats>ask(
                                    l.getServiceInstances(SampleEvaluator.SERVICE_KEY).iterator().next(),
                                    SampleEvaluator.GetStats::new, Duration.ofSeconds(3), system.scheduler()))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    private String logs() {
        return ProcessLogs.tail(dir.resolve("logs"));
    }
}

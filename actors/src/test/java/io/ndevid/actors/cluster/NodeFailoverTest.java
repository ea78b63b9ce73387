package io.ndevid.actors.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.Attempt;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three node JVMs on loopback (each worker with one trainer process), sharing one experiments folder, run a 6-trial
 * grid submitted over HTTP; a whole node is {@code kill -9}'d mid-grid:
 * <ul>
 *   <li>a worker: the split-brain resolver downs it and its trainer, the coordinator counts the trial LOST and it
 *       resumes on another node from its checkpoint;</li>
 *   <li>the coordinator's node (A = coordinator,worker; B = coordinator,worker; C = worker): the singleton
 *       coordinator moves to B, replays the journal, reclaims the trials B's and C's trainers are running, re-queues
 *       A's (ORPHANED) to resume from its checkpoint; the test follows the experiment through B's API.</li>
 * </ul>
 * Trials are real {@code cpu-tiny} TGAN trials (ODE1 and ODE2 G_t; the production executor, as {@code ndevid node}
 * runs them) with 40 iterations and a checkpoint every 4: on the loaded 2-core machine they run at 1-6 it/s, so a
 * kill lands mid-trial (the test waits for a trial on the victim node between its second checkpoint and its last).
 * The cluster settings are the repository's {@code cluster-config/loopback.conf}.
 */
class NodeFailoverTest {

    private static final int ITERATIONS = 40;
    private static final int CHECKPOINT_INTERVAL = 4;
    private static final Duration NODE_UP = Duration.ofSeconds(120);
    private static final Duration GRID_DONE = Duration.ofSeconds(360);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private ClusterProcesses cluster;
    private ClusterApi api;

    @AfterEach
    void cleanUp(TestInfo info) throws IOException {
        if (cluster != null) {
            cluster.close();
            keepLogs(info);
            List<ProcessHandle> left = cluster.alive();
            assertTrue(left.isEmpty(), "processes left behind: " + left);
        }
    }

    /** {@code -Dndevid.test.keep-logs=DIR}: node logs, trainer logs and journals to DIR/<test>/ for a look by hand. */
    private void keepLogs(TestInfo info) throws IOException {
        String keep = System.getProperty("ndevid.test.keep-logs");
        if (keep == null || keep.isBlank()) {
            return;
        }
        Path to = Path.of(keep).resolve(info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test"));
        try (var files = Files.walk(tmp)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".log")
                    || f.toString().endsWith(".jsonl") || f.toString().endsWith("results.json")).toList()) {
                Path dest = to.resolve(tmp.relativize(f).toString());
                Files.createDirectories(dest.getParent());
                Files.copy(f, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private ClusterProcesses cluster() throws IOException {
        return ClusterProcesses.loopback(tmp, "");
    }

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void aKilledWorkerNodesTrialResumesElsewhere() throws Exception {
        var b = threeNodes(false).get(1);

        GridSpec grid = TestSpecs.grid("failover-worker", 3, ITERATIONS, CHECKPOINT_INTERVAL, 3);
        assertEquals(6, api.submit(grid).size());
        TrialStatus victim = awaitMidTrialOn(grid.name(), "b");
        long killedAt = System.nanoTime();
        cluster.kill(b);

        ExperimentStatus done = awaitFinished(grid.name());
        System.out.printf("grid finished %.1f s after worker b was killed%n", (System.nanoTime() - killedAt) / 1e9);
        assertAllTerminatedOnce(grid.name(), done);
        TrialStatus killed = done.trial(victim.name()).orElseThrow();
        List<Attempt> attempts = killed.attempts();
        assertTrue(attempts.size() >= 2, "the killed node's trial ran again: " + attempts);
        assertEquals(Outcome.LOST, attempts.get(0).outcome(), attempts.toString());
        assertTrue(attempts.get(0).slot().id().startsWith("b/"), attempts.toString());
        Attempt resumed = attempts.get(attempts.size() - 1);
        assertTrue(!resumed.slot().id().startsWith("b/"), "resumed on another node: " + attempts);
        assertTrue(resumed.startIteration() >= 2 * CHECKPOINT_INTERVAL,
                "resumed from its checkpoint, not from 0: " + attempts);
    }

    /**
     * In the default build: ~1-1.5 min on a quiet machine (both scenarios together 130 s on the merged build,
     * 2026-11-26), ~4 min on the shared 2-core box at load 20; the default suite stays well inside its budget.
     */
    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void theCoordinatorFailsOverWhenItsNodeIsKilled() throws Exception {
        var nodes = threeNodes(true);
        var a = nodes.get(0);
        var b = nodes.get(1);

        GridSpec grid = TestSpecs.grid("failover-coordinator", 3, ITERATIONS, CHECKPOINT_INTERVAL, 3);
        assertEquals(6, api.submit(grid).size());
        TrialStatus victim = awaitMidTrialOn(grid.name(), "a");
        ExperimentStatus before = api.status(grid.name());
        long killedAt = System.nanoTime();
        cluster.kill(a);
        api = new ClusterApi(b, tmp.resolve("experiments"));
        // B's API answers all along; it is ready again once the coordinator singleton runs on B
        int ready;
        while ((ready = api.probe("ready")) != 200 && System.nanoTime() - killedAt < GRID_DONE.toNanos()) {
            Thread.sleep(250);
        }
        assertEquals(200, ready, "B's /ready after A's death\n" + cluster.logs());
        System.out.printf("coordinator on B ready %.1f s after A was killed%n", (System.nanoTime() - killedAt) / 1e9);

        ExperimentStatus done = awaitFinished(grid.name());
        System.out.printf("grid finished %.1f s after node a was killed%n", (System.nanoTime() - killedAt) / 1e9);
        assertAllTerminatedOnce(grid.name(), done);
        TrialStatus killed = done.trial(victim.name()).orElseThrow();
        List<Attempt> attempts = killed.attempts();
        assertTrue(attempts.size() >= 2, "the killed node's trial ran again: " + attempts);
        assertEquals(Outcome.ORPHANED, attempts.get(0).outcome(), "re-queued by the new coordinator: " + attempts);
        assertEquals(0, killed.failures(), "an orphan is not a failure: " + killed);
        Attempt resumed = attempts.get(attempts.size() - 1);
        assertTrue(!resumed.slot().id().startsWith("a/"), "resumed on another node: " + attempts);
        assertTrue(resumed.startIteration() >= 2 * CHECKPOINT_INTERVAL,
                "resumed from its checkpoint, not from 0: " + attempts);
        // what the survivors' trainers were running when A died, they finished in the same attempt (reclaimed)
        for (TrialStatus t : before.trials()) {
            if (t.state() == TrialState.RUNNING && t.slot() != null && !t.slot().startsWith("a/")) {
                TrialStatus after = done.trial(t.name()).orElseThrow();
                assertEquals(t.attempt(), after.attempt(), "reclaimed, not re-run: " + after.attempts());
            }
        }
    }

    /**
     * The coordinator's machine freezes (SIGSTOP of its node and trainer) mid-grid, past the resolver's timeout: B
     * and C down it, the coordinator moves to B (a new epoch) and runs the grid; A is thawed (SIGCONT) while B runs
     * it: A finds itself downed and every process of it exits, and no journal line of A's coordinator (epoch 1)
     * follows the first of B's (epoch 2). Every trial ends once, and the journal replays without a warning.
     */
    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void aFrozenCoordinatorNodeIsReplacedAndStaysFencedWhenItWakes() throws Exception {
        var nodes = threeNodes(true);
        var a = nodes.get(0);
        var b = nodes.get(1);

        GridSpec grid = TestSpecs.grid("pause-coordinator", 3, ITERATIONS, CHECKPOINT_INTERVAL, 3);
        assertEquals(6, api.submit(grid).size());
        awaitMidTrialOn(grid.name(), "a");
        long frozenAt = System.nanoTime();
        List<ProcessHandle> frozen = cluster.freeze(a);
        api = new ClusterApi(b, tmp.resolve("experiments"));
        int ready;
        while ((ready = api.probe("ready")) != 200 && System.nanoTime() - frozenAt < GRID_DONE.toNanos()) {
            Thread.sleep(250);
        }
        assertEquals(200, ready, "B's /ready while A is frozen\n" + cluster.logs());
        System.out.printf("coordinator on B ready %.1f s after A froze%n", (System.nanoTime() - frozenAt) / 1e9);
        cluster.thaw(frozen);
        cluster.awaitExit(frozen, Duration.ofSeconds(90), "the downed node a");

        ExperimentStatus done = awaitFinished(grid.name());
        assertAllTerminatedOnce(grid.name(), done);
        Path exp = tmp.resolve("experiments").resolve(grid.name());
        List<Long> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(ExperimentJournal.fileIn(exp))) {
            epochs.add(JSON.readTree(line).path(ExperimentJournal.EPOCH).asLong(0));
        }
        int firstOfB = epochs.indexOf(2L);
        assertTrue(firstOfB > 0 && epochs.get(0) == 1L, "A's coordinator was epoch 1, B's epoch 2: " + epochs);
        assertTrue(epochs.subList(firstOfB, epochs.size()).stream().allMatch(e -> e == 2L),
                "no line of A's coordinator after B took over: " + epochs);
        try (ExperimentJournal replayed = ExperimentJournal.open(exp)) {
            assertTrue(replayed.warnings().isEmpty(), replayed.warnings().toString());
            assertEquals(ExperimentState.Phase.FINISHED, replayed.state().phase());
        }
    }

    /**
     * A worker machine freezes (SIGSTOP of its node and trainer) mid-trial: the trial is LOST and re-run on another
     * node (attempt 2 claims the run folder); the machine is thawed while attempt 2 runs. Its stale trainer, downed,
     * is fenced off the run folder: stats.jsonl holds every iteration once and in order (a stale line would repeat
     * an older one), status.json and the newest checkpoint are attempt 2's, and the journal's one result is the
     * last attempt's.
     */
    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void aFrozenWorkersStaleTrainerCannotWriteIntoTheNewAttempt() throws Exception {
        var b = threeNodes(false).get(1);

        GridSpec grid = TestSpecs.grid("pause-worker", 3, ITERATIONS, CHECKPOINT_INTERVAL, 3);
        assertEquals(6, api.submit(grid).size());
        TrialStatus victim = awaitMidTrialOn(grid.name(), "b");
        List<ProcessHandle> frozen = cluster.freeze(b);
        // attempt 2 runs elsewhere and has passed a checkpoint of its own
        long deadline = System.nanoTime() + GRID_DONE.toNanos();
        TrialStatus rerun = null;
        while (System.nanoTime() < deadline) {
            TrialStatus t = api.status(grid.name()).trial(victim.name()).orElseThrow();
            if (t.attempt() > victim.attempt() && (t.state() != TrialState.RUNNING
                    || t.iteration() >= t.startIteration() + CHECKPOINT_INTERVAL)) {
                rerun = t;
                break;
            }
            Thread.sleep(250);
        }
        assertTrue(rerun != null, "the frozen node's trial ran again\n" + cluster.logs());
        cluster.thaw(frozen);
        cluster.awaitExit(frozen, Duration.ofSeconds(90), "the downed node b");

        ExperimentStatus done = awaitFinished(grid.name());
        assertAllTerminatedOnce(grid.name(), done);
        TrialStatus finished = done.trial(victim.name()).orElseThrow();
        Attempt last = finished.attempts().get(finished.attempts().size() - 1);
        assertTrue(!last.slot().id().startsWith("b/"), finished.attempts().toString());
        assertEquals(Outcome.COMPLETED, last.outcome(), "the result is the last attempt's: " + finished.attempts());
        assertEquals(1, finished.attempts().stream().filter(x -> x.outcome() == Outcome.COMPLETED).count(),
                finished.attempts().toString());
        Path run = tmp.resolve("experiments").resolve(grid.name()).resolve("trials").resolve(victim.name());
        List<Long> iterations = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("stats.jsonl"))) {
            iterations.add(JSON.readTree(line).path("iteration").asLong());
        }
        for (int i = 0; i < iterations.size(); i++) {
            assertEquals(i, iterations.get(i), "stats.jsonl: every iteration once, in order: " + iterations);
        }
        assertEquals(ITERATIONS, iterations.size());
        JsonNode status = JSON.readTree(run.resolve("status.json").toFile());
        assertEquals("completed", status.path("state").asText(), status.toString());
        assertEquals(ITERATIONS, status.path("iteration").asLong(), status.toString());
        assertTrue(Files.exists(run.resolve(".fence").resolve("attempt." + last.number())));
        String staleLog = Files.readString(tmp.resolve("experiments").resolve("logs").resolve("b")
                .resolve("trainer-0.log"));
        System.out.println("b's stale trainer " + (staleLog.contains("fenced off") ? "was refused a write"
                : "stopped before its next write"));
    }

    /**
     * Nodes a (coordinator,worker), b (coordinator,worker if {@code standBy}, else worker) and c (worker), each with
     * one trainer, all Up, and {@code api} on a once it is ready. Everyone knows both coordinator nodes as seeds: a
     * trainer restarted after a's death joins through b.
     */
    private List<ClusterProcesses.Node> threeNodes(boolean standBy) throws Exception {
        cluster = cluster();
        int pa = ClusterProcesses.freePort();
        int pb = ClusterProcesses.freePort();
        List<String> seeds = standBy ? List.of(ClusterProcesses.HOST + ":" + pa, ClusterProcesses.HOST + ":" + pb)
                : List.of(ClusterProcesses.HOST + ":" + pa);
        var a = cluster.start("a", List.of("coordinator", "worker"), pa, seeds);
        cluster.awaitUp(a, NODE_UP);
        var b = cluster.start("b", standBy ? List.of("coordinator", "worker") : List.of("worker"), pb, seeds);
        var c = cluster.start("c", List.of("worker"), ClusterProcesses.freePort(), seeds);
        cluster.awaitUp(b, NODE_UP);
        cluster.awaitUp(c, NODE_UP);
        api = ready(a);
        return List.of(a, b, c);
    }

    /** {@code node}'s API once {@code /ready} answers 200 (the node is Up and the coordinator answers). */
    private ClusterApi ready(ClusterProcesses.Node node) throws Exception {
        ClusterApi a = new ClusterApi(node, tmp.resolve("experiments"));
        long deadline = System.nanoTime() + NODE_UP.toNanos();
        while (a.probe("ready") != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node + ": /ready not 200 within " + NODE_UP.toSeconds() + " s\n"
                        + cluster.logs());
            }
            Thread.sleep(250);
        }
        return a;
    }

    /** A trial running on {@code node} between its second checkpoint and its last: where the kill should land. */
    private TrialStatus awaitMidTrialOn(String id, String node) throws Exception {
        long deadline = System.nanoTime() + GRID_DONE.toNanos();
        while (System.nanoTime() < deadline) {
            for (TrialStatus t : api.status(id).trials()) {
                if (t.state() == TrialState.RUNNING && t.slot() != null && t.slot().startsWith(node + "/")
                        && t.iteration() >= 2 * CHECKPOINT_INTERVAL
                        && t.iteration() < ITERATIONS - CHECKPOINT_INTERVAL) {
                    return t;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no trial of " + id + " got where the kill should land within "
                + GRID_DONE.toSeconds() + " s\n" + cluster.logs());
    }

    private ExperimentStatus awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + GRID_DONE.toNanos();
        ExperimentStatus last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = api.status(id);
            } catch (IOException e) {
                last = null; // no coordinator yet (503): it is failing over
            }
            if (last != null && last.phase() != ExperimentState.Phase.RUNNING) {
                return last;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(id + " did not finish within " + GRID_DONE.toSeconds() + " s of the kill; last: "
                + (last == null ? "no answer" : last.table()) + "\n" + cluster.logs());
    }

    /** All six TERMINATED, complete, and the journal has exactly one result per trial. */
    private void assertAllTerminatedOnce(String id, ExperimentStatus done) throws IOException {
        assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
        assertEquals(6, done.count(TrialState.TERMINATED), done.table());
        for (TrialStatus t : done.trials()) {
            assertEquals(Outcome.COMPLETED, t.result().outcome(), t.name());
            assertEquals(ITERATIONS, t.result().iterations(), t.name());
        }
        Map<String, Integer> results = new HashMap<>();
        for (String line : Files.readAllLines(ExperimentJournal.fileIn(tmp.resolve("experiments").resolve(id)))) {
            JsonNode e = JSON.readTree(line);
            if ("ended".equals(e.path("type").asText())
                    && Outcome.valueOf(e.path("outcome").asText()).isResult()) {
                results.merge(e.path("trial").asText(), 1, Integer::sum);
            }
        }
        for (TrialStatus t : done.trials()) {
            assertEquals(1, results.getOrDefault(t.name(), 0), t.name() + ": one result in the journal " + results);
        }
        assertEquals(6, results.size(), results.toString());
    }
}

package io.ndevid.actors.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.Attempt;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
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
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real network partition between node processes. Three network namespaces on one bridge ({@link NetworkNamespaces}),
 * each running one node JVM bound to its namespace's address, its trainer and evaluator processes inside with it:
 * a (coordinator,worker; the oldest, so it runs the coordinator singleton), b (coordinator,worker), c (worker), one
 * slot each, sharing the experiments folder (namespaces share the file system: it stands for NFS). Mid-grid, a's
 * link is cut (its bridge port set down): a is the minority (1 machine of 3). b and c down it and the coordinator
 * moves to b (epoch 2), which runs the grid to its end; a, still running, downs itself and every one of its processes
 * exits, and its coordinator appends no journal line after it was downed nor after b's first. Every trial ends once,
 * no two attempts of a trial were open at once, every run folder's stats were written by one attempt at a time, and
 * the journal replays cleanly. Traffic stays on the bridge's test subnet. Skipped (with the reason) when not root or
 * without {@code ip netns}.
 */
class NetworkPartitionTest {

    private static final int ITERATIONS = 40;
    private static final int CHECKPOINT_INTERVAL = 4;
    private static final Duration NODE_UP = Duration.ofSeconds(120);
    private static final Duration GRID_DONE = Duration.ofSeconds(360);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Akka's resolver on the side it downs: "SBR took decision … and is downing […], including myself". */
    private static final Pattern SELF_DOWNED = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*SBR took decision .*"
            + "including myself", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    private NetworkNamespaces net;
    private ClusterProcesses cluster;

    @AfterEach
    void cleanUp(TestInfo info) throws IOException {
        try {
            if (cluster != null) {
                cluster.close();
                GridChecks.keepLogs(tmp, info);
                List<ProcessHandle> left = cluster.alive();
                assertTrue(left.isEmpty(), "processes left behind: " + left);
            }
        } finally {
            if (net != null) {
                net.close();
            }
        }
    }

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void theMinorityMachineDownsItselfAndTheMajorityFinishesTheGrid() throws Exception {
        String why = NetworkNamespaces.unavailable();
        assumeTrue(why == null, () -> "no network partition test: " + why);
        net = new NetworkNamespaces();
        ClusterProcesses.Where wa = net.add("a", 2);
        ClusterProcesses.Where wb = net.add("b", 3);
        ClusterProcesses.Where wc = net.add("c", 4);
        cluster = ClusterProcesses.loopback(tmp, "");
        int pa = ClusterProcesses.freePort();
        int pb = ClusterProcesses.freePort();
        List<String> seeds = List.of(wa.host() + ":" + pa, wb.host() + ":" + pb);
        var a = cluster.start("a", List.of("coordinator", "worker"), wa, pa, seeds, 1);
        cluster.awaitUp(a, NODE_UP);
        var b = cluster.start("b", List.of("coordinator", "worker"), wb, pb, seeds, 1);
        var c = cluster.start("c", List.of("worker"), wc, ClusterProcesses.freePort(), seeds, 1);
        cluster.awaitUp(b, NODE_UP);
        cluster.awaitUp(c, NODE_UP);
        Path experiments = tmp.resolve("experiments");
        ClusterApi api = GridChecks.ready(cluster, a, experiments, NODE_UP);

        GridSpec grid = TestSpecs.grid("partition", 2, ITERATIONS, CHECKPOINT_INTERVAL, 3);
        assertEquals(4, api.submit(grid).size());
        TrialStatus victim = GridChecks.awaitMidTrialOn(cluster, api, grid.name(), "a", ITERATIONS,
                CHECKPOINT_INTERVAL, GRID_DONE);
        List<ProcessHandle> minority = cluster.tree(a);
        long cutAt = System.nanoTime();
        net.cut("a");

        // the majority: b's API answers once the coordinator runs there
        api = GridChecks.ready(cluster, b, experiments, GRID_DONE);
        System.out.printf("coordinator on b ready %.1f s after a was cut off%n", (System.nanoTime() - cutAt) / 1e9);
        // the minority: a downs itself and all of its processes exit, with no one telling them
        cluster.awaitExit(minority, GRID_DONE, "the cut-off node a");
        System.out.printf("a's %d processes exited %.1f s after the cut%n", minority.size(),
                (System.nanoTime() - cutAt) / 1e9);
        assertTrue(b.process.isAlive() && c.process.isAlive(), "the majority stays up\n" + cluster.logs());

        ExperimentStatus done = GridChecks.awaitFinished(cluster, api, grid.name(), GRID_DONE);
        System.out.printf("grid finished %.1f s after the cut%n", (System.nanoTime() - cutAt) / 1e9);
        GridChecks.assertAllTerminatedOnce(experiments, done, 4, ITERATIONS);
        Path exp = experiments.resolve(grid.name());
        GridChecks.assertReplacedCoordinatorStoppedWriting(exp);
        assertEquals(List.of(1L, 2L), GridChecks.coordinatorEpochs(experiments), "one coordinator on each side");
        assertNoAppendAfterSelfDown(a, exp);
        GridChecks.assertNoAttemptOverlaps(exp);
        // a trains on until it downs itself (~heartbeat pause + stable-after): its trial may finish on a meanwhile
        List<Attempt> attempts = done.trial(victim.name()).orElseThrow().attempts();
        assertTrue(attempts.get(0).slot().id().startsWith("a/"), attempts.toString());
        if (attempts.get(0).outcome() == Outcome.COMPLETED) {
            System.out.println("a finished its trial before it downed itself: " + attempts);
        } else {
            assertTrue(attempts.size() >= 2 && !attempts.get(attempts.size() - 1).slot().id().startsWith("a/"),
                    "the cut-off node's trial ran again on the majority side: " + attempts);
        }
        for (TrialStatus t : done.trials()) {
            GridChecks.assertStatsOnceInOrder(exp.resolve("trials").resolve(t.name()), ITERATIONS);
        }
        GridChecks.assertReplaysCleanly(exp);
    }

    /**
     * Every journal line of a's coordinator (epoch 1) was made no later than the resolver on a's side decided to down
     * it: the earliest such decision in the logs of a's node and children (the leader of a's side, which takes it,
     * may be any of them; the logs and the journal use the same clock).
     */
    private void assertNoAppendAfterSelfDown(ClusterProcesses.Node a, Path exp) throws IOException {
        LocalTime downedAt = null;
        for (Path log : cluster.logsOf(a)) {
            Matcher m = SELF_DOWNED.matcher(Files.readString(log));
            if (m.find()) {
                LocalTime t = LocalTime.parse(m.group(1));
                downedAt = downedAt == null || t.isBefore(downedAt) ? t : downedAt;
            }
        }
        assertTrue(downedAt != null, "a's side downed itself (no 'SBR took decision … including myself' in "
                + cluster.logsOf(a) + ")\n" + cluster.logs());
        for (String line : Files.readAllLines(ExperimentJournal.fileIn(exp))) {
            JsonNode e = JSON.readTree(line);
            if (e.path(ExperimentJournal.EPOCH).asLong() == 1L) {
                LocalTime at = LocalTime.ofInstant(Instant.parse(e.path("time").asText()), ZoneId.systemDefault());
                assertTrue(!at.isAfter(downedAt), "a's coordinator appended after it was downed at " + downedAt
                        + ": " + line);
            }
        }
        System.out.println("a downed itself at " + downedAt + " (" + LocalDate.now() + ")");
    }
}

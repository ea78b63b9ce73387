package io.ndevid.actors.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the fault tests ({@link NodeFailoverTest}, {@link NetworkPartitionTest}) wait for through a node's API, and
 * what they check in the shared experiments folder afterwards: one result per trial in the journal, no two attempts
 * of a trial open at once, no line of a replaced coordinator after its successor's first, every run folder's
 * {@code stats.jsonl} written by one attempt at a time, and a journal that replays without a warning.
 */
final class GridChecks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private GridChecks() {}

    /** {@code node}'s API once {@code /ready} answers 200 (the node is Up and the coordinator answers). */
    static ClusterApi ready(ClusterProcesses cluster, ClusterProcesses.Node node, Path experiments, Duration timeout)
            throws Exception {
        ClusterApi a = new ClusterApi(node, experiments);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (a.probe("ready") != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node + ": /ready not 200 within " + timeout.toSeconds() + " s\n"
                        + cluster.logs());
            }
            Thread.sleep(250);
        }
        return a;
    }

    /**
     * A trial of {@code id} running on {@code node} between its second checkpoint and its last
     * ({@code checkpointInterval}, {@code iterations}): where a kill, freeze or cut should land.
     */
    static TrialStatus awaitMidTrialOn(ClusterProcesses cluster, ClusterApi api, String id, String node,
                                       long iterations, long checkpointInterval, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (TrialStatus t : api.status(id).trials()) {
                if (t.state() == TrialState.RUNNING && t.slot() != null && t.slot().startsWith(node + "/")
                        && t.iteration() >= 2 * checkpointInterval && t.iteration() < iterations - checkpointInterval) {
                    return t;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no trial of " + id + " got mid-trial on " + node + " within " + timeout.toSeconds()
                + " s\n" + cluster.logs());
    }

    /** Polls {@code id}'s status until it is no longer RUNNING (503s while failing over are waited out). */
    static ExperimentStatus awaitFinished(ClusterProcesses cluster, ClusterApi api, String id, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
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
        throw new AssertionError(id + " did not finish within " + timeout.toSeconds() + " s; last: "
                + (last == null ? "no answer" : last.table()) + "\n" + cluster.logs());
    }

    /** Every trial TERMINATED and complete ({@code iterations}), and the journal has exactly one result per trial. */
    static void assertAllTerminatedOnce(Path experiments, ExperimentStatus done, int trials, long iterations)
            throws IOException {
        assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
        assertEquals(trials, done.count(TrialState.TERMINATED), done.table());
        for (TrialStatus t : done.trials()) {
            assertEquals(Outcome.COMPLETED, t.result().outcome(), t.name());
            assertEquals(iterations, t.result().iterations(), t.name());
        }
        Map<String, Integer> results = new HashMap<>();
        for (JsonNode e : lines(experiments.resolve(done.id()))) {
            if ("ended".equals(e.path("type").asText())
                    && Outcome.valueOf(e.path("outcome").asText()).isResult()) {
                results.merge(e.path("trial").asText(), 1, Integer::sum);
            }
        }
        for (TrialStatus t : done.trials()) {
            assertEquals(1, results.getOrDefault(t.name(), 0), t.name() + ": one result in the journal " + results);
        }
        assertEquals(trials, results.size(), results.toString());
    }

    /**
     * In the journal, a trial's attempt is assigned only after the previous one ended, and every end is of the open
     * attempt: no two attempts of a trial ran at the same time as far as the coordinators knew.
     */
    static void assertNoAttemptOverlaps(Path experimentDir) throws IOException {
        Map<String, Integer> open = new HashMap<>();
        List<String> trace = new ArrayList<>();
        for (JsonNode e : lines(experimentDir)) {
            String type = e.path("type").asText();
            String trial = e.path("trial").asText();
            int attempt = e.path("attempt").asInt(-1);
            if (type.equals("assigned") || type.equals("ended")) {
                trace.add(type + " " + trial + "#" + attempt + " (epoch " + e.path(ExperimentJournal.EPOCH).asLong()
                        + ")");
            }
            if (type.equals("assigned")) {
                assertTrue(!open.containsKey(trial), trial + " attempt " + attempt + " assigned while attempt "
                        + open.get(trial) + " was open: " + trace);
                open.put(trial, attempt);
            } else if (type.equals("ended")) {
                assertEquals(open.remove(trial), attempt, trial + ": the attempt that ended is the open one: " + trace);
            }
        }
        assertTrue(open.isEmpty(), "attempts never ended: " + open);
    }

    /** The writer's epoch of every journal line, in order. */
    static List<Long> journalEpochs(Path experimentDir) throws IOException {
        List<Long> epochs = new ArrayList<>();
        for (JsonNode e : lines(experimentDir)) {
            epochs.add(e.path(ExperimentJournal.EPOCH).asLong(0));
        }
        return epochs;
    }

    /**
     * The journal begins with coordinator epoch 1's lines and, from the first of epoch 2 on, holds epoch 2's only:
     * the replaced coordinator appended nothing after its successor took over. Returns how many lines epoch 1 wrote.
     */
    static long assertReplacedCoordinatorStoppedWriting(Path experimentDir) throws IOException {
        List<Long> epochs = journalEpochs(experimentDir);
        int firstOfSuccessor = epochs.indexOf(2L);
        assertTrue(firstOfSuccessor > 0 && epochs.get(0) == 1L,
                "the first coordinator was epoch 1, its successor epoch 2: " + epochs);
        assertTrue(epochs.subList(firstOfSuccessor, epochs.size()).stream().allMatch(e -> e == 2L),
                "no line of the first coordinator after its successor took over: " + epochs);
        return epochs.stream().filter(e -> e == 1L).count();
    }

    /** The coordinator epochs claimed in the data directory ({@code .fence/coordinator.N}), sorted. */
    static List<Long> coordinatorEpochs(Path dataDir) throws IOException {
        Path fence = dataDir.resolve(".fence");
        if (!Files.isDirectory(fence)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(fence)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("coordinator."))
                    .map(n -> Long.parseLong(n.substring("coordinator.".length()))).sorted().toList();
        }
    }

    /** The journal replays without a warning into a FINISHED experiment. */
    static void assertReplaysCleanly(Path experimentDir) {
        try (ExperimentJournal replayed = ExperimentJournal.open(experimentDir)) {
            assertTrue(replayed.warnings().isEmpty(), replayed.warnings().toString());
            assertEquals(ExperimentState.Phase.FINISHED, replayed.state().phase());
        }
    }

    /**
     * A trial's {@code stats.jsonl} holds every iteration once and in order: a stale writer's line would repeat an
     * older iteration or break the order.
     */
    static void assertStatsOnceInOrder(Path runFolder, long iterations) throws IOException {
        List<Long> seen = new ArrayList<>();
        for (String line : Files.readAllLines(runFolder.resolve("stats.jsonl"))) {
            seen.add(JSON.readTree(line).path("iteration").asLong());
        }
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i, seen.get(i), runFolder.getFileName() + " stats.jsonl: every iteration once, in order: "
                    + seen);
        }
        assertEquals(iterations, seen.size(), runFolder.getFileName().toString());
    }

    /** {@code -Dndevid.test.keep-logs=DIR}: node logs, trainer logs and journals to DIR/<test>/ for a look by hand. */
    static void keepLogs(Path tmp, TestInfo info) throws IOException {
        String keep = System.getProperty("ndevid.test.keep-logs");
        if (keep == null || keep.isBlank()) {
            return;
        }
        Path to = Path.of(keep).resolve(info.getTestClass().map(Class::getSimpleName).orElse("test"))
                .resolve(info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test"));
        try (var files = Files.walk(tmp)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".log")
                    || f.toString().endsWith(".jsonl") || f.toString().endsWith("results.json")).toList()) {
                Path dest = to.resolve(tmp.relativize(f).toString());
                Files.createDirectories(dest.getParent());
                Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static List<JsonNode> lines(Path experimentDir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(ExperimentJournal.fileIn(experimentDir))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}

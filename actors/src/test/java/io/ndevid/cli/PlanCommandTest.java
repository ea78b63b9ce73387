package io.ndevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ndevid plan} end to end at cpu-tiny: child processes, TGAN's clipping pass, scaling, the memory guard. */
class PlanCommandTest {

    @Test
    void timedStepsSkipTheClippingIterations() {
        long[] it = IntStream.range(0, 9).mapToLong(PlanCommand::stepIteration).toArray();
        assertArrayEquals(new long[] {1, 2, 3, 4, 6, 7, 8, 9, 11}, it);
    }

    @Test
    void measuresTwoCellsAtATimeAndTimesTgansClippingApart(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("plan.json");
        var r = NodeCommandTest.run("plan", "--preset", "cpu-tiny", "--only", "tgan-original,mocogan-original",
                "--steps", "2", "--batch", "2", "--jobs", "2", "--eval-batch", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("not a GPU: the times are a CPU's") && r.out().contains("2 cell(s) at a time"),
                r.out());
        assertTrue(r.out().contains("(scaled from batch 2)") && r.out().contains("CPU time (user + system)"),
                r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, root.get("jobs").asInt());
        assertEquals(2, root.get("cells").size());
        for (JsonNode c : root.get("cells")) {
            String name = c.get("name").asText();
            assertEquals(2, c.get("measuredBatch").asInt(), name);
            assertTrue(c.get("batch").asInt() > 2 && c.get("scaled").asBoolean(), name);
            assertTrue(c.get("stepMs").asDouble() > 0 && c.get("peakHostMiB").asDouble() > 0, name);
            JsonNode cpu = c.get("cpuSeconds");
            for (String part : new String[] {"jvmStart", "engine", "build", "firstStep", "steps", "sample"}) {
                assertTrue(cpu.has(part), name + " " + part + " in " + cpu);
            }
            assertTrue(cpu.get("total").asDouble() >= cpu.get("steps").asDouble(), cpu.toString());
            if (name.startsWith("tgan-")) {
                assertEquals(5, c.get("clipEvery").asInt());
                assertTrue(c.get("clipMs").asDouble() > 0 && cpu.has("clip"), c.toString());
                assertTrue(c.get("stepMs").asDouble() > c.get("clipMs").asDouble() / 5, "the clipping share is in");
            } else {
                assertEquals(0, c.get("clipEvery").asInt(), name);
                assertFalse(cpu.has("clip"), name);
            }
        }
    }

    @Test
    void aMemoryProbePicksTheBatchItMeasuresAt(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("plan.json");
        var r = NodeCommandTest.run("plan", "--preset", "cpu-small", "--only", "mocogan-original", "--steps", "2",
                "--jobs", "1", "--eval-batch", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode c = new ObjectMapper().readTree(json.toFile()).get("cells").get(0);
        JsonNode probe = c.get("memoryProbe");
        assertTrue(probe != null && probe.get("perSampleMiB").asDouble() > 0, c.toString());
        assertEquals(probe.get("fittingBatch").asInt(), c.get("measuredBatch").asInt(), c.toString());
        assertEquals(c.get("measuredBatch").asInt() < c.get("batch").asInt(), c.get("scaled").asBoolean());
        assertTrue(c.get("cpuSeconds").has("probe"), c.toString());
    }

    @Test
    void aCellOverTheMemoryGuardIsMeasuredAgainAtHalfTheBatchDownToTwo(@TempDir Path dir) {
        var r = NodeCommandTest.run("plan", "--preset", "cpu-tiny", "--only", "mocogan-original", "--steps", "2",
                "--batch", "4", "--eval-batch", "1", "--memory-limit-mib", "1", "--jobs", "2", "--json",
                dir.resolve("p.json").toString());
        assertEquals(1, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("over the memory guard at batch 4") && r.out().contains("again at batch 2"),
                r.out());
        assertTrue(r.out().contains("measured again alone at the end, with the whole memory guard"), r.out());
        assertTrue(r.err().contains("does not fit in this host's memory even at batch 2")
                && r.err().contains("guard 2 MiB"), "alone, with both jobs' guards: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }
}

package io.ndevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid plan} end to end at cpu-tiny and cpu-small: child processes, TGAN's clipping pass, scaling, the CPU's
 * batch cap, the memory probe and the reuse of its model, the pilot cell, threads alone and pooled, the memory guard.
 */
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
    void aCpuCapsTheBatchScalesAndReusesTheProbesModelWhenItsBatchIsTheAnswer(@TempDir Path dir) throws Exception {
        // cpu-small's batch 16 is over the CPU cap (8): the probe (batches 2 and 4) picks ≤ 8, the times are scaled
        Path json = dir.resolve("plan.json");
        var r = NodeCommandTest.run("plan", "--preset", "cpu-small", "--only", "mocogan-original", "--steps", "2",
                "--jobs", "1", "--eval-batch", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("measured at batch ≤ 8 on a CPU") && r.out().contains("--batch N to change"),
                r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(PlanCommand.CPU_MAX_BATCH, root.get("cpuMaxBatch").asInt());
        JsonNode c = root.get("cells").get(0);
        JsonNode probe = c.get("memoryProbe");
        assertTrue(probe != null && probe.get("perSampleMiB").asDouble() > 0, c.toString());
        String[] tried = probe.get("batches").asText().split(",");
        assertEquals(2, tried.length, probe.toString());
        assertEquals("2", tried[0], probe.toString());
        int second = Integer.parseInt(tried[1]);
        assertTrue(second == 4 || second == PlanCommand.CPU_MAX_BATCH, "4, or the batch asked for: " + probe);
        int fits = probe.get("fittingBatch").asInt();
        assertEquals(fits, c.get("measuredBatch").asInt(), c.toString());
        assertTrue(fits <= PlanCommand.CPU_MAX_BATCH && c.get("scaled").asBoolean(), c.toString());
        assertTrue(r.out().contains("(scaled from batch " + fits + ")"), r.out());
        assertTrue(c.get("cpuSeconds").has("probe"), c.toString());
        // the probe's second model is the measured one when its batch is the answer; otherwise a third build
        assertEquals(fits == second ? 2 : 3, c.get("builds").asInt(), c.toString());
        assertEquals(fits != second, c.get("cpuSeconds").has("build"), c.toString());

        // a guard under twice the batch-2 peak: batch 2 is the answer, and the probe's model is measured (one build)
        double peak2 = Double.parseDouble(probe.get("peaksMiB").asText().split(",")[0]);
        Path json2 = dir.resolve("plan2.json");
        var r2 = NodeCommandTest.run("plan", "--preset", "cpu-small", "--only", "mocogan-original", "--steps", "3",
                "--jobs", "1", "--eval-batch", "1", "--memory-limit-mib", String.format(Locale.ROOT, "%.0f",
                        1.8 * peak2), "--json", json2.toString());
        assertEquals(0, r2.code(), r2.err() + r2.out());
        JsonNode c2 = new ObjectMapper().readTree(json2.toFile()).get("cells").get(0);
        assertEquals("2", c2.get("memoryProbe").get("batches").asText(), c2.toString());
        assertEquals(2, c2.get("measuredBatch").asInt(), c2.toString());
        assertEquals(1, c2.get("builds").asInt(), "the probe's model and step are the measurement's: " + c2);
        JsonNode cpu = c2.get("cpuSeconds");
        assertTrue(cpu.has("probe") && cpu.has("steps") && !cpu.has("build") && !cpu.has("firstStep"), cpu.toString());
        assertTrue(c2.get("firstStepMs").asDouble() > 0 && c2.get("stepMs").asDouble() > 0, c2.toString());
    }

    @Test
    void theCpuCapIsEightSamplesOf64PixelFramesAtLeastTwo() {
        assertEquals(8, PlanCommand.cpuBatchCap(16));
        assertEquals(8, PlanCommand.cpuBatchCap(64));
        assertEquals(4, PlanCommand.cpuBatchCap(90));
        assertEquals(2, PlanCommand.cpuBatchCap(192), "TGANv2's 192 px");
        assertEquals(2, PlanCommand.cpuBatchCap(512));
    }

    @Test
    void thePilotCellDecidesWhetherTheLargestFamilyJoinsThePool(@TempDir Path dir) throws Exception {
        // two cells of one family (TGAN at 16 px): the first is the pilot, alone, with every core
        JsonNode fits = plan(dir.resolve("fits.json"), "100000");
        JsonNode pilot = fits.get("pilot");
        assertTrue(pilot.get("familyJoinsPool").asBoolean(), pilot.toString());
        assertEquals(2, fits.get("cells").size());
        int cores = Runtime.getRuntime().availableProcessors();
        double peak = 0;
        for (JsonNode c : fits.get("cells")) {
            boolean isPilot = c.get("name").asText().equals(pilot.get("cell").asText());
            assertEquals(isPilot, c.get("alone").asBoolean(), c.toString());
            assertEquals(isPilot ? cores : 1, c.get("threads").asInt(), "pooled: the tests' one thread; " + c);
            peak = Math.max(peak, c.get("peakHostMiB").asDouble());
        }
        // a pooled process's guard under the pilot's peak (the pilot alone has twice it): the family stays alone
        JsonNode alone = plan(dir.resolve("alone.json"), String.format(Locale.ROOT, "%.0f", 0.75 * peak));
        assertFalse(alone.get("pilot").get("familyJoinsPool").asBoolean(), alone.get("pilot").toString());
        for (JsonNode c : alone.get("cells")) {
            assertTrue(c.get("alone").asBoolean(), c.toString());
            assertEquals(cores, c.get("threads").asInt(), c.toString());
        }
    }

    private static JsonNode plan(Path json, String memoryLimitMiB) throws Exception {
        var r = NodeCommandTest.run("plan", "--preset", "cpu-tiny", "--only", "tgan-ode1-linear,tgan-ode2-linear",
                "--steps", "2", "--jobs", "2", "--eval-batch", "1", "--memory-limit-mib", memoryLimitMiB, "--json",
                json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("pilot: "), r.out());
        assertTrue(r.out().contains("thread"), r.out());
        return new ObjectMapper().readTree(json.toFile());
    }

    @Test
    void aCellOverTheMemoryGuardIsMeasuredAgainAtHalfTheBatchDownToTwo(@TempDir Path dir) {
        var r = NodeCommandTest.run("plan", "--preset", "cpu-tiny", "--only", "mocogan-original", "--steps", "2",
                "--batch", "4", "--eval-batch", "1", "--memory-limit-mib", "1", "--jobs", "2", "--json",
                dir.resolve("p.json").toString());
        assertEquals(1, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("over the memory guard at batch 4") && r.out().contains("again at batch 2"),
                r.out());
        assertTrue(r.err().contains("does not fit in this host's memory even at batch 2")
                && r.err().contains("guard 2 MiB"), "the pilot, alone, with both jobs' guards: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }
}

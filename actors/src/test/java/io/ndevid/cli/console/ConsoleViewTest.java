package io.ndevid.cli.console;

import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.actors.status.LatencySummary;
import io.ndevid.actors.status.StatusReport;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleViewTest {

    private static ClusterSnapshot.TrialRow trial(String name, String status, String device) {
        return new ClusterSnapshot.TrialRow("ablation", name, status, "gpu-node-a/slot-1", device, "mocogan", "sde",
                "deep", 1200, 5000, 3.5, 2.75, 211.3, "RUNNING".equals(status) ? 4000.0 : null);
    }

    private static ClusterSnapshot snapshot(List<ClusterSnapshot.TrialRow> trials) {
        StatusReport trainer = new StatusReport("10.0.0.2:25521", "trainer-1", "trainer", "running", 1, 150,
                "gpu:1", "gpu-node-a/slot-1", "ablation", trials.isEmpty() ? null : trials.get(0).name(),
                Map.of("step", new LatencySummary(500, 180.5, 240.25, 300), "transfer",
                        new LatencySummary(2, 45, 61, 61)), 0, 12_000_000, 1_700_000_000_000L);
        StatusReport eval = new StatusReport("10.0.0.1:25520", "evaluator", "evaluator", "evaluating", 3, 20_000,
                null, null, "ablation", "x", Map.of("eval", new LatencySummary(4, 9500, 12000, 12000)), 0, 0,
                1_700_000_000_000L);
        StatusReport store = new StatusReport("10.0.0.1:25520", "checkpoint-store", "checkpoint-store", "idle", 0,
                900, null, null, null, null, Map.of(), 2_500_000, 40_000_000, 1_700_000_000_000L);
        return new ClusterSnapshot(1_700_000_000_000L,
                List.of(new ClusterSnapshot.Member("10.0.0.1:25520", List.of("coordinator"), "Up", 0, List.of()),
                        new ClusterSnapshot.Member("10.0.0.2:25521", List.of("trainer", "worker"), "Up", 2,
                                List.of("gpu:0", "gpu:1"))),
                trials, List.of(new ClusterSnapshot.ActorRow(store, 300, false),
                new ClusterSnapshot.ActorRow(eval, 12_000, true),
                new ClusterSnapshot.ActorRow(trainer, 200, false)), 2_500_000, 52_000_000, List.of());
    }

    private static void assertFits(List<String> lines, int width) {
        for (String l : lines) {
            assertTrue(l.length() <= width, "wider than " + width + ": [" + l + "] (" + l.length() + ")");
        }
    }

    @Test
    void longNamesNeverExceedTheWidthAndTheDeviceStays() {
        String longName = "mocogan-sde-deep-lrG2.0E-4-lrD1.0E-4-batch64-clip0.01-very-long-search-axis-s12345";
        List<ClusterSnapshot.TrialRow> trials = List.of(trial(longName, "RUNNING", "gpu:1"),
                trial("tgan-original-s0", "PENDING", null));
        for (int width : new int[] {80, 100, 132, 60, 40, 25}) {
            List<String> lines = ConsoleView.render(snapshot(trials), width, Integer.MAX_VALUE, null);
            assertFits(lines, width);
        }
        List<String> lines = ConsoleView.render(snapshot(trials), 80, Integer.MAX_VALUE, null);
        String header = lines.stream().filter(l -> l.startsWith("TRIAL ")).findFirst().orElseThrow();
        for (String col : List.of("STATUS", "SLOT", "DEV", "ITER", "IS", "FID", "ETA")) {
            assertTrue(header.contains(col), col + " missing at 80 columns: " + header);
        }
        String row = lines.stream().filter(l -> l.contains("RUNNING")).findFirst().orElseThrow();
        assertTrue(row.startsWith("mocogan"), row);
        assertTrue(row.contains("s12345"), "a long name keeps its end (the seed): " + row);
        assertTrue(row.contains("gpu:1"), "the device of the trial: " + row);
        assertTrue(row.contains("1200/5000") && row.contains("2.75") && row.contains("211.3"), row);
        // the trainer's latencies: p50/p99 of step and transfer; the stale evaluator says so
        String trainer = lines.stream().filter(l -> l.startsWith("trainer-1")).findFirst().orElseThrow();
        assertTrue(trainer.contains("181/240") && trainer.contains("45/61"), trainer);
        String evaluator = lines.stream().filter(l -> l.startsWith("evaluator")).findFirst().orElseThrow();
        assertTrue(evaluator.contains("STALE 12s") && evaluator.contains("9500/12000"), evaluator);
        assertTrue(lines.get(0).contains("2 members") && lines.get(0).contains("Aeron 2.5 MB/s"), lines.get(0));
        String member = lines.stream().filter(l -> l.startsWith("10.0.0.2:25521")).findFirst().orElseThrow();
        assertTrue(member.contains("trainer,worker") && member.contains("gpu:0,gpu:1"), member);
    }

    @Test
    void trialsAreOrderedRunningPendingTerminatedErrorThenTheRest() {
        List<ClusterSnapshot.TrialRow> trials = List.of(trial("a-error", "ERROR", null),
                trial("b-cancelled", "CANCELLED", null), trial("c-terminated", "TERMINATED", "cpu"),
                trial("d-pending", "PENDING", null), trial("e-running", "RUNNING", "cpu"),
                trial("f-paused", "PAUSED", null), trial("a-running", "RUNNING", "cpu"));
        List<String> lines = ConsoleView.render(snapshot(trials), 80, Integer.MAX_VALUE, null);
        List<String> order = new ArrayList<>();
        for (String l : lines) {
            for (var t : trials) {
                if (l.startsWith(t.name() + " ")) {
                    order.add(t.name());
                }
            }
        }
        assertEquals(List.of("a-running", "e-running", "d-pending", "c-terminated", "a-error", "b-cancelled",
                "f-paused"), order);
        assertTrue(lines.stream().anyMatch(l -> l.equals("TRIALS  running 2  pending 1  terminated 1  error 1"
                + "  other 2  (ablation)")), String.join("\n", lines));
    }

    @Test
    void trialsThatDoNotFitTheHeightAreCountedAsMore() {
        List<ClusterSnapshot.TrialRow> trials = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            trials.add(trial(String.format("tgan-ode1-linear-s%02d", i), i < 3 ? "RUNNING" : "PENDING", "cpu"));
        }
        List<String> lines = ConsoleView.render(snapshot(trials), 80, 24, "connection lost: retrying");
        assertEquals(24, lines.size(), String.join("\n", lines));
        assertFits(lines, 80);
        assertEquals("connection lost: retrying", lines.get(0));
        long shown = lines.stream().filter(l -> l.startsWith("tgan-ode1") && (l.contains(" RUNNING ")
                || l.contains(" PENDING "))).count();
        String more = lines.stream().filter(l -> l.startsWith("... ") && l.endsWith(" more")).findFirst()
                .orElseThrow(() -> new AssertionError(String.join("\n", lines)));
        assertEquals(60, shown + Long.parseLong(more.split(" ")[1]), more);
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("TRIAL ")).findFirst().orElseThrow());
        assertTrue(lines.get(header + 1).contains("s00 RUNNING"), String.join("\n", lines));
        // the actors (three) all fit below
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ACTOR")), String.join("\n", lines));
        for (String actor : List.of("checkpoint-store ", "evaluator ", "trainer-1 ")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(actor)), actor + String.join("\n", lines));
        }
        // without a height limit, everything
        assertEquals(60, ConsoleView.render(snapshot(trials), 80, Integer.MAX_VALUE, null).stream()
                .filter(l -> l.startsWith("tgan-ode1") && (l.contains(" RUNNING ") || l.contains(" PENDING ")))
                .count());
    }

    @Test
    void trialsOfSeveralExperimentsSayWhichExperiment() {
        var a = trial("tgan-ode1-linear-s0", "RUNNING", "cpu");
        var b = new ClusterSnapshot.TrialRow("second", a.name(), "PENDING", null, null, "tgan", "ode1", "linear", 0,
                10, 0, null, null, null);
        List<String> lines = ConsoleView.render(snapshot(List.of(a, b)), 100, Integer.MAX_VALUE, null);
        String all = String.join("\n", lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ablation/tgan-ode1-linear-s0 ")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("second/tgan-ode1-linear-s0 ")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("TRIALS ") && l.endsWith("(ablation, second)")));
    }

    @Test
    void finishedExperimentsLinkTheirResults() {
        var done = trial("tgan-ode1-linear-s0", "TERMINATED", "cpu");
        var failed = trial("tgan-ode2-linear-s0", "ERROR", "cpu");
        var running = new ClusterSnapshot.TrialRow("second", done.name(), "RUNNING", null, null, "tgan", "ode1",
                "linear", 0, 10, 0, null, null, null);
        List<String> lines = ConsoleView.render(snapshot(List.of(done, failed, running)), 120, Integer.MAX_VALUE,
                null);
        String all = String.join("\n", lines);
        assertTrue(lines.contains("results of ablation: GET /api/experiments/ablation/results (and …/report)"), all);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("results of second")), all);
    }

    @Test
    void cellsAreCutVisibly() {
        assertEquals("abc~", TextTable.fit("abcdefgh", 4, TextTable.Cut.END));
        assertEquals("abc~gh", TextTable.fit("abcdefgh", 6, TextTable.Cut.MIDDLE));
        assertEquals("abcdefgh", TextTable.fit("abcdefgh", 8, TextTable.Cut.MIDDLE));
        assertEquals("1.2 MB", ConsoleView.bytes(1_234_567));
        assertEquals("1h02", ConsoleView.duration(3725));
        for (double d : new double[] {0, 9.96, 59.4, 599, 3599, 35_999, 359_999, 1e7}) {
            assertTrue(ConsoleView.duration(d).length() <= 4, d + " → " + ConsoleView.duration(d));
        }
        assertEquals("-", ConsoleView.latency(Map.of("step", new LatencySummary(0, 0, 0, 0)), "step"));
    }
}

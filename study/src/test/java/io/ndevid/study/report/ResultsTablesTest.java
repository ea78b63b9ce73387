package io.ndevid.study.report;

import io.ndevid.study.GridSpec;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.stats.AcrossSeeds;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tables from a journal written as the coordinator writes it and fabricated final metrics: every row filled,
 * failures named, header from final-metrics.json; the report asks the renderer it is handed.
 */
class ResultsTablesTest {

    @TempDir
    Path dir;

    @Test
    void tablesReadTheJournalAndFinalMetrics() throws Exception {
        Path exp = dir.resolve("ablation-cpu-tiny");
        GridSpec study = StudyGrid.forPreset("cpu-tiny");
        GridSpec grid = new GridSpec(study.name(), study.preset(), study.models(), study.temporal(), study.f(),
                List.of(0L), study.overrides(), study.search(), study.maxTrials(), 0, study.only());
        List<TrialSpec> trials = grid.expand();
        assertEquals(14, trials.size());
        SlotInfo slot = new SlotInfo("node", 0, 1, "cpu");
        try (ExperimentJournal j = ExperimentJournal.create(exp, new JournalEvent.Submitted(grid.name(), grid, trials,
                "2026-01-01T00:00:00Z"))) {
            for (int i = 0; i < trials.size(); i++) {
                String n = trials.get(i).name();
                Outcome outcome = n.equals("mocogan-sde-linear-s0") ? Outcome.DIVERGED
                        : n.equals("tgan-ode3-linear-s0") ? Outcome.FAILED : Outcome.COMPLETED;
                String msg = outcome == Outcome.DIVERGED ? "diverged at iteration 3" : outcome == Outcome.FAILED
                        ? "boom" : "";
                Path run = exp.resolve("trials").resolve(n);
                assertTrue(j.record(new JournalEvent.Assigned(n, 1, slot, "2026-01-01T00:00:30Z")));
                assertTrue(j.record(new JournalEvent.Started(n, 1, 0, "2026-01-01T00:01:00Z")));
                assertTrue(j.record(new JournalEvent.Ended(n, 1, outcome, 6, msg, Map.of(), Map.of(), run.toString(),
                        String.format("2026-01-01T00:01:%02d.5Z", 10 + i))));
                Files.createDirectories(run);
                if (outcome == Outcome.COMPLETED) {
                    Files.createDirectories(run.resolve("checkpoints"));
                    Files.writeString(run.resolve("checkpoints").resolve("best.bin"), "not a checkpoint");
                    Files.writeString(run.resolve("final-metrics.json"), "{\"is_mean\":" + (1 + i * 0.1)
                            + ",\"is_std\":0.01,\"fid_mean\":" + (100 + i) + ",\"fid_std\":2.5,\"best_iteration\":"
                            + (3 + i) + ",\"batches\":5,\"samples_per_batch\":16,\"fid_method\":\"dxd-sqrt-eigh\","
                            + "\"evaluator\":\"c3d-test@sha256:abc\",\"preprocessing\":\"tgan route\","
                            + "\"temporal_parameters\":" + (1000 + i) + ",\"original_temporal_parameters\":978}");
                }
            }
            assertEquals(ExperimentState.Phase.FINISHED, j.state().phase());
        }
        Files.writeString(exp.resolve("journal.jsonl"), "{\"type\":\"ended\",\"tri", StandardOpenOption.APPEND);

        ResultsTables.Tables t = StudyReport.write(exp, (checkpoint, videos, seed, times, gif) -> {
            throw new IllegalStateException("no checkpoint to render in this test");
        }, new PrintWriter(Writer.nullWriter())).tables();
        assertEquals(List.of("tgan / ode1 / linear", "tgan / ode1 / deep", "tgan / ode1 / matched",
                "mocogan / ode1 / linear", "mocogan / ode1 / deep", "mocogan / ode1 / matched"),
                t.fAblation().stream().map(ResultsTables.Row::config).toList());
        assertEquals(List.of("tgan / original / -", "tgan / ode1 / linear", "tgan / ode2 / linear",
                "tgan / ode3 / linear", "tgan / sde / linear", "mocogan / original / -", "mocogan / ode1 / linear",
                "mocogan / ode2 / linear", "mocogan / ode3 / linear", "mocogan / sde / linear"),
                t.orders().stream().map(ResultsTables.Row::config).toList());
        ResultsTables.Row deep = t.fAblation().get(1);
        assertEquals("tgan-ode1-deep-s0", deep.trial());
        int i = trials.stream().map(TrialSpec::name).toList().indexOf("tgan-ode1-deep-s0");
        assertEquals("ok", deep.status());
        assertEquals(1 + i * 0.1, deep.is().mean(), 1e-9);
        assertEquals(1, deep.is().n());
        assertEquals(100 + i, deep.fid().mean(), 1e-9);
        assertEquals(0.01, deep.isWithinStd(), 1e-12);
        assertEquals(i * 0.1, deep.isChange().estimate(), 1e-9, "against tgan-original-s0, the first trial");
        assertFalse(deep.isChange().hasInterval(), "one seed a side: no interval");
        assertEquals(1000 + i, deep.temporalParams());
        assertEquals(978, deep.originalTemporalParams());
        assertEquals(10.5 + i, deep.wallSeconds(), 1e-9);
        assertEquals(List.of(3L + i), deep.bestIterations());
        ResultsTables.Row failed = t.orders().get(3);
        assertTrue(failed.status().startsWith("ERROR: boom"), failed.status());
        ResultsTables.Row diverged = t.orders().get(9);
        assertTrue(diverged.status().startsWith("DIVERGED: diverged at iteration 3"), diverged.status());

        String md = Files.readString(exp.resolve("results.md"));
        assertTrue(md.contains("evaluator: c3d-test@sha256:abc"), md);
        assertTrue(md.contains("preprocessing: tgan route"), md);
        assertTrue(md.contains("FID method: dxd-sqrt-eigh"), md);
        assertTrue(md.contains("K × N = 5 × 16"), md);
        assertTrue(md.contains(String.format(Locale.ROOT, "| tgan / ode1 / deep | ok | 1/1 | – | %.3f ± – | 0.010 | %+.3f [–] "
                + "| – | %.3f ± – | 2.500 | %+.3f [–] | %d | 978 | %.1f s | %d |", 1 + i * 0.1, i * 0.1, 100.0 + i, (double) i,
                1000 + i, 10.5 + i, 3 + i)), md);
        assertTrue(md.contains("training seeds: 1 per cell (0)"), md);
        assertTrue(md.contains("| tgan / ode3 / linear | ERROR: boom |"), md);
        assertTrue(md.contains("| mocogan / sde / linear | DIVERGED: diverged at iteration 3 |"), md);
        List<String> csv = Files.readAllLines(exp.resolve("results.csv"));
        assertEquals(1 + 6 + 10, csv.size());
        assertTrue(csv.get(2).startsWith("f(x) ablation,tgan / ode1 / deep,tgan,ode1,deep,tgan-ode1-deep-s0,ok,1,1,"),
                csv.get(2));
        assertTrue(StudyReport.current(exp), "report.html is newer than the journal");
        String html = Files.readString(exp.resolve(StudyReport.HTML));
        assertTrue(html.contains("render failed: no checkpoint to render in this test"), "the renderer was asked");
    }

    /** gpu-paper's MoCoGAN ode2/ode3 (f = deep, the authors' g∘h 49) sit in the family × order table, named so. */
    @Test
    void gpuPaperOrderTablePlacesTheAuthorsMocoganCells() throws Exception {
        for (boolean linearOrders : List.of(false, true)) {
            Path exp = dir.resolve("gpu-" + linearOrders);
            GridSpec grid = StudyGrid.forPreset("gpu-paper", Map.of(), List.of(), StudyGrid.seeds(1),
                    linearOrders);
            try (ExperimentJournal j = ExperimentJournal.create(exp, new JournalEvent.Submitted(grid.name(), grid,
                    grid.expand(), "2026-01-01T00:00:00Z"))) {
                assertEquals(ExperimentState.Phase.RUNNING, j.state().phase());
            }
            ResultsTables.Tables t = ResultsTables.build(exp);
            String f = linearOrders ? "linear" : "deep";
            List<ResultsTables.Row> moco = t.orders().stream()
                    .filter(r -> r.model() == io.ndevid.training.spec.ModelFamily.MOCOGAN).toList();
            assertEquals(List.of("mocogan / original / -", "mocogan / ode1 / linear", "mocogan / ode2 / " + f,
                    "mocogan / ode3 / " + f, "mocogan / sde / linear"),
                    moco.stream().map(ResultsTables.Row::config).toList());
            assertEquals(List.of("mocogan-ode2-" + f + "-s0"), moco.get(2).trials());
            assertEquals(15, t.orders().size());
            assertTrue(t.orders().stream().noneMatch(r -> r.status().equals("not in this grid")), t.markdown());
        }
    }

    /**
     * Three seeds per cell: across-seed mean ± std, the within-run std averaged over seeds, the change against the
     * original G_t with its Welch interval, marked where it excludes 0, and a failed seed named in the status.
     */
    @Test
    void seedsGiveAcrossSeedStatisticsAndMarkedChanges() throws Exception {
        Path exp = dir.resolve("ablation-cpu-tiny");
        GridSpec study = StudyGrid.forPreset("cpu-tiny");
        GridSpec grid = new GridSpec(study.name(), study.preset(), study.models(), study.temporal(), study.f(),
                List.of(0L, 1L, 2L), study.overrides(), study.search(), study.maxTrials(), 0,
                List.of("tgan-original", "tgan-ode1-linear", "tgan-ode2-linear"));
        List<TrialSpec> trials = grid.expand();
        assertEquals(List.of("tgan-original-s0", "tgan-original-s1", "tgan-original-s2", "tgan-ode1-linear-s0",
                "tgan-ode1-linear-s1", "tgan-ode1-linear-s2", "tgan-ode2-linear-s0", "tgan-ode2-linear-s1",
                "tgan-ode2-linear-s2"), trials.stream().map(TrialSpec::name).toList());
        Map<String, Double> is = Map.of("tgan-original-s0", 1.0, "tgan-original-s1", 1.1, "tgan-original-s2", 1.2,
                "tgan-ode1-linear-s0", 2.0, "tgan-ode1-linear-s1", 2.1, "tgan-ode1-linear-s2", 2.3,
                "tgan-ode2-linear-s0", 0.9, "tgan-ode2-linear-s1", 1.3);
        SlotInfo slot = new SlotInfo("node", 0, 1, "cpu");
        try (ExperimentJournal j = ExperimentJournal.create(exp, new JournalEvent.Submitted(grid.name(), grid, trials,
                "2026-01-01T00:00:00Z"))) {
            for (TrialSpec spec : trials) {
                String n = spec.name();
                Outcome outcome = is.containsKey(n) ? Outcome.COMPLETED : Outcome.FAILED;
                Path run = exp.resolve("trials").resolve(n);
                assertTrue(j.record(new JournalEvent.Assigned(n, 1, slot, "2026-01-01T00:00:30Z")));
                assertTrue(j.record(new JournalEvent.Started(n, 1, 0, "2026-01-01T00:01:00Z")));
                assertTrue(j.record(new JournalEvent.Ended(n, 1, outcome, 6, outcome == Outcome.FAILED ? "boom" : "",
                        Map.of(), Map.of(), run.toString(), "2026-01-01T00:01:10Z")));
                Files.createDirectories(run);
                if (outcome == Outcome.COMPLETED) {
                    Files.writeString(run.resolve("final-metrics.json"), "{\"is_mean\":" + is.get(n)
                            + ",\"is_std\":" + 0.01 * (spec.seed() + 1) + ",\"fid_mean\":" + (100 - 10 * is.get(n))
                            + ",\"fid_std\":2,\"best_iteration\":6,\"batches\":5,\"samples_per_batch\":16,"
                            + "\"fid_method\":\"m\",\"evaluator\":\"e\",\"preprocessing\":\"p\","
                            + "\"temporal_parameters\":10,\"original_temporal_parameters\":8}");
                    // the untrained model's score, then a later one (only iteration 0 is the start)
                    Files.writeString(run.resolve("metric-is.jsonl"), "{\"iteration\":0,\"is\":" + (1 + spec.seed())
                            + "}\n{\"iteration\":6,\"is\":9}\n");
                }
            }
        }
        ResultsTables.Tables t = ResultsTables.build(exp);
        ResultsTables.Row ode1 = t.orders().get(1);
        ResultsTables.Row ode2 = t.orders().get(2);
        assertEquals("tgan / ode1 / linear", ode1.config());
        assertEquals(List.of("tgan-ode1-linear-s0", "tgan-ode1-linear-s1", "tgan-ode1-linear-s2"), ode1.trials());
        assertEquals("ok", ode1.status());
        assertEquals(3, ode1.is().n());
        assertEquals(AcrossSeeds.summary(2.0, 2.1, 2.3), ode1.is());
        assertEquals(0.02, ode1.isWithinStd(), 1e-12);
        assertEquals(AcrossSeeds.summary(1, 2, 3), ode1.isAtStart(), "iteration 0 of each seed");
        assertEquals(0, ode1.fidAtStart().n(), "no metric-fid.jsonl");
        AcrossSeeds.Difference expected = AcrossSeeds.welch(new double[] {2.0, 2.1, 2.3},
                new double[] {1.0, 1.1, 1.2}, 0.95);
        assertEquals(expected, ode1.isChange());
        assertTrue(ode1.isChange().excludesZero() && ode1.fidChange().excludesZero());
        assertEquals("2/3 ok; tgan-ode2-linear-s2: ERROR: boom", ode2.status());
        assertEquals(2, ode2.is().n());
        assertFalse(ode2.isChange().excludesZero(), "0.9 and 1.3 against 1.0–1.2: no clear change");
        assertEquals(AcrossSeeds.Difference.NONE, t.orders().get(0).isChange(), "the original is the base");
        assertTrue(t.orders().get(3).status().equals("not in this grid"));

        String md = t.markdown();
        assertTrue(md.contains("training seeds: 3 per cell (0, 1, 2)"), md);
        assertTrue(md.contains(String.format(Locale.ROOT, "| tgan / ode1 / linear | ok | 3/3 | 2.000 ± 1.000 | 2.133 ± %.3f | 0.020 | "
                + "+1.033 [%+.3f, %+.3f] * |", ode1.is().std(), expected.low(), expected.high())), md);
        assertTrue(md.contains("| tgan / ode2 / linear | 2/3 ok; tgan-ode2-linear-s2: ERROR: boom | 2/3 | 1.500 ± 0.707 | 1.100 ± "),
                md);
        assertFalse(md.lines().filter(l -> l.startsWith("| tgan / ode2")).findFirst().orElseThrow().contains(" * |"),
                md);
        String csvOde1 = t.csv().lines().filter(l -> l.contains(",tgan / ode1 / linear,")).findFirst().orElseThrow();
        assertTrue(csvOde1.contains(",tgan-ode1-linear-s0;tgan-ode1-linear-s1;tgan-ode1-linear-s2,ok,3,3,"), csvOde1);
        assertTrue(csvOde1.contains(",true,"), csvOde1);
    }
}

package io.ndevid.study.report;

import io.ndevid.study.GridSpec;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
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
                study.seeds(), study.overrides(), study.search(), study.maxTrials(), 0, study.only());
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
        assertEquals(1 + i * 0.1, deep.isMean(), 1e-9);
        assertEquals(100 + i, deep.fidMean(), 1e-9);
        assertEquals(1000 + i, deep.temporalParams());
        assertEquals(978, deep.originalTemporalParams());
        assertEquals(10.5 + i, deep.wallSeconds(), 1e-9);
        assertEquals(3 + i, deep.bestIteration());
        ResultsTables.Row failed = t.orders().get(3);
        assertTrue(failed.status().startsWith("ERROR: boom"), failed.status());
        ResultsTables.Row diverged = t.orders().get(9);
        assertTrue(diverged.status().startsWith("DIVERGED: diverged at iteration 3"), diverged.status());

        String md = Files.readString(exp.resolve("results.md"));
        assertTrue(md.contains("evaluator: c3d-test@sha256:abc"), md);
        assertTrue(md.contains("preprocessing: tgan route"), md);
        assertTrue(md.contains("FID method: dxd-sqrt-eigh"), md);
        assertTrue(md.contains("K × N = 5 × 16"), md);
        assertTrue(md.contains(String.format(Locale.ROOT, "| tgan / ode1 / deep | ok | %.3f ± 0.010 | %.3f ± 2.500 | %d "
                + "| 978 | %.1f s | %d |", 1 + i * 0.1, 100.0 + i, 1000 + i, 10.5 + i, 3 + i)), md);
        assertTrue(md.contains("| tgan / ode3 / linear | ERROR: boom |"), md);
        assertTrue(md.contains("| mocogan / sde / linear | DIVERGED: diverged at iteration 3 |"), md);
        List<String> csv = Files.readAllLines(exp.resolve("results.csv"));
        assertEquals(1 + 6 + 10, csv.size());
        assertTrue(csv.get(2).startsWith("f(x) ablation,tgan / ode1 / deep,tgan,ode1,deep,tgan-ode1-deep-s0,ok,"),
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
            GridSpec grid = StudyGrid.forPreset("gpu-paper", Map.of(), List.of(), linearOrders);
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
            assertEquals("mocogan-ode2-" + f + "-s0", moco.get(2).trial());
            assertEquals(15, t.orders().size());
            assertTrue(t.orders().stream().noneMatch(r -> r.status().equals("not in this grid")), t.markdown());
        }
    }
}

package io.ndevid.study.testing;

import io.ndevid.study.GridSpec;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.training.spec.TrialSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A finished cpu-tiny grid folder written as the coordinator and the trainers write one, with made-up scores: the
 * journal, each trial's {@code final-metrics.json} and its periodic {@code metric-is.jsonl} / {@code metric-fid.jsonl}.
 */
public final class FabricatedGrid {

    private FabricatedGrid() {}

    /**
     * Writes the grid of {@code only} (points of the cpu-tiny study) × {@code seeds} into {@code exp}; a trial in
     * {@code finals} ({IS, FID}) completed with those final scores, any other failed; {@code isCurves} and
     * {@code fidCurves} give a trial's periodic scores as (iteration, value) pairs.
     */
    public static List<TrialSpec> write(Path exp, List<String> only, int seeds, Map<String, double[]> finals,
                                        Map<String, double[][]> isCurves, Map<String, double[][]> fidCurves)
            throws IOException {
        GridSpec study = StudyGrid.forPreset("cpu-tiny");
        GridSpec grid = new GridSpec(study.name(), study.preset(), study.models(), study.temporal(), study.f(),
                StudyGrid.seeds(seeds), study.overrides(), study.search(), study.maxTrials(), 0, only);
        List<TrialSpec> trials = grid.expand();
        SlotInfo slot = new SlotInfo("node", 0, 1, "cpu");
        try (ExperimentJournal j = ExperimentJournal.create(exp, new JournalEvent.Submitted(grid.name(), grid, trials,
                "2026-01-01T00:00:00Z"))) {
            for (TrialSpec spec : trials) {
                String n = spec.name();
                double[] fin = finals.get(n);
                Outcome outcome = fin != null ? Outcome.COMPLETED : Outcome.FAILED;
                Path run = exp.resolve("trials").resolve(n);
                j.record(new JournalEvent.Assigned(n, 1, slot, "2026-01-01T00:00:30Z"));
                j.record(new JournalEvent.Started(n, 1, 0, "2026-01-01T00:01:00Z"));
                j.record(new JournalEvent.Ended(n, 1, outcome, 6, fin == null ? "boom" : "", Map.of(), Map.of(),
                        run.toString(), "2026-01-01T00:01:10Z"));
                Files.createDirectories(run);
                if (fin != null) {
                    Files.writeString(run.resolve("final-metrics.json"), String.format(Locale.ROOT,
                            "{\"is_mean\":%s,\"is_std\":0.01,\"fid_mean\":%s,\"fid_std\":2,\"best_iteration\":6,"
                            + "\"batches\":5,\"samples_per_batch\":16,\"fid_method\":\"m\",\"evaluator\":\"e\","
                            + "\"preprocessing\":\"p\",\"temporal_parameters\":10,"
                            + "\"original_temporal_parameters\":8}", fin[0], fin[1]));
                }
                curve(run.resolve("metric-is.jsonl"), "is", isCurves.get(n));
                curve(run.resolve("metric-fid.jsonl"), "fid", fidCurves.get(n));
            }
        }
        return trials;
    }

    private static void curve(Path file, String field, double[][] points) throws IOException {
        if (points == null) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (double[] p : points) {
            b.append(String.format(Locale.ROOT, "{\"iteration\":%d,\"%s\":%s}%n", (long) p[0], field, p[1]));
        }
        Files.writeString(file, b.toString());
    }
}

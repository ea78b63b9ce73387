package io.ndevid.study.report;

import io.ndevid.metrics.protocol.FinalMetrics;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialPoint;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The paper's two tables from an experiment folder — a pure function of its files: {@code journal.jsonl} (the
 * trials, each attempt's start and end, and — once the experiment finished — each trial's final state, read as typed
 * {@link JournalEvent}s) and each run folder's {@code trials/<name>/final-metrics.json} ({@link FinalMetrics}). Rows are named by
 * {@link TrialPoint#label()}. (a) the f(x) ablation: TGAN and MoCoGAN with ode1 ×
 * {linear, deep, matched}; (b) family × order: each base model × {original, ode1, ode2, ode3, sde} with f = linear,
 * or the f the study gives the cell ({@link StudyGrid#orderF}: gpu-paper's MoCoGAN ode2/ode3), named in its config.
 * A trial without final metrics says why in its status column (ERROR, DIVERGED, PENDING, …), never a blank.
 */
public final class ResultsTables {

    /**
     * One row.
     *
     * @param wallSeconds   summed wall time of the trial's attempts (journal start → end), NaN if unknown
     * @param status        {@code ok}, or what happened instead ({@code DIVERGED: …}, {@code ERROR: …}, {@code PENDING})
     */
    public record Row(String table, String config, ModelFamily model, TemporalKind temporal, FVariant f, String trial,
                      String status, double isMean, double isStd, double fidMean, double fidStd, long temporalParams,
                      long originalTemporalParams, double wallSeconds, long bestIteration) {
        public boolean hasMetrics() {
            return !Double.isNaN(isMean);
        }
    }

    /**
     * The rows and their renderings; {@code header} names evaluator, preprocessing, FID method and K × N;
     * {@code specs} are the specs of the trials the rows name, by trial name.
     */
    public record Tables(List<Row> fAblation, List<Row> orders, List<String> header, String markdown, String csv,
                         Map<String, TrialSpec> specs) {}

    private ResultsTables() {}


    /** The tables of the experiment in {@code experimentDir}, from its journal and its trials' final metrics. */
    public static Tables build(Path experimentDir) {
        List<JournalEvent> events = ExperimentJournal.read(experimentDir);
        JournalEvent.Submitted submitted = (JournalEvent.Submitted) events.get(0);
        ExperimentState state = ExperimentJournal.replay(events);
        Map<String, Double> wall = new HashMap<>();
        Map<String, Instant> started = new HashMap<>();
        Map<String, String> lastEnd = new HashMap<>();
        for (JournalEvent e : events) {
            if (e instanceof JournalEvent.Started s) {
                started.put(s.trial(), Instant.parse(s.time()));
            } else if (e instanceof JournalEvent.Ended end) {
                Instant s = started.remove(end.trial());
                if (s != null) {
                    wall.merge(end.trial(), Duration.between(s, Instant.parse(end.time())).toMillis() / 1e3,
                            Double::sum);
                }
                lastEnd.put(end.trial(), end.outcome() + message(end.message()));
            }
        }
        // first seed of each point (model, G_t, f)
        Map<String, TrialSpec> byPoint = new LinkedHashMap<>();
        Set<ModelFamily> models = new LinkedHashSet<>();
        for (TrialSpec spec : submitted.trials()) {
            models.add(spec.model());
            byPoint.putIfAbsent(spec.point().id(), spec);
        }
        FinalMetrics[] first = {null};
        BiFunction<String, TrialPoint, Row> row = (table, point) -> {
            TrialSpec spec = byPoint.get(point.id());
            FVariant f = point.hasF() ? point.f() : null;
            if (spec == null) {
                return new Row(table, point.label(), point.model(), point.temporal(), f, "", "not in this grid",
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1, -1, Double.NaN, -1);
            }
            FinalMetrics m = finalMetrics(experimentDir.resolve("trials").resolve(spec.name()));
            if (m != null && first[0] == null) {
                first[0] = m;
            }
            String status = status(finalState(state, spec.name()), lastEnd.get(spec.name()), m != null);
            double w = wall.getOrDefault(spec.name(), Double.NaN);
            if (m == null) {
                return new Row(table, point.label(), point.model(), point.temporal(), f, spec.name(), status,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1, -1, w, -1);
            }
            return new Row(table, point.label(), point.model(), point.temporal(), f, spec.name(), status,
                    m.isMean(), m.isStd(), m.fidMean(), m.fidStd(), m.temporalParameters(),
                    m.originalTemporalParameters(), w, m.bestIteration());
        };
        List<Row> fRows = new ArrayList<>();
        for (ModelFamily m : StudyGrid.F_MODELS) {
            if (!models.contains(m)) {
                continue;
            }
            for (FVariant f : StudyGrid.F_VARIANTS) {
                fRows.add(row.apply("f(x) ablation", new TrialPoint(m, TemporalKind.ODE1, f)));
            }
        }
        List<Row> oRows = new ArrayList<>();
        String preset = submitted.grid() == null ? "" : submitted.grid().preset();
        for (ModelFamily m : models) {
            for (TemporalKind t : StudyGrid.ORDERS) {
                // the study's f for the cell (gpu-paper: MoCoGAN ode2/ode3 as the authors ran them), else linear
                TrialPoint study = new TrialPoint(m, t, StudyGrid.orderF(preset, m, t, false));
                oRows.add(row.apply("family x order", byPoint.containsKey(study.id()) ? study
                        : new TrialPoint(m, t, FVariant.LINEAR)));
            }
        }
        List<String> header = header(submitted.experimentId(), first[0]);
        Map<String, TrialSpec> specs = new LinkedHashMap<>();
        byPoint.values().forEach(s -> specs.put(s.name(), s));
        return new Tables(fRows, oRows, header, markdown(header, fRows, oRows), csv(fRows, oRows), specs);
    }

    /** A finished experiment's final state of a trial ({@code ERROR: why}, {@code TERMINATED}), else null. */
    private static String finalState(ExperimentState state, String trial) {
        if (state.phase() == ExperimentState.Phase.RUNNING) {
            return null;
        }
        TrialRecord t = state.trial(trial);
        return t.state() + message(t.result() == null ? "" : t.result().message());
    }

    private static String message(String m) {
        return m == null || m.isBlank() ? "" : ": " + m.replaceAll("\\s+", " ");
    }

    /** ok, or the reason there are no metrics / the trial did not end normally. */
    static String status(String finalState, String lastEnd, boolean hasMetrics) {
        if (finalState != null && !finalState.startsWith("TERMINATED")) {
            return finalState; // ERROR: …, CANCELLED, PENDING, RUNNING
        }
        if (lastEnd != null && lastEnd.startsWith("DIVERGED")) {
            return lastEnd;
        }
        if (hasMetrics) {
            return "ok";
        }
        if (finalState != null) {
            return finalState + " (no final-metrics.json)";
        }
        return lastEnd != null ? lastEnd + " (no final-metrics.json)" : "not finished";
    }

    /** A trial's final metrics, or null when it has none (yet). */
    private static FinalMetrics finalMetrics(Path runDir) {
        Path file = FinalMetrics.in(runDir);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return FinalMetrics.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static List<String> header(String experiment, FinalMetrics m) {
        List<String> h = new ArrayList<>();
        h.add("experiment: " + experiment);
        if (m == null) {
            h.add("evaluator: none (no trial has final metrics)");
            return h;
        }
        h.add("evaluator: " + m.evaluator());
        h.add("preprocessing: " + m.preprocessing());
        h.add("FID method: " + m.fidMethod());
        h.add(String.format(Locale.ROOT, "IS and FID: mean ± std over K × N = %d × %d samples at the best-IS checkpoint",
                m.batches(), m.samplesPerBatch()));
        return h;
    }

    private static final String[] COLUMNS = {"config", "status", "IS", "FID", "G_t params", "original G_t params",
        "wall time", "best-IS iteration"};

    private static String markdown(List<String> header, List<Row> f, List<Row> o) {
        StringBuilder b = new StringBuilder("# Results\n\n");
        header.forEach(h -> b.append("- ").append(h).append('\n'));
        b.append("\n## (a) f(x) ablation (G_t = ode1)\n\n");
        table(b, f);
        b.append("\n## (b) base model × G_t (f = linear unless the config names another)\n\n");
        table(b, o);
        return b.toString();
    }

    private static void table(StringBuilder b, List<Row> rows) {
        b.append("| ").append(String.join(" | ", COLUMNS)).append(" |\n");
        b.append("|---".repeat(COLUMNS.length)).append("|\n");
        for (Row r : rows) {
            b.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
    }

    /** The rendered cells of a row, in {@link #COLUMNS} order (also used by the HTML report). */
    public static List<String> cells(Row r) {
        return List.of(r.config(), r.status().replace("|", "/"), pm(r.isMean(), r.isStd()), pm(r.fidMean(), r.fidStd()),
                r.temporalParams() < 0 ? "–" : Long.toString(r.temporalParams()),
                r.originalTemporalParams() < 0 ? "–" : Long.toString(r.originalTemporalParams()),
                Double.isNaN(r.wallSeconds()) ? "–" : String.format(Locale.ROOT, "%.1f s", r.wallSeconds()),
                r.bestIteration() < 0 ? "–" : Long.toString(r.bestIteration()));
    }

    public static List<String> columns() {
        return List.of(COLUMNS);
    }

    private static String pm(double mean, double std) {
        return Double.isNaN(mean) ? "–" : String.format(Locale.ROOT, "%.3f ± %.3f", mean, std);
    }

    private static String csv(List<Row> f, List<Row> o) {
        StringBuilder b = new StringBuilder("table,config,model,temporal,f,trial,status,is_mean,is_std,fid_mean,"
                + "fid_std,gt_params,original_gt_params,wall_s,best_iteration\n");
        for (List<Row> rows : List.of(f, o)) {
            for (Row r : rows) {
                b.append(String.join(",", q(r.table()), q(r.config()), r.model().id(), r.temporal().id(),
                        r.temporal() == TemporalKind.ORIGINAL ? "" : r.f().id(), q(r.trial()), q(r.status()),
                        num(r.isMean()), num(r.isStd()), num(r.fidMean()), num(r.fidStd()),
                        r.temporalParams() < 0 ? "" : Long.toString(r.temporalParams()),
                        r.originalTemporalParams() < 0 ? "" : Long.toString(r.originalTemporalParams()),
                        num(r.wallSeconds()), r.bestIteration() < 0 ? "" : Long.toString(r.bestIteration())))
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String q(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}

package io.ndevid.study.report;

import io.ndevid.metrics.protocol.FinalMetrics;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.study.stats.AcrossSeeds;
import io.ndevid.study.stats.Trend;
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

import static io.ndevid.metrics.protocol.EvaluationProtocol.FID_FILE;
import static io.ndevid.metrics.protocol.EvaluationProtocol.IS_FILE;

/**
 * The paper's two tables from an experiment folder — a pure function of its files: {@code journal.jsonl} (the
 * trials, each attempt's start and end, and — once the experiment finished — each trial's final state, read as typed
 * {@link JournalEvent}s) and each run folder's {@code trials/<name>/final-metrics.json} ({@link FinalMetrics}). Rows are named by
 * {@link TrialPoint#label()}. (a) the f(x) ablation: TGAN and MoCoGAN with ode1 ×
 * {linear, deep, matched}; (b) family × order: each base model × {original, ode1, ode2, ode3, sde} with f = linear,
 * or the f the study gives the cell ({@link StudyGrid#orderF}: gpu-paper's MoCoGAN ode2/ode3), named in its config.
 * A row is a cell over its training seeds ({@link AcrossSeeds}: across-seed mean ± std, the within-run spread, the
 * change against the base model's original G_t with a Welch interval); each seed's iteration-0 score comes from its
 * {@code metric-is.jsonl} / {@code metric-fid.jsonl}, as does the slope of its last periodic scores ({@link Trend}).
 * A seed without final metrics says why in the status column (ERROR, DIVERGED, PENDING, …), never a blank. After the
 * two tables, {@link RankStability}'s section: whether the seeds rank each base model's cells alike.
 */
public final class ResultsTables {

    /** The interval level of each cell's change against its base model's original G_t. */
    public static final double LEVEL = 0.95;
    /** The mark of a change whose interval excludes 0. */
    public static final String MARK = "*";

    /**
     * One cell of a table: a point of the study over its training seeds.
     *
     * @param trials         the cell's trial names, one per training seed, in seed order (empty: not in this grid)
     * @param status         {@code ok} when every seed finished with metrics, else what happened instead
     *                       ({@code DIVERGED: …}, {@code ERROR: …}, {@code PENDING}; with several seeds
     *                       {@code 2/3 ok; <trial>: <why>})
     * @param isAtStart      IS of the untrained model (the protocol's iteration-0 score) over the seeds that logged it
     * @param is             final IS over the seeds with metrics: n, across-seed mean and sample std
     * @param isWithinStd    the within-run spread over the K × N final batches, averaged over those seeds
     * @param isChange       across-seed mean IS minus that of the base model's original G_t, with its Welch
     *                       interval at {@link #LEVEL} ({@link AcrossSeeds.Difference#NONE} for the original itself)
     * @param wallSeconds    mean over the cell's trials of their summed attempt wall time (journal start → end), NaN
     *                       if unknown
     * @param bestIterations each seed's best-IS iteration (−1 without metrics)
     * @param finalIs        each seed's final IS, in {@code trials} order (NaN without metrics)
     * @param finalFid       each seed's final FID, likewise
     * @param isEnd          the slope of each seed's last periodic IS scores ({@link Trend}), over the seeds
     * @param fidEnd         the same for FID
     */
    public record Row(String table, String config, ModelFamily model, TemporalKind temporal, FVariant f,
                      List<String> trials, String status, AcrossSeeds.Summary isAtStart, AcrossSeeds.Summary is,
                      double isWithinStd, AcrossSeeds.Summary fidAtStart, AcrossSeeds.Summary fid, double fidWithinStd, AcrossSeeds.Difference isChange,
                      AcrossSeeds.Difference fidChange, long temporalParams, long originalTemporalParams,
                      double wallSeconds, List<Long> bestIterations, List<Double> finalIs, List<Double> finalFid,
                      Trend.End isEnd, Trend.End fidEnd) {
        public Row {
            trials = List.copyOf(trials);
            bestIterations = List.copyOf(bestIterations);
            finalIs = List.copyOf(finalIs);
            finalFid = List.copyOf(finalFid);
        }

        public boolean hasMetrics() {
            return is.n() > 0;
        }

        /** The cell's first trial (seed order), or an empty string when the grid has none. */
        public String trial() {
            return trials.isEmpty() ? "" : trials.get(0);
        }
    }

    /**
     * The rows and their renderings; {@code header} names evaluator, preprocessing, FID method, K × N, the seeds and
     * what makes the tables reproducible; {@code specs} are the specs of the rows' trials, by trial name;
     * {@code rankStability} is the "Rank stability across seeds" section (in {@code markdown}; its own csv is
     * {@code rankStabilityCsv}).
     */
    public record Tables(List<Row> fAblation, List<Row> orders, List<String> header, String markdown, String csv,
                         Map<String, TrialSpec> specs, RankStability.Section rankStability, String rankStabilityCsv) {}

    /** One trial's outcome as the tables see it; the end slopes are NaN without periodic scores. */
    private record Seed(String trial, String status, FinalMetrics metrics, double wallSeconds, double isAtStart,
                        double fidAtStart, double isEndSlope, double fidEndSlope) {}

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
        // every seed of each point (model, G_t, f), in the grid's (seed) order
        Map<String, List<Seed>> byPoint = new LinkedHashMap<>();
        Map<String, TrialSpec> specs = new LinkedHashMap<>();
        Set<ModelFamily> models = new LinkedHashSet<>();
        Set<Long> seeds = new java.util.TreeSet<>();
        FinalMetrics first = null;
        for (TrialSpec spec : submitted.trials()) {
            models.add(spec.model());
            seeds.add(spec.seed());
            specs.put(spec.name(), spec);
            Path runDir = experimentDir.resolve("trials").resolve(spec.name());
            FinalMetrics m = finalMetrics(runDir);
            if (m != null && first == null) {
                first = m;
            }
            List<LearningCurves.Point> isCurve = curve(runDir, IS_FILE, "is");
            List<LearningCurves.Point> fidCurve = curve(runDir, FID_FILE, "fid");
            byPoint.computeIfAbsent(spec.point().id(), k -> new ArrayList<>()).add(new Seed(spec.name(),
                    status(finalState(state, spec.name()), lastEnd.get(spec.name()), m != null), m,
                    wall.getOrDefault(spec.name(), Double.NaN), atStart(isCurve), atStart(fidCurve),
                    endSlope(isCurve), endSlope(fidCurve)));
        }
        BiFunction<String, TrialPoint, Row> row = (table, point) -> row(table, point, byPoint);
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
        List<String> header = header(submitted.experimentId(), first, seeds);
        List<Row> all = new ArrayList<>(oRows);
        all.addAll(fRows);
        RankStability.Section ranks = RankStability.of(all, specs);
        return new Tables(fRows, oRows, header, markdown(header, fRows, oRows) + RankStability.markdown(ranks),
                csv(fRows, oRows), specs, ranks, RankStability.csv(ranks));
    }

    /** The row of {@code point}: its seeds' statistics and its change against its model's original G_t. */
    private static Row row(String table, TrialPoint point, Map<String, List<Seed>> byPoint) {
        FVariant f = point.hasF() ? point.f() : null;
        List<Seed> cell = byPoint.getOrDefault(point.id(), List.of());
        if (cell.isEmpty()) {
            return new Row(table, point.label(), point.model(), point.temporal(), f, List.of(), "not in this grid",
                    AcrossSeeds.Summary.EMPTY, AcrossSeeds.Summary.EMPTY, Double.NaN, AcrossSeeds.Summary.EMPTY,
                    AcrossSeeds.Summary.EMPTY, Double.NaN,
                    AcrossSeeds.Difference.NONE, AcrossSeeds.Difference.NONE, -1, -1, Double.NaN, List.of(), List.of(),
                    List.of(), Trend.End.NONE, Trend.End.NONE);
        }
        List<FinalMetrics> ms = cell.stream().map(Seed::metrics).filter(java.util.Objects::nonNull).toList();
        double[] is = ms.stream().mapToDouble(FinalMetrics::isMean).toArray();
        double[] fid = ms.stream().mapToDouble(FinalMetrics::fidMean).toArray();
        AcrossSeeds.Difference isChange = AcrossSeeds.Difference.NONE;
        AcrossSeeds.Difference fidChange = AcrossSeeds.Difference.NONE;
        if (point.temporal() != TemporalKind.ORIGINAL) {
            List<FinalMetrics> base = byPoint.getOrDefault(new TrialPoint(point.model(), TemporalKind.ORIGINAL,
                    point.f()).id(), List.of()).stream().map(Seed::metrics).filter(java.util.Objects::nonNull)
                    .toList();
            isChange = AcrossSeeds.welch(is, base.stream().mapToDouble(FinalMetrics::isMean).toArray(), LEVEL);
            fidChange = AcrossSeeds.welch(fid, base.stream().mapToDouble(FinalMetrics::fidMean).toArray(), LEVEL);
        }
        FinalMetrics any = ms.isEmpty() ? null : ms.get(0);
        return new Row(table, point.label(), point.model(), point.temporal(), f,
                cell.stream().map(Seed::trial).toList(), cellStatus(cell), finite(cell, Seed::isAtStart),
                AcrossSeeds.summary(is), meanOf(ms.stream().mapToDouble(FinalMetrics::isStd).toArray()),
                finite(cell, Seed::fidAtStart), AcrossSeeds.summary(fid),
                meanOf(ms.stream().mapToDouble(FinalMetrics::fidStd).toArray()), isChange, fidChange,
                any == null ? -1 : any.temporalParameters(), any == null ? -1 : any.originalTemporalParameters(),
                meanOf(cell.stream().mapToDouble(Seed::wallSeconds).filter(w -> !Double.isNaN(w)).toArray()),
                cell.stream().map(s -> s.metrics() == null ? -1L : s.metrics().bestIteration()).toList(),
                cell.stream().map(s -> s.metrics() == null ? Double.NaN : s.metrics().isMean()).toList(),
                cell.stream().map(s -> s.metrics() == null ? Double.NaN : s.metrics().fidMean()).toList(),
                Trend.across(cell.stream().mapToDouble(Seed::isEndSlope).toArray()),
                Trend.across(cell.stream().mapToDouble(Seed::fidEndSlope).toArray()));
    }

    /** {@code ok} when every seed is; one seed's own status; else {@code k/n ok; <trial>: <why>; …}. */
    static String cellStatus(List<Seed> cell) {
        if (cell.size() == 1) {
            return cell.get(0).status();
        }
        List<Seed> notOk = cell.stream().filter(s -> !s.status().equals("ok")).toList();
        if (notOk.isEmpty()) {
            return "ok";
        }
        StringBuilder b = new StringBuilder().append(cell.size() - notOk.size()).append('/').append(cell.size())
                .append(" ok");
        notOk.forEach(s -> b.append("; ").append(s.trial()).append(": ").append(s.status()));
        return b.toString();
    }

    /** The across-seed summary of a per-seed value, over the seeds that have it. */
    private static AcrossSeeds.Summary finite(List<Seed> cell, java.util.function.ToDoubleFunction<Seed> value) {
        return AcrossSeeds.summary(cell.stream().mapToDouble(value).filter(Double::isFinite).toArray());
    }

    /** A trial's periodic scores from its metric file: one finite value per iteration, ascending. */
    private static List<LearningCurves.Point> curve(Path runDir, String file, String field) {
        try {
            return LearningCurves.band(List.of(LearningCurves.read(runDir.resolve(file), field)));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The iteration-0 score (the untrained model) of a curve, or NaN. */
    private static double atStart(List<LearningCurves.Point> curve) {
        return curve.stream().filter(p -> p.iteration() == 0).mapToDouble(LearningCurves.Point::mean).findFirst()
                .orElse(Double.NaN);
    }

    /** The slope of a curve's last periodic scores ({@link Trend#endSlope}), or NaN. */
    private static double endSlope(List<LearningCurves.Point> curve) {
        return Trend.endSlope(curve.stream().mapToDouble(LearningCurves.Point::iteration).toArray(),
                curve.stream().mapToDouble(LearningCurves.Point::mean).toArray());
    }

    private static double meanOf(double[] v) {
        return v.length == 0 ? Double.NaN : java.util.Arrays.stream(v).sum() / v.length;
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

    private static List<String> header(String experiment, FinalMetrics m, Set<Long> seeds) {
        List<String> h = new ArrayList<>();
        h.add("experiment: " + experiment);
        h.add("training seeds: " + seeds.size() + " per cell (" + seeds.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(", ")) + "); n = seeds with final metrics");
        if (m == null) {
            h.add("evaluator: none (no trial has final metrics)");
            return h;
        }
        h.add("evaluator: " + m.evaluator() + (m.provenance() == null ? "" : " (weights sha256:"
                + m.provenance().weightsSha256() + ", " + m.provenance().summary() + ")"));
        h.add("preprocessing: " + m.preprocessing());
        h.add("FID method: " + m.fidMethod());
        h.add(String.format(Locale.ROOT, "IS and FID: mean ± std across seeds of each seed's final score (K × N = %d "
                + "× %d samples at its best-IS checkpoint); 'within run' is the std over those K batches of one model, "
                + "averaged over the seeds — it says nothing about another training seed", m.batches(),
                m.samplesPerBatch()));
        h.add(String.format(Locale.ROOT, "Δ vs original: across-seed mean minus that of the base model's original G_t, "
                + "[%.0f %% Welch interval]; %s: the interval excludes 0; no interval with fewer than 2 seeds a side",
                100 * LEVEL, MARK));
        h.add("reproducible: the scores are bit-identical for the same grid (preset, overrides, seeds — journal.jsonl), "
                + "the same evaluator (weights and mean SHA-256 above), the same machine (CPU architecture, libtorch "
                + "build) and the same libtorch threads per process (NDEVID_TORCH_THREADS, default 1) — each run's "
                + "spec.json records os, libtorch, host and torch_threads; wall time is not");
        return h;
    }

    private static final String[] COLUMNS = {"config", "status", "n", "IS at iteration 0", "IS", "IS within run",
        "ΔIS vs original", "FID at iteration 0", "FID", "FID within run", "ΔFID vs original", "G_t params", "original G_t params", "wall time / trial",
        "best-IS iterations"};

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
        table(b, columns(), rows.stream().map(ResultsTables::cells).toList());
    }

    /** A markdown table of rendered cells (also the rank-stability section's). */
    static void table(StringBuilder b, List<String> columns, List<List<String>> rows) {
        b.append("| ").append(String.join(" | ", columns)).append(" |\n");
        b.append("|---".repeat(columns.size())).append("|\n");
        for (List<String> r : rows) {
            b.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
    }

    /** The rendered cells of a row, in {@link #COLUMNS} order (also used by the HTML report). */
    public static List<String> cells(Row r) {
        return List.of(r.config(), r.status().replace("|", "/"), r.is().n() + "/" + r.trials().size(),
                pm(r.isAtStart()), pm(r.is()), fixed(r.isWithinStd()), change(r.isChange()), pm(r.fidAtStart()),
                pm(r.fid()), fixed(r.fidWithinStd()),
                change(r.fidChange()),
                r.temporalParams() < 0 ? "–" : Long.toString(r.temporalParams()),
                r.originalTemporalParams() < 0 ? "–" : Long.toString(r.originalTemporalParams()),
                Double.isNaN(r.wallSeconds()) ? "–" : String.format(Locale.ROOT, "%.1f s", r.wallSeconds()),
                r.bestIterations().isEmpty() ? "–" : r.bestIterations().stream()
                        .map(i -> i < 0 ? "–" : Long.toString(i)).collect(java.util.stream.Collectors.joining("/")));
    }

    public static List<String> columns() {
        return List.of(COLUMNS);
    }

    static String pm(AcrossSeeds.Summary s) {
        return s.n() == 0 ? "–" : fixed(s.mean()) + " ± " + fixed(s.std());
    }

    static String fixed(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** {@code +0.152 [+0.019, +0.285] *}, {@code +0.1 [–]} without an interval, {@code –} for the base itself. */
    private static String change(AcrossSeeds.Difference d) {
        if (Double.isNaN(d.estimate())) {
            return "–";
        }
        String e = String.format(Locale.ROOT, "%+.3f", d.estimate());
        if (!d.hasInterval()) {
            return e + " [–]";
        }
        return e + String.format(Locale.ROOT, " [%+.3f, %+.3f]", d.low(), d.high())
                + (d.excludesZero() ? " " + MARK : "");
    }

    private static String csv(List<Row> f, List<Row> o) {
        StringBuilder b = new StringBuilder("table,config,model,temporal,f,trials,status,seeds,n,is_start_mean,"
                + "is_start_std,is_mean,is_seed_std,is_within_std,is_change,is_change_low,is_change_high,"
                + "is_change_excludes_0,fid_start_mean,fid_start_std,fid_mean,fid_seed_std,fid_within_std,fid_change,"
                + "fid_change_low,fid_change_high,fid_change_excludes_0,gt_params,original_gt_params,wall_s,"
                + "best_iterations,is_end_slope_mean,is_end_slope_std,is_end_rising_seeds,fid_end_slope_mean,"
                + "fid_end_slope_std,fid_end_falling_seeds\n");
        for (List<Row> rows : List.of(f, o)) {
            for (Row r : rows) {
                b.append(String.join(",", q(r.table()), q(r.config()), r.model().id(), r.temporal().id(),
                        r.temporal() == TemporalKind.ORIGINAL ? "" : r.f().id(), q(String.join(";", r.trials())),
                        q(r.status()), Integer.toString(r.trials().size()), Integer.toString(r.is().n()),
                        num(r.isAtStart().mean()), num(r.isAtStart().std()), num(r.is().mean()), num(r.is().std()),
                        num(r.isWithinStd()), changeCsv(r.isChange()), num(r.fidAtStart().mean()),
                        num(r.fidAtStart().std()), num(r.fid().mean()), num(r.fid().std()), num(r.fidWithinStd()), changeCsv(r.fidChange()),
                        r.temporalParams() < 0 ? "" : Long.toString(r.temporalParams()),
                        r.originalTemporalParams() < 0 ? "" : Long.toString(r.originalTemporalParams()),
                        num(r.wallSeconds()), r.bestIterations().stream().map(String::valueOf)
                                .collect(java.util.stream.Collectors.joining(";")),
                        num(r.isEnd().slope().mean()), num(r.isEnd().slope().std()), endCount(r.isEnd(),
                                r.isEnd().up()), num(r.fidEnd().slope().mean()), num(r.fidEnd().slope().std()),
                        endCount(r.fidEnd(), r.fidEnd().down())))
                        .append('\n');
            }
        }
        return b.toString();
    }

    /** Seeds that moved, empty without any end slope. */
    private static String endCount(Trend.End e, int moved) {
        return e.slope().n() == 0 ? "" : Integer.toString(moved);
    }

    private static String changeCsv(AcrossSeeds.Difference d) {
        return String.join(",", num(d.estimate()), num(d.low()), num(d.high()),
                Double.isNaN(d.estimate()) ? "" : Boolean.toString(d.excludesZero()));
    }

    static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    static String q(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}

package io.ndevid.study.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.study.StudyGrid;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.io.BufferedReader;
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

/**
 * The paper's two tables from an experiment folder — a pure function of its files: {@code journal.jsonl} (the
 * trials, each attempt's start and end), {@code results.json} (final states, when the experiment finished) and each
 * run folder's {@code trials/<name>/final-metrics.json}. (a) the f(x) ablation: TGAN and MoCoGAN with ode1 ×
 * {linear, deep, matched}; (b) family × order: each base model × {original, ode1, ode2, ode3, sde} with f = linear.
 * A trial without final metrics says why in its status column (ERROR, DIVERGED, PENDING, …), never a blank.
 */
public final class ResultsTables {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** The rows and their renderings; {@code header} names evaluator, preprocessing, FID method and K × N. */
    public record Tables(List<Row> fAblation, List<Row> orders, List<String> header, String markdown, String csv) {}

    private ResultsTables() {}

    /** Builds the tables and writes {@code results.md} and {@code results.csv} into {@code experimentDir}. */
    public static Tables write(Path experimentDir) throws IOException {
        Tables t = build(experimentDir);
        Files.writeString(experimentDir.resolve("results.md"), t.markdown());
        Files.writeString(experimentDir.resolve("results.csv"), t.csv());
        return t;
    }

    public static Tables build(Path experimentDir) throws IOException {
        Path journal = ExperimentJournal.fileIn(experimentDir);
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        Map<String, Double> wall = new HashMap<>();
        Map<String, Instant> started = new HashMap<>();
        Map<String, String> lastEnd = new HashMap<>();
        String experiment = experimentDir.getFileName().toString();
        try (BufferedReader r = Files.newBufferedReader(journal)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (IOException cutOff) {
                    continue; // a cut-off last line: the coordinator drops it too
                }
                String type = e.path("type").asText();
                String trial = e.path("trial").asText();
                switch (type) {
                    case "submitted" -> {
                        experiment = e.path("experimentId").asText(experiment);
                        for (JsonNode s : e.path("trials")) {
                            specs.put(s.path("name").asText(), s);
                        }
                    }
                    case "started" -> started.put(trial, Instant.parse(e.path("time").asText()));
                    case "ended" -> {
                        Instant s = started.remove(trial);
                        if (s != null) {
                            double secs = Duration.between(s, Instant.parse(e.path("time").asText())).toMillis() / 1e3;
                            wall.merge(trial, secs, Double::sum);
                        }
                        lastEnd.put(trial, e.path("outcome").asText() + message(e.path("message").asText("")));
                    }
                    default -> { }
                }
            }
        }
        Map<String, String> finalState = new HashMap<>();
        Path results = experimentDir.resolve("results.json");
        if (Files.isRegularFile(results)) {
            for (JsonNode t : JSON.readTree(results.toFile()).path("trials")) {
                finalState.put(t.path("name").asText(), t.path("state").asText() + message(t.path("message").asText("")));
            }
        }
        // first seed of each point (model, G_t, f)
        Map<String, String> byPoint = new LinkedHashMap<>();
        Set<ModelFamily> models = new LinkedHashSet<>();
        for (var e : specs.entrySet()) {
            ModelFamily m = ModelFamily.parse(e.getValue().path("model").asText());
            TemporalKind t = TemporalKind.parse(e.getValue().path("temporal").asText());
            FVariant f = t == TemporalKind.ORIGINAL ? null : FVariant.parse(e.getValue().path("f").asText());
            models.add(m);
            byPoint.putIfAbsent(point(m, t, f), e.getKey());
        }
        JsonNode[] firstMetrics = {null};
        java.util.function.Function<Object[], Row> row = a -> {
            String table = (String) a[0];
            ModelFamily m = (ModelFamily) a[1];
            TemporalKind t = (TemporalKind) a[2];
            FVariant f = (FVariant) a[3];
            String config = m.id() + " / " + t.id() + " / " + (t == TemporalKind.ORIGINAL ? FVariant.LINEAR.id() + " (none)" : f.id());
            if (t == TemporalKind.ORIGINAL) {
                config = m.id() + " / original / linear";
            }
            String trial = byPoint.get(point(m, t, t == TemporalKind.ORIGINAL ? null : f));
            if (trial == null) {
                return new Row(table, config, m, t, f, "", "not in this grid", Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, -1, -1, Double.NaN, -1);
            }
            Path fm = experimentDir.resolve("trials").resolve(trial).resolve("final-metrics.json");
            JsonNode metrics = null;
            if (Files.isRegularFile(fm)) {
                try {
                    metrics = JSON.readTree(fm.toFile());
                } catch (IOException ex) {
                    throw new UncheckedIOException("cannot read " + fm + ": " + ex.getMessage(), ex);
                }
                if (firstMetrics[0] == null) {
                    firstMetrics[0] = metrics;
                }
            }
            String status = status(finalState.get(trial), lastEnd.get(trial), metrics != null);
            double w = wall.getOrDefault(trial, Double.NaN);
            if (metrics == null) {
                return new Row(table, config, m, t, f, trial, status, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        -1, -1, w, -1);
            }
            return new Row(table, config, m, t, f, trial, status, metrics.path("is_mean").asDouble(Double.NaN),
                    metrics.path("is_std").asDouble(Double.NaN), metrics.path("fid_mean").asDouble(Double.NaN),
                    metrics.path("fid_std").asDouble(Double.NaN), metrics.path("temporal_parameters").asLong(-1),
                    metrics.path("original_temporal_parameters").asLong(-1), w,
                    metrics.path("best_iteration").asLong(-1));
        };
        List<Row> fRows = new ArrayList<>();
        for (ModelFamily m : StudyGrid.F_MODELS) {
            if (!models.contains(m)) {
                continue;
            }
            for (FVariant f : StudyGrid.F_VARIANTS) {
                fRows.add(row.apply(new Object[] {"f(x) ablation", m, TemporalKind.ODE1, f}));
            }
        }
        List<Row> oRows = new ArrayList<>();
        for (ModelFamily m : models) {
            for (TemporalKind t : StudyGrid.ORDERS) {
                oRows.add(row.apply(new Object[] {"family x order", m, t, FVariant.LINEAR}));
            }
        }
        List<String> header = header(experiment, firstMetrics[0]);
        return new Tables(fRows, oRows, header, markdown(header, fRows, oRows), csv(fRows, oRows));
    }

    private static String point(ModelFamily m, TemporalKind t, FVariant f) {
        return m.id() + "/" + t.id() + "/" + (f == null ? "-" : f.id());
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

    private static List<String> header(String experiment, JsonNode m) {
        List<String> h = new ArrayList<>();
        h.add("experiment: " + experiment);
        if (m == null) {
            h.add("evaluator: none (no trial has final metrics)");
            return h;
        }
        h.add("evaluator: " + m.path("evaluator").asText("?"));
        h.add("preprocessing: " + m.path("preprocessing").asText("?"));
        h.add("FID method: " + m.path("fid_method").asText("?"));
        h.add(String.format(Locale.ROOT, "IS and FID: mean ± std over K × N = %d × %d samples at the best-IS checkpoint",
                m.path("batches").asInt(), m.path("samples_per_batch").asInt()));
        return h;
    }

    private static final String[] COLUMNS = {"config", "status", "IS", "FID", "G_t params", "original G_t params",
        "wall time", "best-IS iteration"};

    private static String markdown(List<String> header, List<Row> f, List<Row> o) {
        StringBuilder b = new StringBuilder("# Results\n\n");
        header.forEach(h -> b.append("- ").append(h).append('\n'));
        b.append("\n## (a) f(x) ablation (G_t = ode1)\n\n");
        table(b, f);
        b.append("\n## (b) base model × G_t (f = linear)\n\n");
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

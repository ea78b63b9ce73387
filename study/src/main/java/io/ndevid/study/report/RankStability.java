package io.ndevid.study.report;

import io.ndevid.study.stats.RankAgreement;
import io.ndevid.study.stats.Trend;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * "Rank stability across seeds": whether the training seeds of a grid rank each base model's cells alike — seed s of
 * every cell is one replicate of the study, ranking the cells by final IS (and by FID); their agreement is
 * {@link RankAgreement} (Kendall's W with its permutation p, mean pairwise Spearman ρ and Kendall τ_b, the share of
 * cell pairs in the same order in every seed) — and whether the cells were still improving when training stopped
 * ({@link Trend}: the slope of the last periodic scores). The section of {@code results.md} and {@code report.html},
 * and the one owner of {@code rank-stability.csv}; a pure function of the tables' rows.
 */
public final class RankStability {

    /** The file beside {@code results.csv} with one line per base model and metric. */
    public static final String CSV = "rank-stability.csv";

    /** The one-line reading guide under the section's title. */
    public static final String GUIDE = "Each seed ranks a base model's cells by final IS (by FID); W = 1 with every "
            + "pair in the same order means all seeds rank them alike, W near 0 that the ranking is noise; p < 0.05 "
            + "says only that the seeds agree more than chance would. 'Still improving' counts cells whose IS rose "
            + "(FID fell) over the last " + Trend.LAST_POINTS + " periodic evaluations in every seed: training stopped "
            + "before they levelled off.";

    /** The caption of the end-slope table. */
    public static final String SLOPES = "End of training: least-squares slope of each seed's last "
            + Trend.LAST_POINTS + " periodic scores per 1000 iterations, mean ± std over seeds.";

    /**
     * The agreement of one base model's cells on one metric.
     *
     * @param cells     the cells ranked (those with final metrics in every seed)
     * @param seeds     the seeds (raters)
     * @param leftOut   cells left out, each with the seeds it lacks
     * @param improving cells whose metric improved over the last periodic evaluations in every seed
     * @param withSlope cells with an end slope in at least one seed
     */
    public record Line(ModelFamily model, String metric, List<String> cells, List<Long> seeds, List<String> leftOut,
                       RankAgreement.Result agreement, int improving, int withSlope) {
        public Line {
            cells = List.copyOf(cells);
            seeds = List.copyOf(seeds);
            leftOut = List.copyOf(leftOut);
        }
    }

    /** The section: its lines (base model × {IS, FID}) and each cell's end slopes. */
    public record Section(List<Line> lines, List<ResultsTables.Row> cells) {
        public Section {
            lines = List.copyOf(lines);
            cells = List.copyOf(cells);
        }
    }

    private RankStability() {}

    /**
     * The section of a grid's tables: {@code rows} are every row of both tables (a cell in both counts once),
     * {@code specs} the trials' specs by name (their seeds).
     */
    public static Section of(List<ResultsTables.Row> rows, Map<String, TrialSpec> specs) {
        Map<String, ResultsTables.Row> cells = new LinkedHashMap<>();
        rows.stream().filter(r -> !r.trials().isEmpty()).forEach(r -> cells.putIfAbsent(r.config(), r));
        Set<ModelFamily> models = new LinkedHashSet<>();
        cells.values().forEach(r -> models.add(r.model()));
        List<Line> lines = new ArrayList<>();
        for (ModelFamily model : models) {
            List<ResultsTables.Row> mine = cells.values().stream().filter(r -> r.model() == model).toList();
            TreeSet<Long> seeds = new TreeSet<>();
            mine.forEach(r -> r.trials().forEach(t -> seeds.add(specs.get(t).seed())));
            lines.add(line(model, "IS", mine, seeds, specs, ResultsTables.Row::finalIs,
                    r -> r.isEnd().allUp(), r -> r.isEnd().slope().n() > 0));
            lines.add(line(model, "FID", mine, seeds, specs, ResultsTables.Row::finalFid,
                    r -> r.fidEnd().allDown(), r -> r.fidEnd().slope().n() > 0));
        }
        return new Section(lines, List.copyOf(cells.values()));
    }

    private static Line line(ModelFamily model, String metric, List<ResultsTables.Row> rows, TreeSet<Long> seeds,
                             Map<String, TrialSpec> specs, Function<ResultsTables.Row, List<Double>> scores,
                             Predicate<ResultsTables.Row> improving,
                             Predicate<ResultsTables.Row> hasSlope) {
        List<Long> seedList = List.copyOf(seeds);
        List<String> used = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        List<double[]> columns = new ArrayList<>();
        for (ResultsTables.Row r : rows) {
            double[] bySeed = new double[seedList.size()];
            Arrays.fill(bySeed, Double.NaN);
            List<Double> values = scores.apply(r);
            for (int i = 0; i < r.trials().size(); i++) {
                bySeed[seedList.indexOf(specs.get(r.trials().get(i)).seed())] = values.get(i);
            }
            List<Long> missing = new ArrayList<>();
            for (int s = 0; s < bySeed.length; s++) {
                if (!Double.isFinite(bySeed[s])) {
                    missing.add(seedList.get(s));
                }
            }
            if (missing.isEmpty()) {
                used.add(r.config());
                columns.add(bySeed);
            } else {
                leftOut.add(r.config() + " (no final " + metric + " for seed " + missing.stream()
                        .map(String::valueOf).collect(Collectors.joining(", ")) + ")");
            }
        }
        double[][] scoresBySeed = new double[seedList.size()][columns.size()];
        for (int o = 0; o < columns.size(); o++) {
            for (int s = 0; s < seedList.size(); s++) {
                scoresBySeed[s][o] = columns.get(o)[s];
            }
        }
        RankAgreement.Result agreement = columns.isEmpty() ? RankAgreement.Result.NONE
                : RankAgreement.of(scoresBySeed);
        return new Line(model, metric, used, seedList, leftOut, agreement,
                (int) rows.stream().filter(improving).count(), (int) rows.stream().filter(hasSlope).count());
    }

    private static final String[] COLUMNS = {"base model", "metric", "cells × seeds", "Kendall's W",
        "p (permutation)", "mean Spearman ρ", "mean Kendall τ_b", "pairs in the same order in every seed",
        "still improving at the end"};

    private static final String[] SLOPE_COLUMNS = {"config", "IS slope / 1k it", "seeds IS rising",
        "FID slope / 1k it", "seeds FID falling"};

    public static List<String> columns() {
        return List.of(COLUMNS);
    }

    /** The rendered cells of a line, in {@link #columns()} order (markdown and HTML). */
    public static List<String> cells(Line l) {
        RankAgreement.Result a = l.agreement();
        String p = Double.isNaN(a.p()) ? "–" : String.format(Locale.ROOT, "%.4f", a.p())
                + (a.exact() ? " (exact)" : String.format(Locale.ROOT, " (%,d draws)", RankAgreement.PERMUTATIONS));
        String pairs = a.pairs() == 0 ? "–" : String.format(Locale.ROOT, "%d/%d (%.0f %%)", a.sameOrder(), a.pairs(),
                100 * a.sameOrderShare());
        return List.of(l.model().id(), l.metric(), l.cells().size() + " × " + l.seeds().size(),
                ResultsTables.fixed(a.w()), p, ResultsTables.fixed(a.meanSpearman()),
                ResultsTables.fixed(a.meanKendall()), pairs,
                l.withSlope() == 0 ? "–" : l.improving() + "/" + l.withSlope() + " cells");
    }

    public static List<String> slopeColumns() {
        return List.of(SLOPE_COLUMNS);
    }

    /** A cell's end slopes, in {@link #slopeColumns()} order. */
    public static List<String> slopeCells(ResultsTables.Row r) {
        return List.of(r.config(), ResultsTables.pm(r.isEnd().slope()), moved(r.isEnd(), r.isEnd().up()),
                ResultsTables.pm(r.fidEnd().slope()), moved(r.fidEnd(), r.fidEnd().down()));
    }

    private static String moved(Trend.End e, int count) {
        return e.slope().n() == 0 ? "–" : count + "/" + e.slope().n();
    }

    /** One note per line that left cells out ("tgan IS: left out … (no final IS for seed 2)"). */
    public static List<String> leftOut(Section s) {
        return s.lines().stream().filter(l -> !l.leftOut().isEmpty())
                .map(l -> l.model().id() + " " + l.metric() + ": left out " + String.join("; ", l.leftOut())).toList();
    }

    /** The markdown section (title, guide, the agreement table, cells left out, the end slopes). */
    static String markdown(Section s) {
        StringBuilder b = new StringBuilder("\n## Rank stability across seeds\n\n").append(GUIDE).append("\n\n");
        ResultsTables.table(b, columns(), s.lines().stream().map(RankStability::cells).toList());
        List<String> left = leftOut(s);
        if (!left.isEmpty()) {
            b.append('\n');
            left.forEach(l -> b.append("- ").append(l).append('\n'));
        }
        b.append('\n').append(SLOPES).append("\n\n");
        ResultsTables.table(b, slopeColumns(), s.cells().stream().map(RankStability::slopeCells).toList());
        return b.toString();
    }

    /** {@value #CSV}: one line per base model and metric. */
    static String csv(Section s) {
        StringBuilder b = new StringBuilder("model,metric,cells,seeds,left_out,kendall_w,p,p_exact,"
                + "mean_spearman,mean_kendall_tau_b,same_order_pairs,pairs,still_improving_cells,cells_with_slope\n");
        for (Line l : s.lines()) {
            RankAgreement.Result a = l.agreement();
            b.append(String.join(",", l.model().id(), l.metric(), ResultsTables.q(String.join(";", l.cells())),
                    l.seeds().stream().map(String::valueOf).collect(Collectors.joining(";")),
                    ResultsTables.q(String.join(";", l.leftOut())), ResultsTables.num(a.w()),
                    ResultsTables.num(a.p()), Double.isNaN(a.p()) ? "" : Boolean.toString(a.exact()),
                    ResultsTables.num(a.meanSpearman()), ResultsTables.num(a.meanKendall()),
                    Integer.toString(a.sameOrder()), Integer.toString(a.pairs()), Integer.toString(l.improving()),
                    Integer.toString(l.withSlope()))).append('\n');
        }
        return b.toString();
    }
}

package io.ndevid.study.report;

import io.ndevid.study.stats.RankAgreement;
import io.ndevid.study.testing.FabricatedGrid;
import io.ndevid.training.spec.ModelFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rank-stability section from a grid folder: each seed ranks a base model's cells, a cell missing a seed is left
 * out and named, the end slopes come from the periodic scores; the same in results.md, rank-stability.csv and
 * report.html.
 */
class RankStabilityTest {

    @TempDir
    Path dir;

    @Test
    void seedsRankTheCellsOfEachBaseModel() throws Exception {
        Path exp = dir.resolve("ablation-cpu-tiny");
        // IS: seeds 0 and 1 rank original < ode1 < ode2, seed 2 swaps ode1 and ode2; ode3 lacks seed 2
        Map<String, double[]> finals = new HashMap<>();
        double[][] is = {{1.0, 2.0, 3.0, 2.5}, {1.1, 2.2, 3.1, 2.6}, {1.2, 3.5, 2.4, Double.NaN}};
        String[] cells = {"tgan-original", "tgan-ode1-linear", "tgan-ode2-linear", "tgan-ode3-linear"};
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < cells.length; c++) {
                if (!Double.isNaN(is[s][c])) {
                    // FID falls as IS rises: the same ranking reversed
                    finals.put(cells[c] + "-s" + s, new double[] {is[s][c], 100 - 10 * is[s][c]});
                }
            }
        }
        Map<String, double[][]> isCurves = new HashMap<>();
        Map<String, double[][]> fidCurves = new HashMap<>();
        for (int s = 0; s < 3; s++) {
            // ode1 still rising in every seed (slope +2 per 1k iterations), original flat, ode2 rising in seed 0 only
            isCurves.put("tgan-ode1-linear-s" + s, new double[][] {{0, 1}, {2, 1.5}, {4, 1.5}, {6, 1.5},
                {200, 1.5}, {300, 1.6}, {400, 1.9}});
            isCurves.put("tgan-original-s" + s, new double[][] {{200, 1}, {300, 1}, {400, 1}});
            isCurves.put("tgan-ode2-linear-s" + s, new double[][] {{300, 2}, {400, s == 0 ? 2.1 : 1.9}});
            fidCurves.put("tgan-ode1-linear-s" + s, new double[][] {{300, 90}, {400, 80}});
        }
        FabricatedGrid.write(exp, List.of(cells), 3, finals, isCurves, fidCurves);
        StudyReport.Written w = StudyReport.write(exp, (checkpoint, videos, seed, times, gif) -> {
            throw new IllegalStateException("no checkpoint");
        }, new PrintWriter(Writer.nullWriter()));
        RankStability.Section section = w.tables().rankStability();

        assertEquals(2, section.lines().size(), "tgan × {IS, FID}");
        RankStability.Line isLine = section.lines().get(0);
        assertEquals(ModelFamily.TGAN, isLine.model());
        assertEquals("IS", isLine.metric());
        assertEquals(List.of("tgan / original / -", "tgan / ode1 / linear", "tgan / ode2 / linear"), isLine.cells());
        assertEquals(List.of(0L, 1L, 2L), isLine.seeds());
        assertEquals(List.of("tgan / ode3 / linear (no final IS for seed 2)"), isLine.leftOut());
        RankAgreement.Result expected = RankAgreement.of(new double[][] {{1.0, 2.0, 3.0}, {1.1, 2.2, 3.1},
            {1.2, 3.5, 2.4}});
        assertEquals(expected, isLine.agreement());
        // ranks 1 2 3, 1 2 3, 1 3 2: rank sums 3 7 8 around 6, S = 14, W = 12·14 / (9·24)
        assertEquals(168.0 / 216, expected.w(), 1e-12);
        assertEquals(2, expected.sameOrder(), "original below both in every seed; ode1/ode2 swapped by seed 2");
        assertEquals(1, isLine.improving(), "ode1 rises in every seed; ode2 only in seed 0");
        assertEquals(3, isLine.withSlope());
        RankStability.Line fidLine = section.lines().get(1);
        assertEquals(expected.w(), fidLine.agreement().w(), 1e-12, "FID's reversed ranking agrees as much");
        assertEquals(1, fidLine.improving(), "ode1's FID falls in every seed");
        assertEquals(1, fidLine.withSlope());

        ResultsTables.Row ode1 = w.tables().orders().get(1);
        assertEquals(2.0, ode1.isEnd().slope().mean(), 1e-9);
        assertEquals(3, ode1.isEnd().up());
        assertEquals(-100.0, ode1.fidEnd().slope().mean(), 1e-9);
        ResultsTables.Row ode2 = w.tables().orders().get(2);
        assertEquals(1, ode2.isEnd().up());
        assertEquals(2, ode2.isEnd().down());

        String md = Files.readString(w.markdown());
        assertTrue(md.contains("\n## Rank stability across seeds\n\n" + RankStability.GUIDE + "\n"), md);
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "| tgan | IS | 3 × 3 | 0.778 | %.4f (exact) | "
                + "%.3f | %.3f | 2/3 (67 %%) | 1/3 cells |", expected.p(), expected.meanSpearman(),
                expected.meanKendall())), md);
        assertTrue(md.contains("- tgan IS: left out tgan / ode3 / linear (no final IS for seed 2)"), md);
        assertTrue(md.contains("| tgan / ode1 / linear | 2.000 ± 0.000 | 3/3 | -100.000 ± 0.000 | 3/3 |"), md);
        assertTrue(md.contains("| tgan / ode3 / linear | – | – | – | – |"), "no periodic scores: " + md);

        List<String> csv = Files.readAllLines(w.rankCsv());
        assertEquals(3, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(0).startsWith("model,metric,cells,seeds,left_out,kendall_w,p,p_exact,"), csv.get(0));
        assertTrue(csv.get(1).startsWith("tgan,IS,tgan / original / -;tgan / ode1 / linear;tgan / ode2 / linear,"
                + "0;1;2,tgan / ode3 / linear (no final IS for seed 2),0.777778,"), csv.get(1));
        assertTrue(csv.get(1).endsWith(",true," + RankStabilityTest.num(expected.meanSpearman()) + ","
                + RankStabilityTest.num(expected.meanKendall()) + ",2,3,1,3"), csv.get(1));
        String resultsCsv = Files.readString(w.csv());
        assertTrue(resultsCsv.lines().findFirst().orElseThrow().endsWith(",best_iterations,is_end_slope_mean,"
                + "is_end_slope_std,is_end_rising_seeds,fid_end_slope_mean,fid_end_slope_std,fid_end_falling_seeds"),
                resultsCsv);
        List<String> header = List.of(resultsCsv.lines().findFirst().orElseThrow().split(","));
        List<String> ode1Csv = List.of(resultsCsv.lines().filter(l -> l.startsWith("family x order,tgan / ode1 / "
                + "linear,")).findFirst().orElseThrow().split(",", -1));
        assertEquals(2.0, Double.parseDouble(ode1Csv.get(header.indexOf("is_end_slope_mean"))), 1e-9);
        assertEquals(0.0, Double.parseDouble(ode1Csv.get(header.indexOf("is_end_slope_std"))), 1e-9);
        assertEquals("3", ode1Csv.get(header.indexOf("is_end_rising_seeds")));
        assertEquals(-100.0, Double.parseDouble(ode1Csv.get(header.indexOf("fid_end_slope_mean"))), 1e-9);
        assertEquals("3", ode1Csv.get(header.indexOf("fid_end_falling_seeds")));
        String html = Files.readString(w.html());
        assertTrue(html.contains("<h2>Rank stability across seeds</h2>"), html);
        assertTrue(html.contains("<td>tgan</td><td>IS</td><td>3 × 3</td><td>0.778</td>"), html);
    }

    @Test
    void oneSeedHasNoAgreement() throws Exception {
        Path exp = dir.resolve("one");
        FabricatedGrid.write(exp, List.of("mocogan-original", "mocogan-sde-linear"), 1,
                Map.of("mocogan-original-s0", new double[] {1, 50}, "mocogan-sde-linear-s0", new double[] {2, 40}),
                Map.of(), Map.of());
        ResultsTables.Tables t = ResultsTables.build(exp);
        RankStability.Line l = t.rankStability().lines().get(0);
        assertEquals(List.of("mocogan", "IS", "2 × 1", "–", "–", "–", "–", "–", "–"),
                RankStability.cells(l));
    }

    private static String num(double v) {
        return ResultsTables.num(v);
    }
}

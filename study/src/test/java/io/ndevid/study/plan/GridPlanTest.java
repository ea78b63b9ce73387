package io.ndevid.study.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GridPlanTest {

    /** A cell of 36 000 iterations at {@code stepMs}: stepMs/100 hours of training. */
    private static GridPlan.Cell cell(String name, double stepMs, double deviceMiB) {
        return new GridPlan.Cell(name, 36_000, 2, 100, stepMs, 2 * stepMs, 900, deviceMiB, 10, 32, 32);
    }

    @Test
    void wallTimeIsTheLongestFirstScheduleBoundedByEvaluationWork() {
        List<GridPlan.Cell> cells = List.of(cell("a", 300, 4000), cell("b", 200, 5000), cell("c", 100, 3000),
                cell("d", 100, 3000));
        // training hours 3, 2, 1, 1: on 2 slots LPT gives {3}, {2, 1, 1} → 4 h
        var e = GridPlan.estimate(cells, 40, 2, 1, 0);
        assertEquals(4.0, e.lowHours(), 1e-9);
        assertEquals(4.0, e.highHours(), 1e-9, "one trial per GPU: no sharing");
        // one evaluation: 100 × (10 + 40) ms = 5 s; 4 cells × 2 evaluations = 40 s over 2 GPUs
        assertEquals(20.0 / 3600, e.evalHours(), 1e-12);
        assertEquals(0, e.recommendedPerGpu(), "no GPU memory measured");
        // 1 GPU × 4 trials: no slowdown → 3 h; GPU-bound → each 4× slower → 12 h
        var shared = GridPlan.estimate(cells, 40, 1, 4, 143_771);
        assertEquals(3.0, shared.lowHours(), 1e-9);
        assertEquals(12.0, shared.highHours(), 1e-9);
        assertEquals(25, shared.recommendedPerGpu(), "floor(0.9 × 143771 / 5000)");
        assertThrows(IllegalArgumentException.class, () -> GridPlan.estimate(cells, 40, 0, 1, 0));
        String table = GridPlan.table(cells, 40, shared, "gpu:0");
        assertTrue(table.contains("| a | 300 ms | 600 ms | 36,000 | 3.0 h | 900 MiB | 4000 MiB | 5 s | 2 |"), table);
        assertTrue(table.contains("3.0–12.0 h") && table.contains("recommended --trials-per-gpu 25"), table);
        assertTrue(!table.contains("scaled"), "measured at the preset's batch: " + table);
    }

    @Test
    void evaluationWorkBoundsTheWallTimeWhenItExceedsTraining() {
        GridPlan.Cell x = new GridPlan.Cell("x", 10, 1000, 2048, 1, 1, 100, 0, 100, 32, 8);
        var e = GridPlan.estimate(List.of(x), 900, 1, 1, 0);
        // 1000 evaluations × 2048 × 1 s = 568.9 h of evaluation against 10 ms of training
        assertEquals(1000 * 2048 / 3600.0, e.lowHours(), 1e-6);
        String table = GridPlan.table(List.of(x), 900, e, "a CPU");
        assertTrue(table.contains("| x | 1 ms (scaled from batch 8) |") && table.contains("100 MiB (at batch 8)"),
                table);
    }
}

package io.ndevid.cli;

import io.ndevid.study.report.ResultsTables;
import io.ndevid.study.testing.FabricatedGrid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid tables DIR} on a grid folder that already ran: the tables written again — with the rank-stability
 * section — and printed, from the data folder or the experiment folder; a folder without a grid is a one-line error.
 */
class TablesCommandTest {

    @TempDir
    Path dir;

    static GridCommandTest.Run tables(String... args) {
        return GridCommandTest.ndevid("tables", args);
    }

    @Test
    void writesAndPrintsTheTablesOfAGridThatRan() throws Exception {
        Path out = dir.resolve("grid");
        Path exp = out.resolve("ablation-cpu-tiny");
        FabricatedGrid.write(exp, List.of("tgan-original", "tgan-sde-linear"), 2,
                Map.of("tgan-original-s0", new double[] {1.0, 60}, "tgan-original-s1", new double[] {1.1, 55},
                        "tgan-sde-linear-s0", new double[] {2.0, 40}, "tgan-sde-linear-s1", new double[] {2.2, 42}),
                Map.of("tgan-sde-linear-s0", new double[][] {{2, 1.5}, {4, 1.8}, {6, 2.0}}), Map.of());
        assertFalse(Files.exists(exp.resolve("results.md")), "a grid from before the section: no tables yet");

        GridCommandTest.Run r = tables(out.toString());
        assertEquals(0, r.rc(), r.text());
        String md = Files.readString(exp.resolve("results.md"));
        assertEquals(ResultsTables.build(exp).markdown(), md);
        assertTrue(r.out().contains(md), "printed: " + r.out());
        assertTrue(md.contains("## Rank stability across seeds"), md);
        assertTrue(md.contains("| tgan | IS | 2 × 2 | 1.000 | 0.5000 (exact) | 1.000 | 1.000 | 1/1 (100 %) | "
                + "1/1 cells |"), md);
        assertTrue(md.contains("| tgan | FID | 2 × 2 | 1.000 | 0.5000 (exact) | 1.000 | 1.000 | 1/1 (100 %) | – |"),
                md);
        for (String f : List.of("results.md", "results.csv", "rank-stability.csv")) {
            assertTrue(Files.isRegularFile(exp.resolve(f)), f);
            assertTrue(r.out().contains(exp.resolve(f).toString()), "names " + f + ": " + r.out());
        }
        assertFalse(Files.exists(exp.resolve("report.html")), "without --report the report is left alone");

        GridCommandTest.Run again = tables(exp.toString());
        assertEquals(0, again.rc(), again.text());
        assertEquals(md, Files.readString(exp.resolve("results.md")), "the experiment folder works too, same tables");
    }

    @Test
    void aFolderWithoutAGridIsAOneLineError() throws Exception {
        GridCommandTest.Run r = tables(dir.resolve("nothing").toString());
        assertEquals(2, r.rc(), r.text());
        GridCommandTest.assertOneLineError(r, "ndevid tables: tables " + dir.resolve("nothing") + ": no such folder");
        Files.createDirectories(dir.resolve("empty"));
        r = tables(dir.resolve("empty").toString());
        assertEquals(2, r.rc(), r.text());
        GridCommandTest.assertOneLineError(r, "ndevid tables: tables " + dir.resolve("empty")
                + ": expected one experiment folder (with journal.jsonl) in it, found 0");
        Files.createDirectories(dir.resolve("bad"));
        Files.writeString(dir.resolve("bad").resolve("journal.jsonl"), "not json\n");
        r = tables(dir.resolve("bad").toString());
        assertEquals(2, r.rc(), r.text());
        assertTrue(r.err().startsWith("ndevid tables: tables " + dir.resolve("bad").toAbsolutePath() + ": "), r.err());
    }
}

package io.ndevid.cli;

import io.ndevid.study.StudyGrid;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid grid --preset cpu-tiny} end to end (in the default suite): two trainer processes, 14 trials, then
 * every table row filled, a resume of the finished grid re-runs nothing, and report.html shows every image in headless
 * Chromium; and the same grid (a two-trial subset) run twice gives the same IS/FID table.
 */
class GridCommandTest {

    @TempDir
    Path dir;

    /** Exit code and what the command printed on stdout and stderr. */
    record Run(int rc, String out, String err) {
        String text() {
            return out + err;
        }
    }

    static Run grid(String... args) {
        return ndevid("grid", args);
    }

    /** {@code ndevid command args…} in this process, as the launcher runs it. */
    static Run ndevid(String command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NdevidCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        int rc = cl.execute(all.toArray(String[]::new));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void cpuTinyGridWritesFilledTablesAndAReportThatLoads() throws Exception {
        Path out = dir.resolve("grid");
        long t0 = System.nanoTime();
        Run first = grid("--preset", "cpu-tiny", "--seeds", "1", "--out", out.toString(), "--slots", "2");
        long t1 = System.nanoTime();
        StringWriter text = new StringWriter();
        text.write(first.text());
        assertEquals(0, first.rc(), text.toString());
        Path exp = out.resolve("ablation-cpu-tiny");
        String md = Files.readString(exp.resolve("results.md"));
        int ranks = md.indexOf("\n## Rank stability across seeds\n");
        assertTrue(ranks > 0, md);
        List<String> rows = md.substring(0, ranks).lines().filter(l -> l.matches("\\| (tgan|mocogan) / .*")).toList();
        assertEquals(6 + 10, rows.size(), md);
        for (String row : rows) {
            assertTrue(row.contains("| ok | 1/1 |"), row);
            // one seed: no across-seed std and no interval; the original G_t is the base of the changes
            List<String> cells = List.of(row.substring(2, row.length() - 2).split(" \\| "));
            assertEquals(15, cells.size(), row);
            for (int c : new int[] {3, 4, 7, 8}) {
                assertTrue(cells.get(c).matches("[0-9.]+ ± –"), "one seed's score (at iteration 0 and final), no "
                        + "across-seed std: " + row);
            }
            for (int c : new int[] {5, 9, 11, 12, 13, 14}) {
                assertFalse(cells.get(c).contains("–"), "cell " + c + " filled: " + row);
            }
            for (int c : new int[] {6, 10}) {
                assertTrue(row.contains("/ original /") ? cells.get(c).equals("–")
                        : cells.get(c).matches("[+-][0-9.]+ \\[–\\]"), "change without interval: " + row);
            }
        }
        assertTrue(md.contains("training seeds: 1 per cell (0)"), md);
        assertTrue(md.contains("evaluator: c3d-synthetic-cpu-tiny"), md);
        assertTrue(text.toString().contains("TGANv2 is left out at cpu-tiny"), text.toString());
        for (String plot : List.of("is-tgan", "fid-tgan", "is-mocogan", "fid-mocogan")) {
            assertTrue(Files.size(exp.resolve("report/" + plot + ".png")) > 0, plot);
        }
        assertTrue(Files.exists(exp.resolve("report/render-ode.gif")), text.toString());
        assertTrue(Files.exists(exp.resolve("report/render-sde.gif")), text.toString());
        assertTrue(Files.exists(exp.resolve("report/real.gif")));

        // resuming a finished grid runs nothing again and rewrites the same tables
        Run again = grid("--resume", out.toString());
        long t2 = System.nanoTime();
        assertEquals(0, again.rc(), again.text());
        assertTrue(again.text().contains("already holds this grid"), again.text());
        assertEquals(md, Files.readString(exp.resolve("results.md")));
        // one seed: the cells of each base model are listed, with no agreement to measure
        assertTrue(md.contains("| tgan | IS | 7 × 1 | – | – | – | – | – |"), md);
        // `ndevid tables` writes the same tables from the folder, without the cluster
        Run tables = TablesCommandTest.tables(out.toString());
        assertEquals(0, tables.rc(), tables.text());
        assertEquals(md, Files.readString(exp.resolve("results.md")));

        try {
            assertImagesLoad(exp.resolve("report.html"));
        } finally {
            System.out.printf("GridCommandTest timings: grid %.1f s, resume %.1f s, chromium %.1f s%n",
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theSameGridTwiceGivesTheSameTableAndAnotherSeedChangesIt() throws Exception {
        String[] subset = {"--preset", "cpu-tiny", "--only", "tgan-ode1-linear", "--seeds", "2", "--slots", "2"};
        List<List<String>> tables = new ArrayList<>();
        List<List<String>> finals = new ArrayList<>();
        for (String run : List.of("a", "b")) {
            List<String> args = new ArrayList<>(List.of(subset));
            args.addAll(List.of("--out", dir.resolve(run).toString()));
            Run r = grid(args.toArray(String[]::new));
            assertEquals(0, r.rc(), r.text());
            Path exp = dir.resolve(run).resolve("ablation-cpu-tiny");
            tables.add(withoutWallTime(exp.resolve("results.csv")));
            finals.add(finalNumbers(exp, "tgan-ode1-linear-s0", "tgan-ode1-linear-s1"));
        }
        List<String> ran = tables.get(0).stream().filter(l -> l.contains(",ok,")).toList();
        assertEquals(2, ran.size(), "tgan/ode1/linear, in both tables: " + tables.get(0));
        for (String row : ran) {
            assertTrue(row.matches(".*,tgan-ode1-linear-s0;tgan-ode1-linear-s1,ok,2,2,([0-9.e-]+,){5}.*"),
                    "IS at iteration 0 and final IS (across-seed mean and std), and the within-run std filled: "
                    + row);
        }
        assertEquals(tables.get(0), tables.get(1), "same command, same seeds: the same IS/FID table");
        assertEquals(finals.get(0), finals.get(1), "same command, same seeds: bit-equal final IS/FID");
        List<String> f = finals.get(0);
        assertNotEquals(f.get(0).replace("-s0", ""), f.get(1).replace("-s1", ""),
                "another training seed, another model: different final IS/FID");
    }

    /** Each trial's final IS/FID means and stds at full precision, and its best iteration. */
    static List<String> finalNumbers(Path exp, String... trials) throws Exception {
        List<String> out = new ArrayList<>();
        for (String t : trials) {
            Path fin = exp.resolve("trials").resolve(t).resolve("final-metrics.json");
            var m = io.ndevid.training.spec.SpecIO.json().readTree(fin.toFile());
            out.add(t + " IS " + m.get("is_mean").asDouble() + " ± " + m.get("is_std").asDouble() + ", FID "
                    + m.get("fid_mean").asDouble() + " ± " + m.get("fid_std").asDouble() + " at "
                    + m.get("best_iteration").asLong());
        }
        return out;
    }

    @Test
    void onlyNamesPointsOfTheStudy() {
        Run r = grid("--preset", "cpu-tiny", "--only", "tganv2-ode1-linear", "--out", dir.resolve("x").toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --only tganv2-ode1-linear: not in the study at cpu-tiny");
        Run help = grid("--help");
        assertEquals(0, help.rc(), help.text());
        assertTrue(help.out().contains("--evaluator=<evaluator>") && help.out().contains("--only="), help.out());
        assertEquals(0, TrainCommandTest.train("--help").rc());
        r = grid("--preset", "cpu-tiny", "--slots", "-1", "--out", dir.resolve("x").toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --slots must be ≥ 0 (0: one per GPU), got -1");
        r = grid("--preset", "cpu-tiny", "--seeds", "0", "--out", dir.resolve("x").toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --seeds must be ≥ 1, got 0");
        assertFalse(Files.exists(dir.resolve("x")), "nothing started");
        // gpu-paper trials ask for a GPU slot: on CPU slots the grid is refused at submission, not run on the CPU
        r = grid("--preset", "gpu-paper", "--only", "tgan-ode1-linear", "--slots", "1", "--out",
                dir.resolve("x").toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: trial tgan-ode1-linear-s0 (device gpu) can run on no slot of [cpu]: this "
                + "machine has no GPU slot");
        r = grid("--preset", "cpu-tiny", "--trials-per-gpu", "0", "--out", dir.resolve("x").toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid grid: --trials-per-gpu (ndevid.node.trials-per-gpu) must be ≥ 1, got 0");
        assertFalse(Files.exists(dir.resolve("x")), "nothing started");
    }

    @Test
    void dryRunPrintsEveryCellWithItsDifferencesAndStartsNothing() {
        Path out = dir.resolve("dry");
        Run r = grid("--preset", "gpu-paper", "--dry-run", "--out", out.toString());
        assertEquals(0, r.rc(), r.text());
        for (TrialSpec t : StudyGrid.forPreset("gpu-paper").expand()) {
            assertTrue(r.out().contains(t.configId() + "   (authors: "), t.configId() + " missing:\n" + r.out());
        }
        // MoCoGAN's order runs follow the authors (f = deep, g∘h 49): no difference, nothing open
        assertTrue(r.out().contains("  f at the order table   g∘h hidden 49"), r.out());
        assertFalse(r.out().contains("] open"), r.out());
        assertTrue(r.out().strip().endsWith(", 0 unmarked"), r.out());
        assertFalse(Files.exists(out), "nothing started");
    }

    /** The command's error is one line starting with {@code prefix} (and the hint about -v), no stack trace. */
    static void assertOneLineError(Run r, String prefix) {
        List<String> lines = r.err().strip().lines().toList();
        assertTrue(lines.get(0).startsWith(prefix), r.text());
        assertEquals(List.of("(run with -v for the stack trace)"), lines.subList(1, lines.size()), r.text());
    }

    /** results.csv without its wall_s column (the only one that may differ between equal runs). */
    static List<String> withoutWallTime(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        int wall = List.of(lines.get(0).split(",")).indexOf("wall_s");
        assertTrue(wall >= 0, lines.get(0));
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            List<String> cells = new ArrayList<>(List.of(l.split(",", -1)));
            cells.remove(wall);
            out.add(String.join(",", cells));
        }
        return out;
    }

    /** Loads the page in headless Chromium and checks that every img decoded (natural width > 0). */
    private void assertImagesLoad(Path html) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Assumptions.assumeTrue(Files.isExecutable(chromium), "chromium is not installed (apt-get install chromium)");
        String page = Files.readString(html);
        String probe = "<script>window.addEventListener('load',function(){var w=[];for(var i=0;i<document.images.length;"
                + "i++){w.push(document.images[i].naturalWidth);}document.body.setAttribute('data-widths',w.join(' '));"
                + "});</script></body>";
        Path probed = html.resolveSibling("report-probe.html");
        Files.writeString(probed, page.replace("</body>", probe));
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + dir.resolve("chromium-profile"), "--virtual-time-budget=10000", "--dump-dom",
                probed.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("data-widths=\"([^\"]*)\"").matcher(dom);
        assertTrue(m.find(), "the probe did not run; dumped DOM:\n" + dom);
        String[] widths = m.group(1).trim().split(" ");
        long imgs = Pattern.compile("<img ").matcher(page).results().count();
        assertEquals(imgs, widths.length, m.group(1));
        assertTrue(imgs >= 4 + 14 + 3, "4 IS/FID plots, 14 sample GIFs, 2 renders, real clips: " + imgs);
        for (String w : widths) {
            assertTrue(Integer.parseInt(w) > 0, "an image did not load: widths " + m.group(1));
        }
    }
}

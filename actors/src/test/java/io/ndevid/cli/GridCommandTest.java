package io.ndevid.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid grid --preset cpu-tiny} end to end: two trainer processes, 14 trials, then every table row filled,
 * a resume of the finished grid re-runs nothing, and report.html shows every image in headless Chromium.
 */
@Tag("slow")
class GridCommandTest {

    @TempDir
    Path dir;

    @Test
    void cpuTinyGridWritesFilledTablesAndAReportThatLoads() throws Exception {
        Path out = dir.resolve("grid");
        StringWriter text = new StringWriter();
        CommandLine cl = NdevidCli.commandLine();
        cl.setOut(new PrintWriter(text, true));
        cl.setErr(new PrintWriter(text, true));
        int rc = cl.execute("grid", "--preset", "cpu-tiny", "--out", out.toString(), "--slots", "2");
        assertEquals(0, rc, text.toString());
        Path exp = out.resolve("ablation-cpu-tiny");
        String md = Files.readString(exp.resolve("results.md"));
        List<String> rows = md.lines().filter(l -> l.matches("\\| (tgan|mocogan) / .*")).toList();
        assertEquals(6 + 10, rows.size(), md);
        for (String row : rows) {
            assertTrue(row.contains("| ok |"), row);
            assertFalse(row.contains("–"), "every cell filled: " + row);
        }
        assertTrue(md.contains("evaluator: c3d-synthetic-cpu-tiny"), md);
        assertTrue(text.toString().contains("TGANv2 is left out at cpu-tiny"), text.toString());
        assertTrue(Files.size(exp.resolve("report/is-vs-iteration.png")) > 0);
        assertTrue(Files.exists(exp.resolve("report/render-ode.gif")), text.toString());
        assertTrue(Files.exists(exp.resolve("report/render-sde.gif")), text.toString());
        assertTrue(Files.exists(exp.resolve("report/real.gif")));

        // resuming a finished grid runs nothing again and rewrites the same tables
        StringWriter again = new StringWriter();
        CommandLine cl2 = NdevidCli.commandLine();
        cl2.setOut(new PrintWriter(again, true));
        cl2.setErr(new PrintWriter(again, true));
        assertEquals(0, cl2.execute("grid", "--resume", out.toString()), again.toString());
        assertTrue(again.toString().contains("already holds this grid"), again.toString());
        assertEquals(md, Files.readString(exp.resolve("results.md")));

        assertImagesLoad(exp.resolve("report.html"));
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
        assertTrue(imgs >= 14 + 4, "IS plot, 14 sample GIFs, 2 renders, real clips: " + imgs);
        for (String w : widths) {
            assertTrue(Integer.parseInt(w) > 0, "an image did not load: widths " + m.group(1));
        }
    }
}

package io.ndevid.metrics.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new MetricsCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path features(String name, int n, int d, long seed, double shift) throws IOException {
        Random rnd = new Random(seed);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (shift + rnd.nextGaussian() * (1 + (i % d) * 0.1));
        }
        Path p = dir.resolve(name);
        Npy.write(p, NpyArray.of(v, n, d));
        return p;
    }

    @Test
    void fidPrintsOneJsonObjectMatchingTheApi() throws IOException {
        Path a = features("a.npy", 40, 16, 1, 0);
        Path b = features("b.npy", 30, 16, 2, 0.5);
        Run r = run("fid", "--real", a.toString(), "--fake", b.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "exactly one line: " + r.out());
        JsonNode j = JSON.readTree(r.out());
        assertTrue(j.isObject());
        DoubleMatrix ma = Npy.readMatrix(a, "a");
        DoubleMatrix mb = Npy.readMatrix(b, "b");
        double expected = new FrechetDistance().compute(ma, mb).fid();
        assertEquals(expected, j.get("fid").asDouble(), 1e-12 * expected);
        assertEquals("dxd-sqrt-eigh", j.get("method").asText()); // n ≥ d
        assertEquals(40, j.get("n_real").asInt());
        assertEquals(30, j.get("n_fake").asInt());
        assertEquals(16, j.get("d").asInt());

        Run nxn = run("fid", "--real", a.toString(), "--fake", b.toString(), "--route", "nxn");
        JsonNode jn = JSON.readTree(nxn.out());
        assertEquals("nxn-cross-gram-eigh", jn.get("method").asText());
        assertEquals(expected, jn.get("fid").asDouble(), 1e-9 * expected);

        // Cached statistics: stats once, then fid --real-stats gives the same number.
        Path stats = dir.resolve("a.fidstats");
        Run s = run("stats", "--features", a.toString(), "--out", stats.toString(), "--provenance", "test");
        assertEquals(0, s.code(), s.err());
        assertEquals(16, JSON.readTree(s.out()).get("d").asInt());
        Run c = run("fid", "--real-stats", stats.toString(), "--fake", b.toString());
        assertEquals(0, c.code(), c.err());
        assertEquals(expected, JSON.readTree(c.out()).get("fid").asDouble(), 1e-9 * expected);
    }

    @Test
    void isPrintsOneJsonObject() throws IOException {
        int c = 5;
        double[] p = new double[4 * c];
        for (int i = 0; i < 4; i++) {
            p[i * c + i] = 1; // 4 distinct classes of 5
        }
        Path probs = dir.resolve("p.npy");
        Npy.write(probs, NpyArray.of(p, 4, c));
        Run r = run("is", "--probs", probs.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(4.0, j.get("is_mean").asDouble(), 1e-12);
        assertEquals(0.0, j.get("is_std").asDouble(), 0.0);
        assertEquals(1, j.get("splits").asInt());
        assertEquals(4, j.get("n").asInt());
        Run two = run("is", "--probs", probs.toString(), "--splits", "2");
        assertEquals(2.0, JSON.readTree(two.out()).get("is_mean").asDouble(), 1e-12);
    }

    @Test
    void badInputGivesAnErrorLineAndUsageExitCode() throws IOException {
        Path a = features("a.npy", 10, 4, 1, 0);
        Path d5 = features("d5.npy", 10, 5, 2, 0);
        Path one = features("one.npy", 1, 4, 3, 0);
        Path cube = dir.resolve("cube.npy");
        Npy.write(cube, NpyArray.of(new float[8], 2, 2, 2));
        Path nan = dir.resolve("nan.npy");
        float[] v = new float[40];
        v[13] = Float.NaN;
        Npy.write(nan, NpyArray.of(v, 10, 4));
        Path inf = dir.resolve("inf.npy");
        v[13] = Float.POSITIVE_INFINITY;
        Npy.write(inf, NpyArray.of(v, 10, 4));
        Path notNpy = dir.resolve("text.npy");
        Files.writeString(notNpy, "not numpy");
        Path probs = dir.resolve("probs.npy");
        Npy.write(probs, NpyArray.of(new double[] {0.5, 0.5, 1, 0, 0, 1}, 3, 2));
        Path logits = dir.resolve("logits.npy");
        Npy.write(logits, NpyArray.of(new double[] {2.0, 1, 0.3, 0.1}, 2, 2));

        String sa = a.toString();
        assertBad(run("fid", "--real", dir.resolve("missing.npy").toString(), "--fake", sa), "file not found");
        assertBad(run("fid", "--real", sa, "--fake", cube.toString()), "expected a 2-D array");
        assertBad(run("fid", "--real", sa, "--fake", nan.toString()), "non-finite value NaN at row 3, column 1");
        assertBad(run("fid", "--real", inf.toString(), "--fake", sa), "non-finite value Infinity");
        assertBad(run("fid", "--real", sa, "--fake", one.toString()), "at least 2 samples");
        assertBad(run("fid", "--real", sa, "--fake", d5.toString()), "dimensions differ");
        assertBad(run("fid", "--real", sa, "--fake", notNpy.toString()), "not a .npy file");
        assertBad(run("fid", "--real", sa, "--fake", sa, "--route", "magic"), "unknown FID route");
        assertBad(run("fid", "--real-stats", sa, "--fake", sa), "not an ndevid FID statistics file");
        assertBad(run("is", "--probs", probs.toString(), "--splits", "4"), "fewer samples (3) than splits (4)");
        assertBad(run("is", "--probs", logits.toString()), "sums to");
        assertBad(run("is", "--probs", dir.resolve("none.npy").toString()), "file not found");
        // picocli's own usage errors: missing option, both --real and --real-stats, no subcommand.
        assertBad(run("fid", "--real", sa), "--fake");
        assertBad(run("fid", "--real", sa, "--real-stats", sa, "--fake", sa), "mutually exclusive");
        assertBad(run(), "missing subcommand");
        assertBad(run("is", "--probs", probs.toString(), "--splits", "many"), "many");

        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("fid") && help.out().contains("is"), help.out());
    }

    private static void assertBad(Run r, String fragment) {
        assertEquals(CommandLine.ExitCode.USAGE, r.code(), "exit code for " + r);
        assertTrue(r.out().isEmpty(), "nothing on stdout: " + r.out());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in stderr: " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r.err());
    }
}

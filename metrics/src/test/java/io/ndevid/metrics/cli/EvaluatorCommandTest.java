package io.ndevid.metrics.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.evaluator.EvaluatorSettings;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code evaluator train|info}: output and exit codes (0 ok, 2 bad input). */
class EvaluatorCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new EvaluatorCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void trainPrintsProgressAndAccuracyThenInfoVerifiesTheFiles() throws IOException {
        Path out = dir.resolve("ev");
        Run r = run("train", "--preset", "cpu-tiny", "--iterations", "4", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("iteration 4/4"), r.out());
        assertTrue(r.out().contains("held-out accuracy: "), r.out());
        assertTrue(r.out().contains("id: c3d-synthetic-cpu-tiny-"), r.out());
        Path weights = out.resolve(EvaluatorSettings.forPreset("cpu-tiny").withIterations(4).fileStem() + ".params");
        assertTrue(Files.isRegularFile(weights), r.out());

        Run info = run("info", "--weights", weights.toString());
        assertEquals(0, info.code(), info.err());
        JsonNode j = new ObjectMapper().readTree(info.out());
        assertEquals("ok", j.get("checksum").asText());
        assertEquals("tgan", j.get("sidecar").get("preprocessing").get("route").asText());
        assertEquals(4, j.get("sidecar").get("settings").get("iterations").asInt());
        assertEquals(SyntheticEvaluator.sha256(weights), j.get("sidecar").get("weightsSha256").asText());

        byte[] b = Files.readAllBytes(weights);
        b[10] ^= 1;
        Files.write(weights, b);
        Run bad = run("info", "--weights", weights.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("checksum mismatch"), bad.err());
    }

    @Test
    void badInputExitsWith2AndOneLine() throws IOException {
        Run r = run("train", "--preset", "cpu-huge", "--out", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown preset 'cpu-huge'") && r.err().contains("cpu-tiny"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("train", "--preset", "cpu-tiny", "--iterations", "0", "--out", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--iterations must be ≥ 1"), r.err());

        r = run("train", "--preset", "cpu-tiny", "--device", "tpu", "--out", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad device"), r.err());

        Path file = Files.writeString(dir.resolve("f"), "x");
        r = run("train", "--preset", "cpu-tiny", "--out", file.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a folder"), r.err());

        assertEquals(2, run("train").code(), "missing --preset");
        assertEquals(2, run("train", "--preset", "cpu-tiny", "--iterations", "many").code());
        assertEquals(2, run().code(), "missing subcommand");

        r = run("info", "--weights", dir.resolve("missing.params").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not found"), r.err());

        Path orphan = Files.writeString(dir.resolve("orphan.params"), "weights without a sidecar");
        r = run("info", "--weights", orphan.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("sidecar"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}

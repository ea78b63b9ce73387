package io.ndevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.actors.node.TrainerProcessLauncher;
import io.ndevid.training.spec.SpecIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.ndevid.cli.GridCommandTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid train} through the trainer processes' own code ({@code ProductionTrialExecutor}): a cpu-tiny trial
 * on real clips scored by a user C3D, and the one-line error for real data without an evaluator.
 */
class TrainCommandTest {

    @TempDir
    Path dir;

    static GridCommandTest.Run train(String... args) {
        return GridCommandTest.ndevid("train", args);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aTrialOnRealClipsIsScoredByTheUserC3d() throws Exception {
        Path ucf = GridC3dTest.writeMiniUcf(dir.resolve("ucf"));
        Path npz = GridC3dTest.writeC3dNpz(dir.resolve("c3d-test.npz"));
        Path mean = GridC3dTest.writeMeanNpz(dir.resolve("mean.npz"));
        Path spec = Files.writeString(dir.resolve("spec.json"), "{\"preset\": \"cpu-tiny\", \"evalSamples\": 8}");
        Path run = dir.resolve("run");
        GridCommandTest.Run r = train("--spec", spec.toString(), "--temporal", "sde", "--data", "ucf101=" + ucf,
                "--evaluator", GridC3dTest.evaluator(npz, mean) + ",route=tgan2,dropout=authors:7",
                "--evaluator-cache", dir.resolve("cache").toString(), "--out",
                run.toString());
        assertEquals(0, r.rc(), r.text());
        assertTrue(r.out().contains("IS/FID evaluator: c3d-test.npz@sha256:"), r.text());
        assertTrue(r.out().contains("final (best-IS checkpoint, iteration "), r.text());
        JsonNode fin = SpecIO.json().readTree(run.resolve("final-metrics.json").toFile());
        assertTrue(fin.get("evaluator").asText().contains("user C3D"), fin.toString());
        JsonNode provenance = fin.get("provenance");
        assertEquals("tgan2", provenance.get("route").asText(), fin.toString());
        assertEquals(io.ndevid.metrics.Sha256.of(npz), provenance.get("weights_sha256").asText(), fin.toString());
        assertEquals(io.ndevid.metrics.Sha256.of(mean), provenance.get("mean_sha256").asText(), fin.toString());
        assertEquals("authors(p=0.5, seed=7)", provenance.get("dropout").asText(), fin.toString());
        assertEquals("population", fin.get("std_convention").asText(), fin.toString());
        for (String f : List.of("metric-is.jsonl", "metric-fid.jsonl")) {
            String lines = Files.readString(run.resolve(f));
            assertTrue(lines.contains("\"provenance\":{\"route\":\"tgan2\"") && lines.contains(
                    io.ndevid.metrics.Sha256.of(mean)), f + ": " + lines);
        }
        assertTrue(Double.isFinite(fin.get("fid_mean").asDouble()), fin.toString());
        assertTrue(Files.exists(run.resolve("checkpoints")), "checkpoints written");
    }

    @Test
    void realDataWithoutAnEvaluatorIsAOneLineError() throws Exception {
        Path ucf = GridC3dTest.writeMiniUcf(dir.resolve("ucf"));
        Path run = dir.resolve("run");
        GridCommandTest.Run r = train("--preset", "cpu-tiny", "--data", "ucf101=" + ucf, "--out", run.toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid train: automatic evaluation of ucf101=" + ucf + " needs a C3D trained on it");
        assertFalse(Files.exists(run), "nothing trained");

        Path npz = GridC3dTest.writeC3dNpz(dir.resolve("c3d.npz"));
        r = train("--preset", "cpu-tiny", "--data", "ucf101=" + ucf, "--evaluator", "c3d=" + npz, "--out",
                run.toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid train: --evaluator c3d=" + npz + ": the C3D mean clip is missing");
        Path noMean = dir.resolve("no-mean.npz");
        r = train("--preset", "cpu-tiny", "--data", "ucf101=" + ucf, "--evaluator",
                GridC3dTest.evaluator(npz, noMean), "--out", run.toString());
        assertEquals(2, r.rc(), r.text());
        assertOneLineError(r, "ndevid train: C3D mean clip file not found: " + noMean);
        assertFalse(Files.exists(run), "nothing trained");
    }

    /** A signal (SIGTERM here, as Ctrl-C's SIGINT) runs the shutdown hook: the trial checkpoints and stops. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSignalCheckpointsAndStopsTheTrial() throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.json"), "{\"preset\": \"cpu-tiny\", \"iterations\": 100000, "
                + "\"checkpointInterval\": 100000, \"sampleInterval\": 0}");
        Path run = dir.resolve("run");
        var launch = TrainerProcessLauncher.Launch.currentJvm(List.of("-Xmx1g"), "production", null);
        List<String> cmd = new ArrayList<>(List.of(launch.javaBin()));
        cmd.addAll(launch.jvmOptions());
        cmd.addAll(List.of("-cp", launch.classPath(), NdevidCli.class.getName(), "train", "--spec", spec.toString(),
                "--no-eval", "--out", run.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("train.log").toFile()).start();
        try {
            Path stats = run.resolve("stats.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(Files.exists(stats) && Files.readAllLines(stats).size() >= 3)) {
                assertTrue(p.isAlive(), "the trial ended early: " + Files.readString(dir.resolve("train.log")));
                assertTrue(System.nanoTime() < deadline, "no iterations within 120 s");
                Thread.sleep(200);
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the trial did not stop within 60 s of the signal");
        } finally {
            p.destroyForcibly();
        }
        String status = Files.readString(run.resolve("status.json"));
        assertTrue(status.contains("\"state\":\"stopped\"") && status.contains("resume continues from here"), status);
        try (var ckpts = Files.list(run.resolve("checkpoints"))) {
            assertTrue(ckpts.anyMatch(c -> c.getFileName().toString().matches("ckpt-\\d+\\.bin")),
                    "the stop wrote a checkpoint (the interval is 100000)");
        }
    }
}

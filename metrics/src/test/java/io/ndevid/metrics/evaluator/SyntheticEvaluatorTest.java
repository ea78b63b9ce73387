package io.ndevid.metrics.evaluator;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.c3d.C3dEvaluator;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.SyntheticVideos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quick checks on few-step evaluators: the loss falls, weights round-trip, grey = RGB replication, a checksum mismatch
 * is refused. The preset accuracies are in {@link SyntheticEvaluatorAccuracyTest}.
 */
class SyntheticEvaluatorTest {

    @TempDir
    Path dir;

    /** A few steps and a small held-out set: seconds, enough for plumbing checks. */
    static EvaluatorSettings quick(int iterations) {
        return EvaluatorSettings.forPreset("cpu-tiny").withIterations(iterations).withHeldOutClips(64);
    }

    static SyntheticVideos clips(EvaluatorSettings s, long first, int count) {
        return Datasets.synthetic(s.classes(), s.frames(), s.size(), s.channels(), first, count);
    }

    @Test
    void aFewIterationsLowerTheLossAndTheFilesRoundTrip() throws IOException {
        EvaluatorSettings s = quick(40);
        List<Double> losses = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        TrainingProgress p = new TrainingProgress() {
            @Override
            public void iteration(int iteration, int total, double loss, double elapsedSeconds) {
                assertEquals(losses.size() + 1, iteration);
                assertEquals(40, total);
                losses.add(loss);
            }

            @Override
            public void message(String text) {
                messages.add(text);
            }
        };
        Path weights = dir.resolve("e.params");
        try (SyntheticEvaluator e = SyntheticEvaluator.train(s, weights, p, Device.cpu())) {
            assertEquals(40, losses.size());
            double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(35, 40).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertTrue(first > Math.log(6) - 0.3, "starts near chance (ln 6 = 1.79): " + first);
            assertTrue(last < first - 0.2, "loss falls: first 5 " + first + ", last 5 " + last + " " + losses);
            assertTrue(messages.stream().anyMatch(m -> m.contains("held-out accuracy")), messages.toString());
            assertTrue(Files.isRegularFile(SyntheticEvaluator.sidecarOf(weights)));
            assertEquals(dir.resolve("e.json"), SyntheticEvaluator.sidecarOf(weights));

            // The loaded file reproduces the in-memory network exactly: same held-out accuracy, same outputs.
            SyntheticVideos held = clips(s, Datasets.SYNTHETIC_HELD_OUT_START, 64);
            assertEquals(e.heldOutAccuracy(), e.accuracy(held, 64));
            try (SyntheticEvaluator again = SyntheticEvaluator.load(weights, Device.cpu());
                 NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                NDArray x = m.create(held.batch(new int[] {0, 1, 2, 3, 4}, new java.util.SplittableRandom(0)).data(),
                        held.clipShape().toShape(5));
                C3dEvaluator.Outputs a = e.evaluate(x, 2);
                C3dEvaluator.Outputs b = again.evaluate(x, 5);
                assertArrayEquals(a.fc7().data(), b.fc7().data(), 1e-5);
                assertArrayEquals(a.probabilities().data(), b.probabilities().data(), 1e-6);
                assertEquals(e.id(), again.id());
                assertEquals(s.classes(), a.probabilities().cols());
                assertEquals(e.sidecar().c3d().fcUnits(), a.fc7().cols());
            }
        }
    }

    @Test
    void greyClipsAreTheirRgbReplication() throws IOException {
        EvaluatorSettings s = quick(3);
        try (SyntheticEvaluator e = SyntheticEvaluator.train(s, dir.resolve("g.params"), null, Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            SyntheticVideos v = clips(s, 0, 4);
            NDArray grey = m.create(v.batch(new int[] {0, 1, 2, 3}, new java.util.SplittableRandom(0)).data(),
                    v.clipShape().toShape(4));
            NDArray rgb = NDArrays.concat(new NDList(grey, grey, grey), 1);
            DoubleMatrix a = e.features(grey, 4);
            DoubleMatrix b = e.features(rgb, 3);
            assertArrayEquals(a.data(), b.data(), 1e-6);
            NDArray wrong = m.zeros(new ai.djl.ndarray.types.Shape(2, 1, 8, 32, 32));
            MetricsInputException ex = assertThrows(MetricsInputException.class, () -> e.features(wrong, 2));
            assertTrue(ex.getMessage().contains("[N, 1 or 3, 8, 16, 16]"), ex.getMessage());
        }
    }

    @Test
    void preprocessingAtNativeSizeOnlyScalesCentresAndFlips() throws IOException {
        EvaluatorSettings s = quick(1);
        try (SyntheticEvaluator e = SyntheticEvaluator.train(s, dir.resolve("p.params"), null, Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(2, 3, 8, 16, 16));
            NDArray y = e.c3d().preprocessing().apply(x);
            NDArray expected = x.flip(1).mul(127.5f);
            assertTrue(y.sub(expected).abs().max().getFloat() < 1e-3f, "tgan route at 16 px = 127.5·BGR(x)");
            assertTrue(e.preprocessing().contains("tgan"), e.preprocessing());
            assertTrue(e.preprocessing().contains("replicated to 3 channels"), e.preprocessing());
        }
    }

    @Test
    void checksumMismatchAndMissingSidecarAreRefused() throws IOException {
        EvaluatorSettings s = quick(2);
        Path weights = dir.resolve("c.params");
        SyntheticEvaluator.train(s, weights, null, Device.cpu()).close();
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(weights, bytes);
        MetricsInputException ex = assertThrows(MetricsInputException.class, () -> SyntheticEvaluator.load(weights));
        assertTrue(ex.getMessage().contains("SHA-256"), ex.getMessage());

        Files.delete(SyntheticEvaluator.sidecarOf(weights));
        ex = assertThrows(MetricsInputException.class, () -> SyntheticEvaluator.load(weights));
        assertTrue(ex.getMessage().contains("sidecar"), ex.getMessage());

        ex = assertThrows(MetricsInputException.class, () -> SyntheticEvaluator.load(dir.resolve("none.params")));
        assertTrue(ex.getMessage().contains("not found"), ex.getMessage());
    }

    @Test
    void presetsAndSettingsAreValidated() {
        EvaluatorSettings small = EvaluatorSettings.forPreset("cpu-small");
        assertEquals(16, small.frames());
        assertEquals(6, small.classes());
        EvaluatorSettings paper = EvaluatorSettings.forPreset("gpu-paper");
        assertEquals(64, paper.size());
        assertEquals(3, paper.channels());
        assertThrows(IllegalArgumentException.class, () -> EvaluatorSettings.forPreset("cpu-huge"));
        assertThrows(IllegalArgumentException.class, () -> small.withIterations(0));
        // The file stem names the geometry and changes with any setting.
        assertTrue(small.fileStem().startsWith("c3d-synthetic-cpu-small-6c-16f-16px-1ch-"), small.fileStem());
        assertTrue(!small.fileStem().equals(small.withSeed(2).fileStem()));
        TorchRuntime.engine();
    }
}

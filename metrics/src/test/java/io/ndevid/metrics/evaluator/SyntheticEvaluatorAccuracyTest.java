package io.ndevid.metrics.evaluator;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.ndevid.training.data.Datasets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The preset evaluators reach ≥ 95 % held-out accuracy. cpu-tiny trains in the default suite (measured with one
 * libtorch thread: ≈ 10 s unloaded, ≈ 25 s at load 7 on the shared 2-core machine); cpu-small (≈ 1–1.5 min) is
 * tagged slow.
 */
class SyntheticEvaluatorAccuracyTest {

    @TempDir
    Path dir;

    private SyntheticEvaluator.Sidecar trainPreset(String preset) throws IOException {
        EvaluatorSettings s = EvaluatorSettings.forPreset(preset);
        Path weights = dir.resolve(s.fileStem() + ".params");
        try (SyntheticEvaluator e = SyntheticEvaluator.train(s, weights, TrainingProgress.NONE, Device.cpu())) {
            SyntheticEvaluator.Sidecar sc = e.sidecar();
            System.out.printf("%s evaluator: %s, %d iterations in %.1f s (libtorch intra-op threads %d)%n", preset,
                    e.id(), s.iterations(), sc.trainSeconds(), JniUtils.getNumThreads());
            assertTrue(e.heldOutAccuracy() >= 0.95, "held-out accuracy " + e.heldOutAccuracy() + " with " + s);
            assertEquals(s, sc.settings());
            assertEquals(Datasets.SYNTHETIC_HELD_OUT_START, sc.heldOutFirst());
            assertEquals(s.heldOutClips(), sc.heldOutClips());
            assertEquals((long) s.iterations() * s.batchSize(), sc.trainingClips());
            assertEquals("tgan", sc.preprocessing().route());
            assertEquals(s.size(), sc.preprocessing().crop());
            assertEquals(SyntheticEvaluator.sha256(weights), sc.weightsSha256());
            assertTrue(e.id().startsWith(weights.getFileName() + "@sha256:" + sc.weightsSha256().substring(0, 12)),
                    e.id());
            assertTrue(e.id().contains("held-out acc"), e.id());
            return sc;
        }
    }

    @Test
    void cpuTinyPresetReaches95PercentHeldOutAccuracy() throws IOException {
        SyntheticEvaluator.Sidecar sc = trainPreset("cpu-tiny");
        assertEquals(8, sc.c3d().frames());
        assertEquals(16, sc.c3d().height());
    }

    @Test
    @Tag("slow")
    void cpuSmallPresetReaches95PercentHeldOutAccuracy() throws IOException {
        SyntheticEvaluator.Sidecar sc = trainPreset("cpu-small");
        assertEquals(16, sc.c3d().frames());
        assertEquals(16, sc.c3d().height());
    }
}

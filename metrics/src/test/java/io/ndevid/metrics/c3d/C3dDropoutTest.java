package io.ndevid.metrics.c3d;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The authors' dropout option: masks of ratio ½, seeded, reproducible whatever the batching; off by default. */
class C3dDropoutTest {

    @Test
    void masksKeepHalfTheUnitsScaledByTwoAndFollowTheSeedAndTheClip() {
        int units = 4096;
        float[] a6 = new float[units];
        float[] a7 = new float[units];
        C3dDropout.authors(3).masks(42L, a6, 0, units, a7, 0, units);
        for (float[] mask : new float[][] {a6, a7}) {
            long kept = 0;
            for (float v : mask) {
                assertTrue(v == 0f || v == 2f, "0 (dropped) or 1/(1 − ½) (kept), got " + v);
                kept += v == 2f ? 1 : 0;
            }
            // Binomial(4096, ½): sd 32; ±5 sd
            assertTrue(Math.abs(kept - units / 2) < 160, "kept " + kept + " of " + units);
        }
        assertFalse(Arrays.equals(a6, a7), "fc6 and fc7 get different masks");
        float[] b6 = new float[units];
        float[] b7 = new float[units];
        C3dDropout.authors(3).masks(42L, b6, 0, units, b7, 0, units);
        assertArrayEquals(a6, b6, 0f);
        C3dDropout.authors(4).masks(42L, b6, 0, units, b7, 0, units);
        assertFalse(Arrays.equals(a6, b6), "another seed, other masks");
        C3dDropout.authors(3).masks(43L, b6, 0, units, b7, 0, units);
        assertFalse(Arrays.equals(a6, b6), "another clip, other masks");
        assertEquals("off", C3dDropout.off().describe());
        assertEquals("authors(p=0.5, seed=3)", C3dDropout.authors(3).describe());
    }

    @Test
    void theAuthorsModeIsSeededAndIndependentOfBatchingAndOffIsPlainInference() {
        TorchRuntime.engine();
        C3dConfig small = C3dConfig.small(5, 1 / 16.0, 8, 32);
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        NDManager m = manager.newSubManager();
        C3D block = new C3D(small).initialize(m);
        NDArray videos = manager.randomUniform(-1, 1, new Shape(5, 3, 8, 32, 32));
        C3dPreprocessing prep = C3dPreprocessing.tgan(32, 32, null);
        try (manager; C3dEvaluator off = C3dEvaluator.of(m, block, prep)) {
            // evaluators sharing the block's manager; `off` closes it
            C3dEvaluator seven = C3dEvaluator.of(m, block, prep, C3dDropout.authors(7));
            C3dEvaluator eight = C3dEvaluator.of(m, block, prep, C3dDropout.authors(8));
            assertEquals(C3dDropout.off(), off.dropout(), "off unless asked for");

            C3dEvaluator.Outputs plain = off.evaluate(videos, 5);
            C3dEvaluator.Outputs a = seven.evaluate(videos, 5);
            C3dEvaluator.Outputs b = seven.evaluate(videos, 2);
            C3dEvaluator.Outputs c = eight.evaluate(videos, 5);
            assertArrayEquals(a.probabilities().data(), b.probabilities().data(), 1e-6,
                    "same seed, same clips: same scores in any batching");
            assertArrayEquals(a.fc7().data(), b.fc7().data(), 1e-3); // values ~100: float32 batch rounding
            assertFalse(Arrays.equals(a.probabilities().data(), c.probabilities().data()), "the seed matters");
            assertFalse(Arrays.equals(a.probabilities().data(), plain.probabilities().data()),
                    "dropout changes the scores");
            long zerosOff = Arrays.stream(plain.fc7().data()).filter(v -> v == 0).count();
            long zerosOn = Arrays.stream(a.fc7().data()).filter(v -> v == 0).count();
            assertTrue(zerosOn > zerosOff, "fc7 is read after its dropout: " + zerosOn + " vs " + zerosOff + " zeros");

            // All-ones masks are exactly plain inference: the masked path is the same network.
            NDArray x = prep.apply(videos);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ones = manager.ones(new Shape(5, small.fcUnits()));
            assertArrayEquals(block.forwardWithFeatures(ps, x, false).logits().toFloatArray(),
                    block.forwardWithMasks(ps, x, ones, ones).logits().toFloatArray(), 1e-6f);
        }
    }
}

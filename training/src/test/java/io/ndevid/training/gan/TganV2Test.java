package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.training.gan.nets.TganV2Renderer;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TganV2Test {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = GanTestSupport.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    static List<Object[]> matrix() {
        return GanTestSupport.matrix();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("matrix")
    void buildsStepsAndSamples(TemporalKind kind, FVariant f) {
        GanTestSupport.buildsStepsAndSamples(m, GanTestSupport.tiny(ModelFamily.TGANV2, kind, f), gan -> { });
    }

    @Test
    void levelsFollowTheFrameSize() {
        assertEquals(1, TganV2Renderer.levels(8));
        assertEquals(2, TganV2Renderer.levels(16));
        assertEquals(3, TganV2Renderer.levels(32));
        assertEquals(4, TganV2Renderer.levels(64));
        assertEquals(4, TganV2Renderer.levels(256));
    }

    /** cpu-tiny: 16 px, 8 frames, batch 4 → level 0: 4 × 8 frames at 8 px; level 1: 2 × 4 frames at 16 px. */
    @Test
    void trainsSparselyOnSubsampledLevelsWithAFiniteLoggedPenalty() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGANV2, TemporalKind.ORIGINAL, FVariant.LINEAR);
        try (TganV2 gan = (TganV2) GanFactory.create(spec, m, Device.cpu())) {
            assertEquals(2, gan.levels());
            List<Map<String, Double>> losses = GanTestSupport.train(gan, m, 0, 2);
            for (Map<String, Double> l : losses) {
                assertTrue(Double.isFinite(l.get("gp")) && l.get("gp") > 0, "gp logged and finite: " + l);
                assertEquals(l.get("d_adv_loss") + l.get("gp"), l.get("d_loss"), 1e-12);
            }
            assertEquals(spec.lrG() * (1 - 1.0 / spec.iterations()), losses.get(1).get("lr_g"), 1e-15,
                    "lr decays linearly to 0 over the iterations");
            List<Shape> expected = List.of(new Shape(4, 1, 8, 8, 8), new Shape(2, 1, 4, 16, 16));
            assertEquals(expected, gan.lastFakeShapes());
            assertEquals(expected, gan.lastRealShapes());
            try (NDManager s = m.newSubManager()) {
                assertEquals(new Shape(2, 1, 8, 16, 16), gan.sample(s, 2, 3).getShape(), "sampling is dense");
            }
        }
    }

    /** Real level 1 = first half of the batch, every second frame from the offset, 2×2 average-pooled to 8 px. */
    @Test
    void realPyramidSubsamplesFramesAndBatchAndPools() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGANV2, TemporalKind.ORIGINAL, FVariant.LINEAR);
        try (TganV2 gan = (TganV2) GanFactory.create(spec, m, Device.cpu()); NDManager s = m.newSubManager()) {
            // video b, frame t: value 100·b + t + (row parity)/2 → 2×2 pooling gives 100·b + t + 0.25
            float[] v = new float[4 * 8 * 16 * 16];
            for (int b = 0; b < 4; b++) {
                for (int t = 0; t < 8; t++) {
                    for (int y = 0; y < 16; y++) {
                        for (int x = 0; x < 16; x++) {
                            v[((b * 8 + t) * 16 + y) * 16 + x] = 100 * b + t + (y % 2) * 0.5f;
                        }
                    }
                }
            }
            NDArray real = s.create(v, new Shape(4, 1, 8, 16, 16));
            for (int offset = 0; offset < 2; offset++) {
                List<NDArray> levels = gan.pyramid(real, new int[] {0, offset});
                assertEquals(new Shape(4, 1, 8, 8, 8), levels.get(0).getShape());
                assertEquals(new Shape(2, 1, 4, 16, 16), levels.get(1).getShape());
                assertArrayEquals(new float[] {0.25f, 1.25f, 2.25f, 3.25f, 4.25f, 5.25f, 6.25f, 7.25f},
                        levels.get(0).get("0, 0, :, 0, 0").toFloatArray());
                float[] expected = new float[4];
                for (int i = 0; i < 4; i++) {
                    expected[i] = 100 + offset + 2 * i;
                }
                assertArrayEquals(expected, levels.get(1).get("1, 0, :, 0, 0").toFloatArray());
            }
        }
    }

    @Test
    void framesMustDivideByTheLevelFactor() {
        var e = assertThrows(IllegalArgumentException.class, () -> GanFactory.create(GanTestSupport.tiny(
                ModelFamily.TGANV2, TemporalKind.ODE1, FVariant.LINEAR, "\"frames\": 7"), m, Device.cpu()));
        assertTrue(e.getMessage().contains("divisible by 2"), e.getMessage());
    }

    @Test
    void stepsTrainTheOdeTemporalGeneratorAndEveryLevel() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGANV2, TemporalKind.ODE2, FVariant.DEEP);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            Map<String, float[]> gt = GanTestSupport.snapshot(gan.temporal());
            Map<String, float[]> g = GanTestSupport.snapshot(gan.networks().get("G"));
            Map<String, float[]> d = GanTestSupport.snapshot(gan.networks().get("D"));
            GanTestSupport.train(gan, m, 0, 1);
            GanTestSupport.assertAllTrainableChanged("G_t", gan.temporal(), gt);
            // Level renders below the top are trained too: each level's D judges its own render.
            GanTestSupport.assertAllTrainableChanged("G", gan.networks().get("G"), g);
            GanTestSupport.assertAllTrainableChanged("D", gan.networks().get("D"), d);
        }
    }
}

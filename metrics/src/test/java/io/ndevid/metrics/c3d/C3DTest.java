package io.ndevid.metrics.c3d;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class C3DTest {

    static NDManager manager;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        Engine.getEngine("PyTorch").setRandomSeed(1234);
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void fullSizeC3dMaps16x112x112To8192Fc6InputsAnd101Logits() {
        C3dConfig cfg = C3dConfig.ucf101();
        assertArrayEquals(new int[] {1, 4, 4}, cfg.pool5Size());
        assertEquals(8192, cfg.fc6Inputs());
        try (NDManager m = manager.newSubManager()) {
            C3D c3d = new C3D(cfg).initialize(m);
            var shapes = c3d.parameterShapes();
            // DJL prefixes each child's position: 01conv1a_weight … 09fc6_weight, 11fc7_…, 13fc8_….
            assertEquals(new Shape(4096, 8192), shapes.get("09fc6_weight"), shapes.keySet().toString());
            assertEquals(new Shape(64, 3, 3, 3, 3), shapes.get("01conv1a_weight"));
            assertEquals(new Shape(101, 4096), shapes.get("13fc8_weight"));
            assertEquals(22, shapes.size());
            NDArray x = m.randomUniform(-50, 50, new Shape(1, 3, 16, 112, 112));
            C3D.Outputs out = c3d.forwardWithFeatures(new ParameterStore(m, false), x, false);
            assertEquals(new Shape(1, 4096), out.fc7().getShape());
            assertEquals(new Shape(1, 101), out.logits().getShape());
        }
    }

    @Test
    void ceilModePoolingMatchesHandComputation() {
        // 2×7×7 → 1×4×4 with 2×2×2 windows: the last row/column window holds a single input.
        float[] v = new float[2 * 7 * 7];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        NDArray x = manager.create(v, new Shape(1, 1, 2, 7, 7));
        NDArray p = Pool.maxPool3d(x, new Shape(2, 2, 2), new Shape(2, 2, 2), new Shape(0, 0, 0), true);
        assertEquals(new Shape(1, 1, 1, 4, 4), p.getShape());
        float[] expected = new float[16];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < 2; t++) {
                    for (int h = 2 * i; h < Math.min(2 * i + 2, 7); h++) {
                        for (int w = 2 * j; w < Math.min(2 * j + 2, 7); w++) {
                            max = Math.max(max, v[(t * 7 + h) * 7 + w]);
                        }
                    }
                }
                expected[i * 4 + j] = max;
            }
        }
        assertArrayEquals(expected, p.toFloatArray(), 0f);
        // Floor mode would drop the last row and column: that is what C3D must not do.
        assertEquals(new Shape(1, 1, 1, 3, 3),
                Pool.maxPool3d(x, new Shape(2, 2, 2), new Shape(2, 2, 2), new Shape(0, 0, 0), false).getShape());
    }

    static final C3dConfig SMALL = C3dConfig.small(5, 1 / 16.0, 8, 32);
    static final C3dPreprocessing TGAN32 = C3dPreprocessing.tgan(32, 32, null);

    @Test
    void smallEvaluatorGivesFeaturesAndProbabilitiesInBatches(@TempDir Path dir) throws IOException {
        assertArrayEquals(new int[] {4, 8, 16, 16, 32, 32, 32, 32}, SMALL.convChannels());
        assertEquals(256, SMALL.fcUnits());
        assertEquals(32, SMALL.fc6Inputs()); // 32 channels × 1×1×1
        NDManager m = manager.newSubManager();
        C3D block = new C3D(SMALL).initialize(m);
        NDArray videos = manager.randomUniform(-1, 1, new Shape(5, 3, 8, 40, 40));
        Path weights = dir.resolve("c3d-small.params");
        C3dEvaluator.Outputs all;
        try (C3dEvaluator ev = C3dEvaluator.of(m, block, TGAN32)) {
            all = ev.evaluate(videos, 5);
            assertEquals(5, all.fc7().rows());
            assertEquals(256, all.fc7().cols());
            assertEquals(5, all.probabilities().cols());
            for (int i = 0; i < 5; i++) {
                double s = 0;
                for (int k = 0; k < 5; k++) {
                    s += all.probabilities().get(i, k);
                }
                assertEquals(1.0, s, 1e-5);
            }
            for (double f : all.fc7().data()) {
                assertTrue(f >= 0, "fc7 is taken after ReLU");
            }
            // Batching does not change results; dropout is off, so repeated calls agree.
            C3dEvaluator.Outputs batched = ev.evaluate(videos, 2);
            assertArrayEquals(all.fc7().data(), batched.fc7().data(), 1e-4);
            assertArrayEquals(all.probabilities().data(), batched.probabilities().data(), 1e-6);
            C3dEvaluator.Outputs parts = C3dEvaluator.Outputs.concat(java.util.List.of(
                    ev.evaluate(videos.get("0:3"), 3), ev.evaluate(videos.get("3:5"), 3)));
            assertArrayEquals(all.fc7().data(), parts.fc7().data(), 1e-4);

            // Training mode turns dropout on: fc8's input changes.
            NDArray x = ev.preprocessing().apply(videos);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray eval1 = block.forwardWithFeatures(ps, x, false).logits();
            NDArray eval2 = block.forwardWithFeatures(ps, x, false).logits();
            NDArray train = block.forwardWithFeatures(ps, x, true).logits();
            assertArrayEquals(eval1.toFloatArray(), eval2.toFloatArray(), 0f);
            assertFalse(java.util.Arrays.equals(eval1.toFloatArray(), train.toFloatArray()));

            // pool5 of the small net: 32 channels × ⌈8/16⌉ × ⌈32/32⌉ × ⌈32/32⌉ (ceil mode all the way down).
            assertEquals(new Shape(5, 32, 1, 1, 1), block.pool5(ps, x).getShape());
            var bad = assertThrows(MetricsInputException.class,
                    () -> block.forwardWithFeatures(ps, manager.zeros(new Shape(1, 3, 8, 30, 30)), false));
            assertTrue(bad.getMessage().contains("[N, 3, 8, 32, 32]"), bad.getMessage());
            block.saveWeights(weights);
        }

        // Weights round trip through a DJL .params file into a fresh evaluator.
        try (C3dEvaluator loaded = C3dEvaluator.load(SMALL, weights, TGAN32, Device.cpu())) {
            DoubleMatrix p = loaded.probabilities(videos, 5);
            assertArrayEquals(all.probabilities().data(), p.data(), 1e-7);
        }
        // No file, a missing file, a file for another config: each refused with a message.
        var none = assertThrows(MetricsInputException.class,
                () -> C3dEvaluator.load(SMALL, null, TGAN32, Device.cpu()));
        assertTrue(none.getMessage().contains("No C3D weights given") && none.getMessage().contains("never downloads"),
                none.getMessage());
        var missing = assertThrows(MetricsInputException.class,
                () -> C3dEvaluator.load(SMALL, dir.resolve("nope.params"), TGAN32, Device.cpu()));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
        C3dConfig other = C3dConfig.small(6, 1 / 16.0, 8, 32);
        var wrong = assertThrows(MetricsInputException.class,
                () -> C3dEvaluator.load(other, weights, TGAN32, Device.cpu()));
        assertTrue(wrong.getMessage().contains("C3D weights"), wrong.getMessage());
        // Preprocessing size must match the network.
        NDManager m2 = manager.newSubManager();
        C3D b2 = new C3D(SMALL).initialize(m2);
        assertThrows(IllegalArgumentException.class, () -> C3dEvaluator.of(m2, b2, C3dPreprocessing.tgan(null)));
    }
}

package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TganTest {

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
        GanTestSupport.buildsStepsAndSamples(m, GanTestSupport.tiny(ModelFamily.TGAN, kind, f), gan -> { });
    }

    @Test
    void stepsTrainTheOdeTemporalGeneratorTheImageGeneratorAndD() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ODE1, FVariant.DEEP);
        try (Tgan gan = (Tgan) GanFactory.create(spec, m, Device.cpu())) {
            Map<String, float[]> gt = GanTestSupport.snapshot(gan.temporal());
            Map<String, float[]> g = GanTestSupport.snapshot(gan.networks().get("G"));
            Map<String, float[]> d = GanTestSupport.snapshot(gan.networks().get("D"));
            GanTestSupport.train(gan, m, 1, 2); // iteration 1: no clipping pass in between
            GanTestSupport.assertAllTrainableChanged("G_t", gan.temporal(), gt);
            GanTestSupport.assertAllTrainableChanged("G", gan.networks().get("G"), g);
            // The score layer's bias adds the same constant to D(real) and D(fake): its WGAN gradient is exactly 0.
            String scoreBias = gan.networks().get("D").getParameters().keys().stream()
                    .filter(k -> k.endsWith("bias")).reduce((a, b) -> b).orElseThrow();
            GanTestSupport.assertAllTrainableChanged("D", gan.networks().get("D"), d, scoreBias::equals);
        }
    }

    /**
     * D's weights are scaled ×20 first so that their spectral norms exceed 1 (after initialisation at U(±0.01)
     * they are ≈ 0.1): the step at iteration 6 leaves them above 1, the step at iteration 5 clips them to ≤ 1.
     */
    @Test
    void singularValueClippingEveryFifthIteration() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
        try (Tgan gan = (Tgan) GanFactory.create(spec, m, Device.cpu())) {
            inflate(gan);
            GanTestSupport.train(gan, m, 6, 7);
            assertTrue(largestSpectralNorm(gan) > 1.5, "no clipping at iteration 6: " + largestSpectralNorm(gan));
            inflate(gan);
            GanTestSupport.train(gan, m, 5, 6);
            double after = largestSpectralNorm(gan);
            assertTrue(after <= 1 + 1e-4, "clipped at iteration 5: largest σ = " + after);
            assertTrue(gan.lastClip().clipped() > 0 && gan.lastClip().largestBefore() > 1, gan.lastClip().toString());
            assertTrue(gan.lastClip().gammas() > 0, "BatchNorm γ of D clipped too");
        }
    }

    private static void inflate(Tgan gan) {
        for (Pair<String, Parameter> p : gan.discriminator().getParameters()) {
            if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                NDArray w = p.getValue().getArray();
                float[] v = w.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] *= 20;
                }
                w.set(FloatBuffer.wrap(v));
            }
        }
    }

    private static double largestSpectralNorm(Tgan gan) {
        double max = 0;
        for (Pair<String, Parameter> p : gan.discriminator().getParameters()) {
            NDArray w = p.getValue().getArray();
            if (p.getValue().getType() == Parameter.Type.WEIGHT && w.getShape().dimension() >= 2) {
                int rows = (int) w.getShape().get(0);
                int cols = (int) (w.getShape().size() / rows);
                DMatrixRMaj a = new DMatrixRMaj(rows, cols, true,
                        w.toType(DataType.FLOAT64, false).toDoubleArray());
                double[] s = SingularOps_DDRM.singularValues(a);
                for (double v : s) {
                    max = Math.max(max, v);
                }
            }
        }
        return max;
    }

    @Test
    void originalTemporalGeneratorNeedsAPowerOfTwoFrames() {
        TrialSpec six = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR, "\"frames\": 6");
        int live = m.getManagedArrays().size();
        var e = assertThrows(IllegalArgumentException.class, () -> GanFactory.create(six, m, Device.cpu()));
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        assertEquals(live, m.getManagedArrays().size(), "a failed build frees what it allocated");
        var matched = assertThrows(IllegalArgumentException.class, () -> GanFactory.create(GanTestSupport.tiny(
                ModelFamily.TGAN, TemporalKind.ODE1, FVariant.MATCHED, "\"frames\": 6"), m, Device.cpu()));
        assertTrue(matched.getMessage().contains("matched"), matched.getMessage());
        assertEquals(live, m.getManagedArrays().size(), "a failed build frees what it allocated");
        // An ODE G_t with f = linear or deep has no such limit.
        TrialSpec odeSix = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ODE1, FVariant.LINEAR, "\"frames\": 6");
        try (VideoGan gan = GanFactory.create(odeSix, m, Device.cpu())) {
            assertEquals(6, gan.temporal().frames());
            assertEquals(-1, gan.originalTemporalParameterCount(), "no original G_t at 6 frames");
            GanTestSupport.train(gan, m, 0, 1);
        }
    }
}

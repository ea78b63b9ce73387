package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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

class MoCoGanTest {

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
        GanTestSupport.buildsStepsAndSamples(m, GanTestSupport.tiny(ModelFamily.MOCOGAN, kind, f), gan -> {
            assertEquals(List.of("G", "DI", "DV"), List.copyOf(gan.networks().keySet()));
            assertEquals(gan.networks().keySet(), gan.optimizerStates().keySet());
        });
    }

    @Test
    void stepsTrainTheOdeTemporalGeneratorAndBothDiscriminators() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.MOCOGAN, TemporalKind.ODE1, FVariant.LINEAR);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            Map<String, float[]> gt = GanTestSupport.snapshot(gan.temporal());
            Map<String, float[]> g = GanTestSupport.snapshot(gan.networks().get("G"));
            Map<String, float[]> di = GanTestSupport.snapshot(gan.networks().get("DI"));
            Map<String, float[]> dv = GanTestSupport.snapshot(gan.networks().get("DV"));
            GanTestSupport.train(gan, m, 0, 1);
            GanTestSupport.assertAllTrainableChanged("G_t", gan.temporal(), gt);
            GanTestSupport.assertAllTrainableChanged("G", gan.networks().get("G"), g);
            GanTestSupport.assertAllTrainableChanged("image D", gan.networks().get("DI"), di);
            GanTestSupport.assertAllTrainableChanged("video D", gan.networks().get("DV"), dv);
        }
    }

    @Test
    void imageDiscriminatorSeesTheChosenFrameOfEachVideo() {
        try (NDManager s = m.newSubManager()) {
            // video b, frame t holds the value 10·b + t everywhere
            float[] v = new float[3 * 2 * 5 * 2 * 2];
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 2; c++) {
                    for (int t = 0; t < 5; t++) {
                        for (int i = 0; i < 4; i++) {
                            v[(((b * 2 + c) * 5 + t) * 4) + i] = 10 * b + t;
                        }
                    }
                }
            }
            NDArray videos = s.create(v, new Shape(3, 2, 5, 2, 2));
            NDArray frames = MoCoGan.pick(videos, new int[] {4, 0, 2});
            assertEquals(new Shape(3, 2, 2, 2), frames.getShape());
            assertArrayEquals(new float[] {4, 10, 22}, frames.get(":, 0, 0, 0").toFloatArray());
        }
    }
}

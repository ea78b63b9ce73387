package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The gpu-paper step forms (the authors' scripts) at cpu-tiny sizes: TGAN's two-pass D, fresh latents for the G
 * update, MoCoGAN's four separate samples, TGANv2's G-then-D order, the one-hidden-layer MLP and the tanh diffusion.
 * Each builds, steps with finite losses and samples; and each switch changes what a step computes.
 */
class AuthorsStepTest {

    private static final String AUTHORS = "\"dJointBatch\": false, \"freshFakesForG\": true, \"mlpBeforeOde\": true, "
            + "\"mlpWidth\": 8, \"mlpLayers\": 1, \"sdeDiffusion\": \"tanh\"";

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = GanTestSupport.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    @ParameterizedTest
    @EnumSource(ModelFamily.class)
    void authorsStepFormsBuildStepAndSample(ModelFamily model) {
        for (TemporalKind kind : List.of(TemporalKind.ORIGINAL, TemporalKind.ODE1, TemporalKind.SDE)) {
            GanTestSupport.buildsStepsAndSamples(m,
                    GanTestSupport.tiny(model, kind, FVariant.LINEAR, AUTHORS), gan -> { });
        }
        if (model == ModelFamily.TGANV2) {
            GanTestSupport.buildsStepsAndSamples(m,
                    GanTestSupport.tiny(model, TemporalKind.ODE1, FVariant.LINEAR, AUTHORS + ", \"gFirst\": true"),
                    gan -> { });
        }
    }

    @Test
    void twoPassDiscriminatorChangesTheDLoss() {
        assertNotEquals(firstStep(ModelFamily.TGAN, "\"dJointBatch\": true").get("d_loss"),
                firstStep(ModelFamily.TGAN, "\"dJointBatch\": false").get("d_loss"));
    }

    @ParameterizedTest
    @EnumSource(ModelFamily.class)
    void freshLatentsChangeTheGLoss(ModelFamily model) {
        assertNotEquals(firstStep(model, "\"freshFakesForG\": false").get("g_loss"),
                firstStep(model, "\"freshFakesForG\": true").get("g_loss"));
    }

    @Test
    void gFirstChangesTheGLoss() {
        // G first: G's loss is measured against D before its update; D first: after it.
        assertNotEquals(firstStep(ModelFamily.TGANV2, "\"gFirst\": false").get("g_loss"),
                firstStep(ModelFamily.TGANV2, "\"gFirst\": true").get("g_loss"));
    }

    private static Map<String, Double> firstStep(ModelFamily model, String overrides) {
        TrialSpec spec = GanTestSupport.tiny(model, TemporalKind.ODE1, FVariant.LINEAR, overrides);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            return GanTestSupport.train(gan, m, 0, 1).get(0);
        }
    }
}

package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.ndevid.training.gan.nets.Discriminators;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gpu-paper step forms (the authors' scripts) at cpu-tiny sizes: TGAN's two-pass D, fresh latents for the G
 * update, MoCoGAN's four separate samples, TGANv2's G-then-D order, the one-hidden-layer MLP, the tanh diffusion and
 * the authors' initialisation.
 * Each builds, steps with finite losses and samples; and each switch changes what a step computes.
 */
class AuthorsStepTest {

    private static final String AUTHORS = "\"dJointBatch\": false, \"freshFakesForG\": true, \"mlpBeforeOde\": true, "
            + "\"mlpWidth\": 8, \"mlpLayers\": 1, \"sdeDiffusion\": \"tanh\", \"init\": \"authors\", "
            + "\"mocoganNets\": \"authors\", \"odeForm\": \"authors\", \"ghOutputTanh\": false";

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
        for (TemporalKind kind : List.of(TemporalKind.ORIGINAL, TemporalKind.ODE1, TemporalKind.ODE2,
                TemporalKind.SDE)) {
            GanTestSupport.buildsStepsAndSamples(m, GanTestSupport.tiny(model, kind,
                    kind == TemporalKind.ODE2 ? FVariant.MATCHED : FVariant.LINEAR, AUTHORS), gan -> { });
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

    /**
     * The authors' TGANv2 at a small size of theirs (24 px = 3·2³, width 4): a 3×3 seed map, levels at 6, 12, 24 px
     * with 16, 4 and 1 frames and the whole batch at each, five-block Ds; it steps and samples.
     */
    @Test
    void authorsTganv2LevelsSubsampleOneFrameInFourAndKeepTheBatch() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGANV2, TemporalKind.ORIGINAL, FVariant.LINEAR,
                "\"tganv2Arch\": \"authors\", \"frameSize\": 24, \"frames\": 16, \"init\": \"authors\"");
        GanTestSupport.buildsStepsAndSamples(m, spec, gan -> {
            TganV2 v2 = (TganV2) gan;
            assertEquals(3, v2.levels());
            List<Shape> fakes = v2.lastFakeShapes();
            assertEquals(new Shape(spec.batchSize(), 1, 16, 6, 6), fakes.get(0));
            assertEquals(new Shape(spec.batchSize(), 1, 4, 12, 12), fakes.get(1));
            assertEquals(new Shape(spec.batchSize(), 1, 1, 24, 24), fakes.get(2));
            assertEquals(fakes, v2.lastRealShapes());
        });
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GanTestSupport.tiny(ModelFamily.TGANV2, TemporalKind.ORIGINAL, FVariant.LINEAR,
                        "\"tganv2Arch\": \"authors\", \"frameSize\": 32"));
        assertTrue(e.getMessage().contains("frameSize must be 3·2^k"), e.getMessage());
    }

    /** MoCoGAN's full video D at the authors' 64 px, 16 frames: one logit per video, no bias anywhere. */
    @Test
    void mocoganFullVideoDGivesOneLogitPerVideoAt64Px() {
        try (NDManager s = m.newSubManager()) {
            ai.djl.nn.SequentialBlock d = Discriminators.mocoganVideoFull(64, 16, 2);
            Shape in = new Shape(2, 3, 16, 64, 64);
            d.initialize(s, ai.djl.ndarray.types.DataType.FLOAT32, in);
            NDArray y = d.forward(new ai.djl.training.ParameterStore(s, false),
                    new ai.djl.ndarray.NDList(s.randomUniform(-1, 1, in)), true).singletonOrThrow();
            assertEquals(new Shape(2, 1, 1, 1, 1), y.getShape());
            for (Pair<String, Parameter> p : d.getParameters()) {
                assertTrue(p.getValue().getType() != Parameter.Type.BIAS, "no bias: " + p.getKey());
            }
        }
    }

    /** init authors: TGAN's D Xavier-normal √2 with PyTorch-default biases; MoCoGAN's PyTorch defaults. */
    @Test
    void authorsInitDrawsTheirDistributions() {
        TrialSpec tgan = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ODE1, FVariant.LINEAR,
                "\"init\": \"authors\", \"width\": 16");
        try (VideoGan gan = GanFactory.create(tgan, m, Device.cpu())) {
            NDArray w = first(gan.networks().get("D"), Parameter.Type.WEIGHT);
            long rf = w.getShape().get(2) * w.getShape().get(3) * w.getShape().get(4);
            double expected = Math.sqrt(2) * Math.sqrt(2.0 / ((w.getShape().get(0) + w.getShape().get(1)) * rf));
            double std = Math.sqrt(w.square().mean().getFloat());
            assertEquals(expected, std, 0.1 * expected, "D weights: Xavier-normal √2");
            assertUniformWithin(first(gan.networks().get("D"), Parameter.Type.BIAS),
                    1 / Math.sqrt(w.getShape().get(1) * rf), "D bias: PyTorch's default");
        }
        TrialSpec moco = GanTestSupport.tiny(ModelFamily.MOCOGAN, TemporalKind.ODE1, FVariant.LINEAR,
                "\"init\": \"authors\", \"width\": 16");
        try (VideoGan gan = GanFactory.create(moco, m, Device.cpu())) {
            NDArray w = first(gan.networks().get("DI"), Parameter.Type.WEIGHT);
            assertUniformWithin(w, 1 / Math.sqrt(w.getShape().get(1) * w.getShape().get(2) * w.getShape().get(3)),
                    "image D weight: PyTorch's default");
        }
    }

    private static NDArray first(ai.djl.nn.Block b, Parameter.Type type) {
        for (Pair<String, Parameter> p : b.getParameters()) {
            if (p.getValue().getType() == type) {
                return p.getValue().getArray();
            }
        }
        throw new AssertionError("no " + type + " in " + b);
    }

    /** Every value within ±bound and the largest beyond 0.8·bound (a uniform draw over the whole interval). */
    private static void assertUniformWithin(NDArray a, double bound, String what) {
        double max = a.abs().max().getFloat();
        assertTrue(max <= bound * (1 + 1e-6) && max > 0.8 * bound, what + ": max |v| " + max + ", bound " + bound);
    }

    private static Map<String, Double> firstStep(ModelFamily model, String overrides) {
        TrialSpec spec = GanTestSupport.tiny(model, TemporalKind.ODE1, FVariant.LINEAR, overrides);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            return GanTestSupport.train(gan, m, 0, 1).get(0);
        }
    }
}

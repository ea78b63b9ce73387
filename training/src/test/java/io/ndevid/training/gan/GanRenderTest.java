package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rendering at 2× the frame rate from the latents {@code sample} draws; the original G_t refuses. */
class GanRenderTest {

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
    void odeRenderAtTwiceTheFrameRateIsTheSampleDenser(ModelFamily model) {
        TrialSpec spec = GanTestSupport.tiny(model, TemporalKind.ODE1, FVariant.LINEAR);
        int t = spec.frames();
        double[] times = TemporalGenerator.renderTimes(t, 2, 0, 1);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu()); NDManager s = m.newSubManager()) {
            GanTestSupport.train(gan, m, 0, 3); // BatchNorm running statistics away from their initial values
            NDArray sample = gan.sample(s, 2, 5);
            NDArray again = gan.sample(s, 2, 5);
            NDArray other = gan.sample(s, 2, 6);
            assertEquals(0f, sample.sub(again).abs().max().getFloat(), "same seed, same videos");
            // (Early in training TGAN's and MoCoGAN's samples vary little: small initial weights, and BatchNorm's
            // running variance still near its initial 1.)
            assertTrue(sample.sub(other).abs().max().getFloat() > 1e-6, "another seed, other videos");

            NDArray dense = gan.render(s, 2, 5, times);
            assertEquals(new Shape(2, spec.channels(), 2L * (t - 1) + 1, spec.frameSize(), spec.frameSize()),
                    dense.getShape());
            NDArray even = dense.get(new NDIndex(":, :, ::2"));
            float diff = even.sub(sample).abs().max().getFloat();
            float motion = sample.get(new NDIndex(":, :, 1:")).sub(sample.get(new NDIndex(":, :, :-1"))).abs().max()
                    .getFloat();
            System.out.printf("%s: render 2× vs sample max |Δ| = %.2e (frame-to-frame change %.2e)%n",
                    spec.configId(), diff, motion);
            assertTrue(diff < 1e-3, "even frames of the 2× render are the sample's frames: " + diff);
            assertTrue(motion > 10 * diff, "the check is not vacuous: frames do move (" + motion + ")");
            NDArray odd = dense.get(new NDIndex(":, :, 1::2"));
            assertTrue(odd.sub(sample.get(new NDIndex(":, :, :-1"))).abs().max().getFloat() > 0,
                    "in-between frames are new");
        }
    }

    @ParameterizedTest
    @EnumSource(ModelFamily.class)
    void sdeRendersTheSameBrownianPathDenser(ModelFamily model) {
        TrialSpec spec = GanTestSupport.tiny(model, TemporalKind.SDE, FVariant.LINEAR);
        int t = spec.frames();
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu()); NDManager s = m.newSubManager()) {
            NDArray sample = gan.sample(s, 2, 5);
            NDArray dense = gan.render(s, 2, 5, TemporalGenerator.renderTimes(t, 2, 0, 1));
            assertEquals(new Shape(2, spec.channels(), 2L * (t - 1) + 1, spec.frameSize(), spec.frameSize()),
                    dense.getShape());
            float diff = dense.get(new NDIndex(":, :, ::2")).sub(sample).abs().max().getFloat();
            System.out.printf("%s: SDE render 2× vs sample max |Δ| = %.2e%n", spec.configId(), diff);
            assertTrue(diff < 0.05, "same Brownian path, within the solver's discretisation: " + diff);
            NDArray before = gan.render(s, 1, 5, new double[] {-0.5, 0, 0.5});
            assertEquals(3, before.getShape().get(2), "renders before frame 0");
        }
    }

    @ParameterizedTest
    @EnumSource(ModelFamily.class)
    void originalTemporalGeneratorCannotRender(ModelFamily model) {
        TrialSpec spec = GanTestSupport.tiny(model, TemporalKind.ORIGINAL, FVariant.LINEAR);
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu()); NDManager s = m.newSubManager()) {
            var e = assertThrows(UnsupportedOperationException.class,
                    () -> gan.render(s, 1, 1, TemporalGenerator.renderTimes(spec.frames(), 2, 0, 1)));
            assertTrue(e.getMessage().contains("ODE or SDE"), e.getMessage());
        }
    }
}

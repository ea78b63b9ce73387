package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.gan.nets.Layers;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** f = matched: G_t's trainable parameters within 5 % of the base model's original G_t at the same sizes. */
class MatchedParametersTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = GanTestSupport.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    @Test
    void matchedTemporalGeneratorsHaveTheOriginalsParameterCount() {
        for (ModelFamily model : ModelFamily.values()) {
            long original;
            try (VideoGan base = GanFactory.create(GanTestSupport.tiny(model, TemporalKind.ORIGINAL,
                    FVariant.LINEAR), m, Device.cpu())) {
                original = base.temporalParameterCount();
                assertEquals(original, base.originalTemporalParameterCount());
                assertEquals(original, Layers.trainableParameters(base.temporal()));
            }
            for (TemporalKind kind : List.of(TemporalKind.ODE1, TemporalKind.ODE2, TemporalKind.ODE3,
                    TemporalKind.SDE)) {
                TrialSpec spec = GanTestSupport.tiny(model, kind, FVariant.MATCHED);
                try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
                    long n = gan.temporalParameterCount();
                    System.out.println(((AbstractVideoGan) gan).temporalSummary());
                    assertEquals(original, gan.originalTemporalParameterCount(), "counted at the same sizes");
                    assertEquals(n, Layers.trainableParameters(gan.temporal()), "the count is what G_t holds");
                    assertTrue(((AbstractVideoGan) gan).temporal.hidden() > 0, "a hidden width was solved");
                    assertTrue(Math.abs(n - original) <= 0.05 * original,
                            spec.configId() + ": " + n + " vs original " + original);
                }
            }
        }
    }

    @Test
    void matchedWithAnMlpLargerThanTheOriginalIsRefusedClearly() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.MOCOGAN, TemporalKind.ODE1, FVariant.MATCHED,
                "\"mlpBeforeOde\": true, \"mlpWidth\": 256");
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GanFactory.create(spec, m, Device.cpu()));
        assertTrue(e.getMessage().contains("matched") && e.getMessage().contains("mlpWidth"), e.getMessage());
    }

    @Test
    void mlpBeforeTheOdeCountsAgainstTheMatchedBudget() {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ODE1, FVariant.MATCHED,
                "\"mlpBeforeOde\": true, \"mlpWidth\": 16");
        TrialSpec without = GanTestSupport.tiny(ModelFamily.TGAN, TemporalKind.ODE1, FVariant.MATCHED);
        try (AbstractVideoGan with = (AbstractVideoGan) GanFactory.create(spec, m, Device.cpu());
             AbstractVideoGan plain = (AbstractVideoGan) GanFactory.create(without, m, Device.cpu())) {
            System.out.println(with.temporalSummary() + " (with the MLP)");
            assertTrue(with.temporal.hidden() < plain.temporal.hidden(), "the MLP leaves f fewer parameters");
            assertTrue(Math.abs(with.temporalParameterCount() - with.originalTemporalParameterCount())
                    <= 0.05 * with.originalTemporalParameterCount());
        }
    }
}

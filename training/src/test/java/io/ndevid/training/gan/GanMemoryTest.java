package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only parameters and optimizer state persist: after 50 steps (and samples) the arrays alive in the manager are the
 * ones alive after the first step (when the optimizers created their state); closing the model frees them all. With
 * the SDE noise made ahead on another thread too (host arrays only: nothing of it lives in a manager).
 */
class GanMemoryTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = GanTestSupport.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    @ParameterizedTest(name = "{0} / {1} / noise made ahead: {2}")
    @CsvSource({"tgan, ode1, false", "mocogan, original, false", "tganv2, sde, false", "mocogan, sde, true"})
    void noArraysLeakOverFiftySteps(String model, String kind, boolean prefetch) {
        // 50 iterations in the spec: a model asks for no noise past its last iteration
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.parse(model), TemporalKind.parse(kind), FVariant.LINEAR,
                "\"iterations\": 50");
        NoisePrefetch noise = prefetch ? NoisePrefetch.onDaemonThread("test-noise-memory") : null;
        int before = m.getManagedArrays().size();
        int afterFirst;
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu(), noise)) {
            GanTestSupport.train(gan, m, 0, 1);
            afterFirst = m.getManagedArrays().size();
            for (int i = 1; i < 50; i += 7) {
                GanTestSupport.train(gan, m, i, Math.min(50, i + 7));
                try (NDManager s = m.newSubManager()) {
                    gan.sample(s, 2, i);
                }
                assertEquals(afterFirst, m.getManagedArrays().size(), "live arrays after step " + i);
            }
        }
        assertEquals(before, m.getManagedArrays().size(), "closing the model frees everything");
        if (noise != null) {
            assertTrue(noise.stats().ready() + noise.stats().waited() > 0, "noise made ahead was used");
        }
        System.out.printf("%s: %d arrays live during training, flat over 50 steps%n", spec.configId(),
                afterFirst - before);
    }
}

package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Train 3, checkpoint (networks + optimizer states as bytes), rebuild, load, train 3 = 6 straight, to the bit. */
class GanResumeTest {

    private static NDManager m;

    @BeforeAll
    static void start() {
        m = GanTestSupport.manager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    @ParameterizedTest(name = "{0} / {1} / {2}")
    @CsvSource({"tgan, original, linear", "mocogan, original, linear", "tganv2, original, linear",
            "tgan, ode2, matched", "mocogan, sde, deep", "tganv2, ode1, linear"})
    void resumedTrainingReproducesTheStraightRunBitForBit(String model, String kind, String f) throws Exception {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.parse(model), TemporalKind.parse(kind), FVariant.parse(f));
        List<Map<String, Double>> straight;
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            straight = GanTestSupport.train(gan, m, 0, 6);
        }
        Map<String, byte[]> nets;
        Map<String, byte[]> opts;
        List<Map<String, Double>> first;
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            first = GanTestSupport.train(gan, m, 0, 3);
            nets = GanTestSupport.saveNetworks(gan);
            opts = gan.optimizerStates();
        }
        List<Map<String, Double>> second;
        try (VideoGan fresh = GanFactory.create(spec, m, Device.cpu())) {
            GanTestSupport.loadNetworks(fresh, m, nets);
            fresh.loadOptimizerStates(opts);
            second = GanTestSupport.train(fresh, m, 3, 6);
        }
        List<Map<String, Double>> withoutOptimizerState;
        try (VideoGan fresh = GanFactory.create(spec, m, Device.cpu())) {
            GanTestSupport.loadNetworks(fresh, m, nets);
            withoutOptimizerState = GanTestSupport.train(fresh, m, 3, 6);
        }
        assertNotEquals(straight.get(5), withoutOptimizerState.get(2), "the optimizer state matters (test can fail)");
        for (int i = 0; i < 3; i++) {
            assertEquals(straight.get(i), first.get(i), "iteration " + i + " (same start)");
            assertEquals(straight.get(3 + i), second.get(i), "iteration " + (3 + i) + " after resuming");
        }
        assertNotEquals(straight.get(3).get("g_loss"), straight.get(4).get("g_loss"), "losses move");
        System.out.printf("%s: resumed losses equal the straight run (%s)%n", spec.configId(), straight.get(5));
    }
}

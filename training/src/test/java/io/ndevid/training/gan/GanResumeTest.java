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

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Train 3, checkpoint (networks + optimizer states as bytes), rebuild, load, train 3 = 6 straight, to the bit; and
 * the same with the SDE noise made ahead on another thread.
 */
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

    /**
     * The SDE's noise made ahead on a background thread ({@link NoisePrefetch}, as {@code Trials} runs a trial)
     * changes nothing: 6 straight steps with it, and 3 + checkpoint + rebuild + 3 with it, give the losses of 6
     * straight steps without it, bit for bit — with one SDE render per step, and with the authors' fresh samples
     * (TGAN and TGANv2 two renders, MoCoGAN four). Every render consulted the prefetch, and some took noise made
     * ahead (a block still queued when its step comes is drawn by the step: the count of each varies with load).
     */
    @ParameterizedTest(name = "{0} / sde / fresh fakes for G: {1}")
    @CsvSource({"tgan, false", "mocogan, false", "mocogan, true", "tganv2, true"})
    void noiseMadeAheadChangesNoLossStraightOrResumed(String model, boolean fresh) throws Exception {
        TrialSpec spec = GanTestSupport.tiny(ModelFamily.parse(model), TemporalKind.SDE, FVariant.LINEAR,
                "\"freshFakesForG\": " + fresh);
        int renders = !fresh ? 1 : model.equals("mocogan") ? 4 : 2;
        List<Map<String, Double>> off;
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            off = GanTestSupport.train(gan, m, 0, 6);
        }
        NoisePrefetch straightNoise = NoisePrefetch.onDaemonThread("test-noise-straight");
        List<Map<String, Double>> on;
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu(), straightNoise)) {
            on = GanTestSupport.train(gan, m, 0, 6);
        }
        assertTrue(straightNoise.isTerminated(), "closing the model stops its prefetch thread");
        Map<String, byte[]> nets;
        Map<String, byte[]> opts;
        NoisePrefetch firstNoise = NoisePrefetch.onDaemonThread("test-noise-first");
        List<Map<String, Double>> first;
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu(), firstNoise)) {
            first = GanTestSupport.train(gan, m, 0, 3);
            nets = GanTestSupport.saveNetworks(gan);
            opts = gan.optimizerStates();
        }
        NoisePrefetch resumedNoise = NoisePrefetch.onDaemonThread("test-noise-resumed");
        List<Map<String, Double>> second;
        try (VideoGan fresh2 = GanFactory.create(spec, m, Device.cpu(), resumedNoise)) {
            GanTestSupport.loadNetworks(fresh2, m, nets);
            fresh2.loadOptimizerStates(opts);
            second = GanTestSupport.train(fresh2, m, 3, 6);
        }
        assertEquals(off, on, "6 straight steps, noise made ahead");
        for (int i = 0; i < 3; i++) {
            assertEquals(off.get(i), first.get(i), "iteration " + i + " (noise made ahead)");
            assertEquals(off.get(3 + i), second.get(i), "iteration " + (3 + i) + " resumed (noise made ahead)");
        }
        assertNotEquals(off.get(4).get("g_loss"), off.get(5).get("g_loss"), "losses move");
        for (NoisePrefetch p : List.of(straightNoise, firstNoise, resumedNoise)) {
            NoisePrefetch.Stats st = p.stats();
            long steps = p == straightNoise ? 6 : 3;
            assertEquals(steps * renders, st.ready() + st.waited() + st.inline(), "every render consulted: " + st);
        }
        NoisePrefetch.Stats st = straightNoise.stats();
        assertTrue(st.ready() + st.waited() > 0, "steps took noise made ahead: " + st);
        System.out.printf("%s fresh=%s: losses equal with and without noise made ahead, straight and resumed; "
                + "straight run %s%n", spec.configId(), fresh, st);
    }
}

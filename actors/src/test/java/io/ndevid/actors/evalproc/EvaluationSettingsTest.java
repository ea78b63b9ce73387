package io.ndevid.actors.evalproc;

import io.ndevid.actors.cluster.ClusterConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ndevid.evaluation.* read once from a node's configuration: base.conf's values, overrides, bad values named. */
class EvaluationSettingsTest {

    private static EvaluationSettings load(Map<String, ?> overrides) {
        return EvaluationSettings.from(ClusterConfig.load(new ClusterConfig.NodeAddress(List.of("trainer"),
                "127.0.0.1", 0, List.of("127.0.0.1:25520")), null, null, overrides));
    }

    @Test
    void baseConfHoldsTheDefaultsAndOverridesApply() {
        assertEquals(new EvaluationSettings(Duration.ofMinutes(10), Duration.ofSeconds(60), 2, true, 1, 7401,
                Duration.ofMinutes(10)), load(Map.of()));
        EvaluationSettings s = load(Map.of("ndevid.evaluation.renderers", 3, "ndevid.evaluation.local-fallback",
                "off"));
        assertEquals(3, s.renderers());
        assertEquals(false, s.localFallback());
    }

    @Test
    void anEmptyPoolIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> load(Map.of("ndevid.evaluation.renderers", 0)));
        assertTrue(e.getMessage().contains("renderers ≥ 1"), e.getMessage());
    }
}

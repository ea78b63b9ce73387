package io.ndevid.training.spec;

import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecIOTest {

    @Test
    void presetPlusOverridesRoundTrips() {
        TrialSpec s = SpecIO.parse("{\"preset\":\"cpu-tiny\",\"model\":\"mocogan\",\"temporal\":\"ode2\","
                + "\"f\":\"matched\",\"iterations\":9,\"seed\":5}");
        assertEquals(ModelFamily.MOCOGAN, s.model());
        assertEquals(TemporalKind.ODE2, s.temporal());
        assertEquals(FVariant.MATCHED, s.f());
        assertEquals(9, s.iterations());
        assertEquals(5, s.seed());
        assertEquals("mocogan-ode2-matched", s.name());
        assertEquals("mocogan / ode2 / matched", s.configId());
        String json = SpecIO.write(s);
        assertTrue(json.contains("\"model\" : \"mocogan\""), json);
        assertEquals(s, SpecIO.parse(json));
    }

    @Test
    void everyPresetBuildsForEveryCell() {
        for (String p : Presets.NAMES) {
            for (ModelFamily m : ModelFamily.values()) {
                for (TemporalKind k : TemporalKind.values()) {
                    for (FVariant f : FVariant.values()) {
                        TrialSpec s = Presets.of(p, m, k, f);
                        assertEquals(p, s.preset());
                    }
                }
            }
        }
    }

    /** fHidden: a preset's value, overridable, and 0 in spec files and run folders written before it existed. */
    @Test
    void fHiddenDefaultsToThePresetAndOldSpecsLoad() {
        for (String p : List.of("cpu-tiny", "cpu-small")) {
            for (TemporalKind k : TemporalKind.values()) {
                assertEquals(0, Presets.of(p, ModelFamily.MOCOGAN, k, FVariant.DEEP).fHidden(), "CPU presets");
            }
        }
        assertEquals(49, SpecIO.parse("{\"preset\": \"gpu-paper\", \"model\": \"mocogan\", \"temporal\": \"ode3\", "
                + "\"f\": \"deep\"}").fHidden());
        assertEquals(32, SpecIO.parse("{\"model\": \"mocogan\", \"temporal\": \"ode2\", \"f\": \"deep\", "
                + "\"fHidden\": 32}").fHidden());
        // a whole spec written before fHidden (a run folder's spec.json, a journal's trials) reads as 0
        TrialSpec s = Presets.of("gpu-paper", ModelFamily.MOCOGAN, TemporalKind.ODE2, FVariant.LINEAR);
        ObjectNode old = SpecIO.json().valueToTree(s);
        old.remove("fHidden");
        assertFalse(old.has("fHidden"));
        TrialSpec back = assertDoesNotThrow(() -> SpecIO.json().treeToValue(old, TrialSpec.class));
        assertEquals(s, back);
        // and a spec file without it: the preset's rule
        assertEquals(0, SpecIO.parse("{\"preset\": \"cpu-small\", \"model\": \"mocogan\", \"temporal\": "
                + "\"ode2\", \"f\": \"deep\"}").fHidden());
        var negative = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"f\": \"deep\", "
                + "\"temporal\": \"ode1\", \"fHidden\": -1}"));
        assertTrue(negative.getMessage().contains("fHidden must be ≥ 0"), negative.getMessage());
        var linear = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"f\": \"linear\", "
                + "\"temporal\": \"ode2\", \"fHidden\": 49}"));
        assertTrue(linear.getMessage().contains("fHidden sets the g∘h width of f = deep only"), linear.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"f\": \"matched\", \"temporal\": "
                + "\"ode2\", \"fHidden\": 49}"));
    }

    @Test
    void badSpecsNameTheProblem() {
        var typo = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"iteratons\": 5}"));
        assertTrue(typo.getMessage().contains("iteratons") && typo.getMessage().contains("iterations"),
                typo.getMessage());
        var model = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"model\": \"vgan\"}"));
        assertTrue(model.getMessage().contains("vgan"), model.getMessage());
        var range = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"frameSize\": 24}"));
        assertTrue(range.getMessage().contains("power of two"), range.getMessage());
        var notJson = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{model: "));
        assertTrue(notJson.getMessage().contains("not valid JSON"), notJson.getMessage());
        var gpu1 = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"device\": \"gpu:1\"}"));
        assertTrue(gpu1.getMessage().contains("device must be cpu, gpu or auto, got 'gpu:1'")
                && gpu1.getMessage().contains("CUDA_VISIBLE_DEVICES"), gpu1.getMessage());
        assertEquals("gpu", SpecIO.parse("{\"device\": \"gpu\"}").device());
        assertEquals("gpu", Presets.of("gpu-paper", ModelFamily.TGAN, TemporalKind.ODE1, FVariant.LINEAR).device(),
                "gpu-paper trials never land on a CPU slot");
        var preset = assertThrows(IllegalArgumentException.class, () -> SpecIO.parse("{\"preset\": \"huge\"}"));
        assertTrue(preset.getMessage().contains("cpu-small"), preset.getMessage());
    }
}

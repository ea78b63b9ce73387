package io.ndevid.study;

import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StudyGridTest {

    private static final List<String> CPU_TRIALS = List.of(
            "tgan-original-s0", "tgan-ode1-linear-s0", "tgan-ode1-deep-s0", "tgan-ode1-matched-s0",
            "tgan-ode2-linear-s0", "tgan-ode3-linear-s0", "tgan-sde-linear-s0",
            "mocogan-original-s0", "mocogan-ode1-linear-s0", "mocogan-ode1-deep-s0", "mocogan-ode1-matched-s0",
            "mocogan-ode2-linear-s0", "mocogan-ode3-linear-s0", "mocogan-sde-linear-s0");

    @Test
    void cpuPresetsRunTganAndMocoganOrdersPlusTheFAblation() {
        for (String preset : List.of("cpu-tiny", "cpu-small")) {
            GridSpec g = StudyGrid.forPreset(preset);
            List<TrialSpec> all = g.expand();
            assertEquals(14 * StudyGrid.DEFAULT_SEEDS, g.size());
            assertEquals(List.of("tgan-original-s0", "tgan-original-s1", "tgan-original-s2"),
                    all.subList(0, 3).stream().map(TrialSpec::name).toList(), "seeds vary fastest, named by seed");
            assertEquals(List.of(0L, 1L, 2L), all.subList(0, 3).stream().map(TrialSpec::seed).toList());
            List<TrialSpec> trials = all.stream().filter(t -> t.seed() == 0).toList();
            assertEquals(CPU_TRIALS, trials.stream().map(TrialSpec::name).toList());
            assertEquals(14, StudyGrid.forPreset(preset, Map.of(), List.of(), StudyGrid.seeds(1)).size());
            assertEquals("tgan / ode1 / deep", trials.get(2).configId());
            assertEquals("mocogan / original / -", trials.get(7).configId());
            assertTrue(trials.stream().allMatch(t -> t.preset().equals(preset)));
            assertEquals("ablation-" + preset, g.name());
            assertFalse(StudyGrid.omitted(preset).isEmpty(), "the CPU presets say TGANv2 is left out");
        }
    }

    @Test
    void gpuPaperAddsTganV2AcrossTheOrders() {
        GridSpec g = StudyGrid.forPreset("gpu-paper");
        List<String> names = g.expand().stream().map(TrialSpec::name).toList();
        assertEquals(19 * StudyGrid.DEFAULT_SEEDS, names.size());
        assertTrue(names.containsAll(List.of("tganv2-original-s0", "tganv2-ode1-linear-s0", "tganv2-ode2-linear-s0",
                "tganv2-ode3-linear-s0", "tganv2-sde-linear-s0")));
        assertFalse(names.contains("tganv2-ode1-deep-s0"), "the f(x) ablation is TGAN and MoCoGAN only");
        assertTrue(StudyGrid.omitted("gpu-paper").isEmpty());
    }

    /**
     * gpu-paper's MoCoGAN ode2/ode3 are the authors' runs: f = deep with g∘h hidden 49; every other order cell (and
     * every cell with --linear-orders, the seed paper's controlled form) is f = linear.
     */
    @Test
    void gpuPaperMocoganOrderCellsFollowTheAuthorsAndLinearOrdersKeepsThePapersForm() {
        List<TrialSpec> trials = StudyGrid.forPreset("gpu-paper").expand();
        List<String> names = trials.stream().map(TrialSpec::name).toList();
        assertTrue(names.containsAll(List.of("mocogan-ode2-deep-s0", "mocogan-ode3-deep-s0", "tgan-ode2-linear-s0",
                "tgan-ode3-linear-s0", "tganv2-ode2-linear-s0", "mocogan-ode1-linear-s0", "mocogan-sde-linear-s0")),
                names.toString());
        assertFalse(names.contains("mocogan-ode2-linear-s0") || names.contains("mocogan-ode3-linear-s0"),
                names.toString());
        assertEquals(names.size(), new java.util.HashSet<>(names).size(), "names are unique");
        for (TrialSpec t : trials) {
            boolean authors = t.name().startsWith("mocogan-ode2-deep-") || t.name().startsWith("mocogan-ode3-deep-");
            assertEquals(authors ? 49 : 0, t.fHidden(), t.name());
        }
        TrialSpec ode2 = trials.get(names.indexOf("mocogan-ode2-deep-s0"));
        assertEquals("mocogan / ode2 / deep", ode2.configId());
        assertFalse(ode2.mlpBeforeOde());
        assertFalse(ode2.ghOutputTanh());
        assertEquals("authors", ode2.odeForm());

        GridSpec linear = StudyGrid.forPreset("gpu-paper", Map.of(), List.of(), StudyGrid.seeds(1), true);
        List<String> lin = linear.expand().stream().map(TrialSpec::name).toList();
        assertEquals(19, lin.size());
        assertTrue(lin.containsAll(List.of("mocogan-ode2-linear-s0", "mocogan-ode3-linear-s0")), lin.toString());
        assertTrue(linear.expand().stream().allMatch(t -> t.fHidden() == 0));
        // the CPU presets: f = linear at every order either way
        assertEquals(StudyGrid.forPreset("cpu-small"), StudyGrid.forPreset("cpu-small", Map.of(), List.of(),
                StudyGrid.seeds(StudyGrid.DEFAULT_SEEDS), true));
    }

    @Test
    void theStudyGridSurvivesJsonAndOnlyIsValidated() {
        GridSpec g = StudyGrid.forPreset("cpu-tiny", Map.of("iterations", com.fasterxml.jackson.databind.node.IntNode.valueOf(4)));
        GridSpec back = GridSpec.parse(g.toJson());
        assertEquals(g, back);
        assertTrue(back.expand().stream().allMatch(t -> t.iterations() == 4));
        assertEquals(g.expand().size(), back.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\":\"x\",\"models\":[\"tgan\"],\"temporal\":[\"ode1\"],\"only\":[\"tgan-ode2-linear\"]}"));
        assertTrue(e.getMessage().contains("only: 'tgan-ode2-linear'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StudyGrid.forPreset("cpu-huge"));
        assertThrows(IllegalArgumentException.class, () -> StudyGrid.seeds(0));
    }
}

package io.ndevid.study;

import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GridSpecTest {

    private static final String PAPER_GRID = """
            {"name": "ablation", "preset": "cpu-tiny",
             "models": ["tgan", "mocogan", "tganv2"],
             "temporal": ["original", "ode1", "ode2", "ode3", "sde"],
             "f": ["linear", "deep", "matched"],
             "seeds": [0, 1],
             "overrides": {"iterations": 50}}""";

    @Test
    void thePapersGridExpandsToModelsTimesTemporalTimesFWithoutFForTheOriginal() {
        GridSpec g = GridSpec.parse(PAPER_GRID);
        List<TrialSpec> trials = g.expand();
        // per model: original (1) + 4 continuous G_t × 3 f = 13; × 3 models × 2 seeds
        assertEquals(78, trials.size());
        assertEquals(78, g.size());
        assertEquals(78, new HashSet<>(trials.stream().map(TrialSpec::name).toList()).size(), "names are unique");
        assertEquals("tgan-original-s0", trials.get(0).name());
        assertEquals("tgan-original-s1", trials.get(1).name());
        assertEquals("tgan-ode1-linear-s0", trials.get(2).name());
        TrialSpec t = trials.stream().filter(s -> s.name().equals("mocogan-sde-matched-s1")).findFirst().orElseThrow();
        assertEquals(TemporalKind.SDE, t.temporal());
        assertEquals(1, t.seed());
        assertEquals(50, t.iterations());
        assertEquals("cpu-tiny", t.preset());
        assertEquals("mocogan / sde / matched", t.configId());
    }

    @Test
    void searchAxesMultiplyAndNameTheirValues() {
        GridSpec g = GridSpec.parse("""
                {"name": "lr", "preset": "cpu-tiny", "models": ["tgan"], "temporal": ["ode1"],
                 "search": {"lrG": [0.0001, 0.0002], "batchSize": [4, 8]}, "seeds": [3]}""");
        List<TrialSpec> trials = g.expand();
        assertEquals(4, trials.size());
        assertEquals("tgan-ode1-linear-lrG1.0E-4-batchSize4-s3", trials.get(0).name());
        assertEquals(1e-4, trials.get(0).lrG());
        assertEquals(8, trials.get(1).batchSize());
        assertEquals(2e-4, trials.get(3).lrG());
        assertEquals(8, trials.get(3).batchSize());
    }

    @Test
    void defaultsAreOneLinearFOneSeedThreeRetries() {
        GridSpec g = GridSpec.parse("{\"name\": \"d\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"]}");
        assertEquals("cpu-small", g.preset());
        assertEquals(3, g.maxFailures());
        assertEquals(GridSpec.DEFAULT_MAX_TRIALS, g.maxTrials());
        assertEquals(List.of("tgan-ode1-linear-s0"), g.expand().stream().map(TrialSpec::name).toList());
    }

    @Test
    void jsonRoundTrips() {
        GridSpec g = GridSpec.parse(PAPER_GRID);
        assertEquals(g, GridSpec.parse(g.toJson()));
    }

    @Test
    void unknownFieldsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"], \"seed\": [1]}"));
        assertTrue(e.getMessage().contains("unknown grid field(s) [seed]"), e.getMessage());
        assertTrue(e.getMessage().contains("seeds"), "lists the known fields: " + e.getMessage());
        var o = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"], \"overrides\": {\"iters\": 3}}")
                .expand());
        assertTrue(o.getMessage().contains("unknown spec field(s) [iters]"), o.getMessage());
    }

    @Test
    void emptyOrMissingAxesAreErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [], \"temporal\": [\"ode1\"]}"));
        assertTrue(e.getMessage().contains("'models' is an empty axis"), e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"]}"));
        assertTrue(m.getMessage().contains("'temporal' is missing"), m.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"], \"search\": {\"lrG\": []}}"));
        assertTrue(s.getMessage().contains("search.lrG is an empty axis"), s.getMessage());
    }

    @Test
    void badValuesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"], \"temporal\": [\"ode4\"]}"));
        assertTrue(e.getMessage().contains("unknown temporal generator 'ode4'"), e.getMessage());
        var i = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"], \"overrides\": {\"iterations\": 0}}")
                .expand());
        assertTrue(i.getMessage().contains("tgan-ode1-linear-s0") && i.getMessage().contains("iterations must be ≥ 1"),
                i.getMessage());
        var a = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"], \"overrides\": {\"seed\": 4}}"));
        assertTrue(a.getMessage().contains("use 'seeds'"), a.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"x\", \"models\": [\"tgan\", \"tgan\"], \"temporal\": [\"ode1\"]}"));
        assertTrue(d.getMessage().contains("'models' repeats a value"), d.getMessage());
        var n = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                "{\"name\": \"../x\", \"models\": [\"tgan\"], \"temporal\": [\"ode1\"]}"));
        assertTrue(n.getMessage().contains("name must be"), n.getMessage());
        var j = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse("{\"name\": "));
        assertTrue(j.getMessage().startsWith("grid is not valid JSON"), j.getMessage());
    }

    @Test
    void tooManyTrialsIsRefusedBeforeBuildingThem() {
        GridSpec g = GridSpec.parse(PAPER_GRID.replace("\"seeds\": [0, 1]", "\"seeds\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
                + " \"maxTrials\": 100"));
        var e = assertThrows(IllegalArgumentException.class, g::expand);
        assertTrue(e.getMessage().contains("expands to 390 trials, more than maxTrials 100"), e.getMessage());
        var h = assertThrows(IllegalArgumentException.class, () -> GridSpec.parse(
                PAPER_GRID.replace("\"seeds\": [0, 1]", "\"seeds\": [0], \"maxTrials\": 1000000")));
        assertTrue(h.getMessage().contains("maxTrials must be in [1, 100000]"), h.getMessage());
    }
}

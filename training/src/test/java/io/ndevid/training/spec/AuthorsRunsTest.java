package io.ndevid.training.spec;

import io.ndevid.training.spec.AuthorsRuns.Cell;
import io.ndevid.training.spec.AuthorsRuns.Row;
import io.ndevid.training.spec.AuthorsRuns.Status;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthorsRunsTest {

    /** Every cell the spec admits at gpu-paper: each model × G_t × f. */
    private static List<TrialSpec> everyCell() {
        List<TrialSpec> out = new ArrayList<>();
        for (ModelFamily m : ModelFamily.values()) {
            for (TemporalKind t : TemporalKind.values()) {
                for (FVariant f : t == TemporalKind.ORIGINAL ? List.of(FVariant.LINEAR) : List.of(FVariant.values())) {
                    out.add(Presets.of("gpu-paper", m, t, f));
                }
            }
        }
        return out;
    }

    @Test
    void gpuPaperHasNoUnmarkedDifference() {
        for (TrialSpec s : everyCell()) {
            for (Row r : AuthorsRuns.compare(s).rows()) {
                assertTrue(r.status() != Status.UNMARKED, s.configId() + ": " + r);
                assertTrue(r.status() == Status.MATCH || !r.note().isBlank(), s.configId() + ": no reason: " + r);
            }
        }
    }

    /** Nothing at gpu-paper is open work any more: every difference is a stated reason (docs/FIDELITY.md). */
    @Test
    void noOpenRowRemains() {
        for (TrialSpec s : everyCell()) {
            for (Row r : AuthorsRuns.compare(s).rows()) {
                assertTrue(r.status() != Status.OPEN, s.configId() + ": " + r);
            }
        }
    }

    /** MoCoGAN's order cells: f = deep at gpu-paper is the authors' g∘h of width 49; linear is the paper's form. */
    @Test
    void mocoganOrderCellsFollowTheAuthorsWithFDeep49() {
        for (TemporalKind t : List.of(TemporalKind.ODE2, TemporalKind.ODE3)) {
            TrialSpec deep = Presets.of("gpu-paper", ModelFamily.MOCOGAN, t, FVariant.DEEP);
            assertEquals(49, deep.fHidden());
            assertEquals(Status.MATCH, status(AuthorsRuns.compare(deep), "f at the order table"));
            TrialSpec linear = Presets.of("gpu-paper", ModelFamily.MOCOGAN, t, FVariant.LINEAR);
            assertEquals(0, linear.fHidden());
            assertEquals(Status.REASON, status(AuthorsRuns.compare(linear), "f at the order table"));
            TrialSpec narrow = SpecIO.parse("{\"preset\": \"gpu-paper\", \"model\": \"mocogan\", \"temporal\": \""
                    + t.id() + "\", \"f\": \"deep\", \"fHidden\": 0}");
            assertEquals(Status.UNMARKED, status(AuthorsRuns.compare(narrow), "f at the order table")); // 16
        }
        // the TGAN order runs are f = Linear+tanh in the authors' scripts: no row, and fHidden stays 0
        assertEquals(0, Presets.of("gpu-paper", ModelFamily.TGAN, TemporalKind.ODE2, FVariant.DEEP).fHidden());
        assertEquals(0, Presets.of("gpu-paper", ModelFamily.MOCOGAN, TemporalKind.ODE1, FVariant.DEEP).fHidden());
    }

    @Test
    void aChangedFieldIsAnUnmarkedDifferenceAndTheOfferedAlternativesCarryTheirReason() {
        TrialSpec s = SpecIO.parse("{\"preset\": \"gpu-paper\", \"model\": \"tgan\", \"temporal\": \"ode1\", "
                + "\"batchSize\": 64, \"odeMethod\": \"rk4\", \"evalInterval\": 2000}");
        Cell c = AuthorsRuns.compare(s);
        assertEquals(Status.UNMARKED, status(c, "batchSize"));
        assertEquals(Status.UNMARKED, status(c, "odeMethod"));
        assertEquals(Status.REASON, status(c, "evalInterval")); // the seed paper's schedule
        TrialSpec v2 = SpecIO.parse("{\"preset\": \"gpu-paper\", \"model\": \"tganv2\", \"gFirst\": true}");
        assertEquals(Status.REASON, status(AuthorsRuns.compare(v2), "gFirst"));
        String text = AuthorsRuns.render(List.of(s));
        assertTrue(text.contains("≠ batchSize") && text.contains("[authors: 32] unmarked"), text);
        assertTrue(text.strip().endsWith(", 2 unmarked"), text);
    }

    @Test
    void theMocoganSdeScriptTrainsAnOde3AndTheCellSaysSo() {
        Cell c = AuthorsRuns.compare(Presets.of("gpu-paper", ModelFamily.MOCOGAN, TemporalKind.SDE, FVariant.LINEAR));
        assertEquals("MoCoGAN SDE UCF101.py", c.script());
        assertEquals(Status.REASON, status(c, "G_t"));
        assertEquals(Status.MATCH, status(c, "mlpBeforeOde")); // VideoGeneratorSDE builds without the MLP
        assertEquals(Status.MATCH, status(c, "sdeDiffusion"));
    }

    private static Status status(Cell c, String setting) {
        return c.rows().stream().filter(r -> r.setting().equals(setting)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + setting + " in " + c.rows())).status();
    }
}

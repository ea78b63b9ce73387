package io.ndevid.actors.trainer;

import io.ndevid.actors.testing.TinyGanExecutor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrialExecutorsTest {

    @Test
    void aClassNameGivesThatExecutor() {
        assertInstanceOf(TinyGanExecutor.class, TrialExecutors.named(TinyGanExecutor.class.getName()));
        var e = assertThrows(IllegalArgumentException.class, () -> TrialExecutors.named("java.lang.String"));
        assertTrue(e.getMessage().contains("does not implement"), e.getMessage());
    }

    @Test
    void withoutTheModelsProductionSaysWhatIsMissing() {
        // the models' facade has not landed in this build: a clear message instead of a ClassNotFoundException
        var e = assertThrows(IllegalStateException.class, TrialExecutors::production);
        assertTrue(e.getMessage().contains("io.ndevid.training.run.Trials is not on the class path"), e.getMessage());
    }
}

package io.ndevid.actors.trainer;

import io.ndevid.actors.testing.FakeTrialsFacade;
import io.ndevid.actors.testing.TestSpecs;
import io.ndevid.actors.testing.TinyGanExecutor;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void theFacadeAdapterPreparesRunsStopsAndCloses(@TempDir Path dir) throws Exception {
        TrialExecutor e = TrialExecutors.fromFacade(FakeTrialsFacade.class);
        TrialSpec spec = TestSpecs.trial("facade", 12, 3);
        int closed = FakeTrialsFacade.CLOSED.get();
        StopHandle stop = new StopHandle();
        stop.request(); // stopped before it starts: one iteration, a checkpoint, STOPPED
        TrainerLoop.Result first = e.execute(spec, dir, p -> { }, stop);
        assertEquals(TrainerLoop.Status.STOPPED, first.status());
        assertEquals(1, first.iterationsDone());
        List<Long> starts = new ArrayList<>();
        TrainerLoop.Result second = e.execute(spec, dir, p -> starts.add(p.iteration()), new StopHandle());
        assertEquals(TrainerLoop.Status.COMPLETED, second.status());
        assertEquals(12, second.iterationsDone());
        assertEquals(2L, starts.get(0), "resumed after the checkpointed iteration");
        assertEquals(closed + 2, FakeTrialsFacade.CLOSED.get(), "each prepared trial is closed");
        var bad = assertThrows(IllegalStateException.class, () -> TrialExecutors.fromFacade(String.class));
        assertTrue(bad.getMessage().contains("does not have the shape"), bad.getMessage());
    }

    @Test
    void withoutTheModelsProductionSaysWhatIsMissing() {
        // on this branch the models' facade has not landed: a clear message instead of a ClassNotFoundException;
        // once it is on the class path, production() is the facade adapter tested above
        try {
            Class.forName("io.ndevid.training.run.Trials");
            assertInstanceOf(TrialExecutor.class, TrialExecutors.production());
        } catch (ClassNotFoundException absent) {
            var e = assertThrows(IllegalStateException.class, TrialExecutors::production);
            assertTrue(e.getMessage().contains("io.ndevid.training.run.Trials is not on the class path"),
                    e.getMessage());
        }
    }
}

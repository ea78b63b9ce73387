package io.ndevid.actors.trainer;

import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.testing.TinyGanExecutor;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        assertInstanceOf(ProductionTrialExecutor.class, TrialExecutors.named("production"));
    }

    /** The real models at cpu-tiny: stop before the start checkpoints after one iteration; a rerun resumes. */
    @Test
    void productionTrainsTheRealModelStopsAndResumes(@TempDir Path dir) throws Exception {
        TrialSpec base = Presets.of("cpu-tiny", ModelFamily.TGAN, TemporalKind.ODE1, FVariant.LINEAR);
        var node = SpecIO.json().<com.fasterxml.jackson.databind.node.ObjectNode>valueToTree(base);
        node.put("iterations", 4);
        node.put("evalInterval", 0); // evaluation is covered by the metrics module's protocol tests
        TrialSpec spec = SpecIO.fromTree(node);
        TrialExecutor e = TrialExecutors.production();
        StopHandle stop = new StopHandle();
        stop.request();
        TrainerLoop.Result first = e.execute(spec, dir, p -> { }, stop);
        assertEquals(TrainerLoop.Status.STOPPED, first.status(), first.message());
        assertEquals(1, first.iterationsDone());
        List<Long> seen = new ArrayList<>();
        TrainerLoop.Result second = e.execute(spec, dir, p -> seen.add(p.iteration()), new StopHandle());
        assertEquals(TrainerLoop.Status.COMPLETED, second.status(), second.message());
        assertEquals(4, second.iterationsDone());
        assertEquals(2L, seen.get(0), "resumed after the checkpointed iteration");
        assertTrue(Files.exists(dir.resolve("checkpoints").resolve("ckpt-000000004.bin")));
    }
}

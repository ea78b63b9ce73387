package io.ndevid.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.testing.StubGan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A trial's own failures end the trial with a status; they never escape as exceptions into the hosting process. */
class TrainerLoopFailureTest {

    /** Losses become NaN at {@code nanAt}; a step throws at {@code throwAt}. */
    static final class BrittleGan extends StubGan {
        final long nanAt;
        final long throwAt;

        BrittleGan(long nanAt, long throwAt) {
            super(0);
            this.nanAt = nanAt;
            this.throwAt = throwAt;
        }

        @Override
        public Map<String, Double> step(NDArray real, long iteration) {
            if (iteration == throwAt) {
                throw new IllegalStateException("the solver gave up at t=0.53");
            }
            return Map.of("d_loss", iteration == nanAt ? Double.NaN : 1.0 / (iteration + 1));
        }

        @Override
        public NDArray sample(NDManager into, int n, long seed) {
            return into.zeros(new Shape(n, 1, 8, 16, 16));
        }
    }

    private static TrainerLoop.Result run(Path dir, long nanAt, long throwAt) {
        TorchRuntime.engine();
        TrialSpec spec = Presets.of("cpu-tiny", ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
        return new TrainerLoop(spec, new RunFolder(dir), () -> new BrittleGan(nanAt, throwAt), Datasets.open(spec),
                List.of(), p -> { }).run();
    }

    @Test
    void aNonFiniteLossEndsTheTrialAsDiverged(@TempDir Path dir) throws Exception {
        TrainerLoop.Result r = run(dir, 2, -1);
        assertEquals(TrainerLoop.Status.DIVERGED, r.status());
        assertEquals("diverged at iteration 2 (d_loss=NaN)", r.message());
        String status = Files.readString(dir.resolve("status.json"));
        assertTrue(status.contains("\"state\":\"diverged\"") && status.contains("diverged at iteration 2"), status);
        assertEquals(3, Files.readAllLines(dir.resolve("stats.jsonl")).size(), "the diverged line is logged too");
    }

    @Test
    void aFailingStepEndsTheTrialAsFailedWithItsReason(@TempDir Path dir) throws Exception {
        TrainerLoop.Result r = run(dir, -1, 1);
        assertEquals(TrainerLoop.Status.FAILED, r.status());
        assertTrue(r.message().contains("the solver gave up at t=0.53"), r.message());
        assertTrue(Files.readString(dir.resolve("status.json")).contains("\"state\":\"failed\""));
    }
}

package io.ndevid.actors.testing;

import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * A real-but-cheap trial executor: the real {@link TrainerLoop} (run folder, stats, checkpoints, resume from the
 * newest checkpoint, stop requests) around a {@link TinyGan}. Trainer processes in tests run it by class name; the
 * step time comes from the system property {@code ndevid.test.step-ms} (node agents pass {@code ndevid.*} properties
 * on to their trainers).
 */
public final class TinyGanExecutor implements TrialExecutor {

    public static final String STEP_MS = "ndevid.test.step-ms";

    private final long stepMillis;

    public TinyGanExecutor() {
        this(Long.getLong(STEP_MS, 20));
    }

    public TinyGanExecutor(long stepMillis) {
        this.stepMillis = stepMillis;
    }

    @Override
    public TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop) {
        TrainerLoop loop = new TrainerLoop(spec, new RunFolder(runDir), () -> new TinyGan(spec, stepMillis),
                new TinyDataset(), List.of(), listener);
        stop.onStop(loop::requestStop);
        return loop.run();
    }
}

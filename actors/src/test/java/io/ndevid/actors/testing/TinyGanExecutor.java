package io.ndevid.actors.testing;

import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A real-but-cheap trial executor: the real {@link TrainerLoop} (run folder, stats, checkpoints, resume from the
 * newest checkpoint, stop requests) around a {@link TinyGan}. Trainer processes in tests run it by class name; the
 * step time comes from the system property {@code ndevid.test.step-ms} (node agents pass {@code ndevid.*} properties
 * on to their trainers).
 */
public final class TinyGanExecutor implements TrialExecutor {

    public static final String STEP_MS = "ndevid.test.step-ms";

    private final long stepMillis;
    private final Function<TrialSpec, Map<String, Double>> finalScores;

    public TinyGanExecutor() {
        this(Long.getLong(STEP_MS, 20));
    }

    public TinyGanExecutor(long stepMillis) {
        this(stepMillis, spec -> Map.of());
    }

    /** @param finalScores metrics a completed trial reports (as an evaluation would), none when empty */
    public TinyGanExecutor(long stepMillis, Function<TrialSpec, Map<String, Double>> finalScores) {
        this.stepMillis = stepMillis;
        this.finalScores = finalScores;
    }

    @Override
    public TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop) {
        TrainerLoop loop = new TrainerLoop(spec, new RunFolder(runDir), () -> new TinyGan(spec, stepMillis),
                new TinyDataset(), List.of(), listener);
        stop.onStop(loop::requestStop);
        TrainerLoop.Result result = loop.run();
        Map<String, Double> scores = finalScores.apply(spec);
        if (result.status() == TrainerLoop.Status.COMPLETED && !scores.isEmpty()) {
            listener.onMetrics(result.iterationsDone(), scores);
        }
        return result;
    }
}

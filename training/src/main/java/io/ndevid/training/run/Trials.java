package io.ndevid.training.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.data.VideoDataset;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalKind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trial end to end in this process: device, data, model, sample grids, the trainer loop (resuming from the run
 * folder's newest checkpoint), plus whatever hooks the caller adds (the evaluation protocol lives in {@code metrics}).
 */
public final class Trials {

    /** Sample grids hold this many videos. */
    public static final int GRID_VIDEOS = 16;

    private Trials() {}

    /** A trial ready to run; {@link #loop()} can be asked to stop from another thread. */
    public static final class Prepared implements AutoCloseable {
        private final NDManager manager;
        private final TrainerLoop loop;

        Prepared(NDManager manager, TrainerLoop loop) {
            this.manager = manager;
            this.loop = loop;
        }

        public TrainerLoop loop() {
            return loop;
        }

        public TrainerLoop.Result run() {
            return loop.run();
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    public static Prepared prepare(TrialSpec spec, Path runDir, List<TrainerLoop.Hook> extraHooks,
                                   TrainerLoop.Listener listener) {
        return prepare(spec, runDir, extraHooks, listener, null);
    }

    /**
     * @param batches where the training batches come from; null: the trial's data set, read in this process (opened
     *                here, so a bad data spec fails before the model is built)
     */
    public static Prepared prepare(TrialSpec spec, Path runDir, List<TrainerLoop.Hook> extraHooks,
                                   TrainerLoop.Listener listener, TrainingBatchSource.Opener batches) {
        Device device = TorchRuntime.device(spec.device());
        // The one process-global seed: parameter initialisers draw from the engine's generator.
        Engine.getInstance().setRandomSeed((int) spec.seed());
        RunFolder run = new RunFolder(runDir);
        TrainingBatchSource.Opener source = batches;
        if (source == null) {
            VideoDataset data = Datasets.open(spec);
            source = (s, first) -> TrainingBatchSource.of(data, s, first);
        }
        NDManager manager = NDManager.newBaseManager(device);
        List<TrainerLoop.Hook> hooks = new ArrayList<>();
        hooks.add(new SampleHook(run, spec.sampleInterval(), GRID_VIDEOS));
        hooks.addAll(extraHooks);
        TrainerLoop loop = new TrainerLoop(spec, run, () -> GanFactory.create(spec, manager, device, noise(spec)),
                source, hooks, listener);
        return new Prepared(manager, loop);
    }

    /**
     * Where a trial's model makes its next iteration's SDE noise: its own daemon thread for an SDE G_t (the JVM
     * thread that feeds the engine then does not wait for the Brownian tree; the values are the same), else none.
     */
    static NoisePrefetch noise(TrialSpec spec) {
        return spec.temporal() == TemporalKind.SDE ? NoisePrefetch.onDaemonThread("sde-noise-" + spec.name()) : null;
    }

    public static TrainerLoop.Result run(TrialSpec spec, Path runDir, List<TrainerLoop.Hook> extraHooks,
                                         TrainerLoop.Listener listener) {
        try (Prepared p = prepare(spec, runDir, extraHooks, listener)) {
            return p.run();
        }
    }

    /** A model with a checkpoint's weights, for rendering; its spec comes from the checkpoint. */
    public static VideoGan load(Path checkpoint, NDManager manager, String device) {
        TrialSpec spec = SpecIO.parse(CheckpointIO.read(checkpoint).specJson());
        Device d = TorchRuntime.device(device == null ? spec.device() : device);
        Engine.getInstance().setRandomSeed((int) spec.seed());
        VideoGan gan = GanFactory.create(spec, manager, d);
        TrainerLoop.restore(gan, checkpoint);
        return gan;
    }
}

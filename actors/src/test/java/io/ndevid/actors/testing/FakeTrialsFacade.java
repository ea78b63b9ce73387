package io.ndevid.actors.testing;

import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Shaped like the training module's {@code Trials} facade, around a {@link TinyGan}: for TrialExecutors' adapter. */
public final class FakeTrialsFacade {

    public static final AtomicInteger CLOSED = new AtomicInteger();

    private FakeTrialsFacade() {}

    public static final class Prepared implements AutoCloseable {
        private final TrainerLoop loop;

        Prepared(TrainerLoop loop) {
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
            CLOSED.incrementAndGet();
        }
    }

    public static Prepared prepare(TrialSpec spec, Path runDir, List<TrainerLoop.Hook> extraHooks,
                                   TrainerLoop.Listener listener) {
        return new Prepared(new TrainerLoop(spec, new RunFolder(runDir), () -> new TinyGan(spec, 2),
                new TinyDataset(), extraHooks, listener));
    }
}

package io.ndevid.training.golden;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * The life cycle every golden test class shares: once per class, start the engine, build the inputs and run
 * {@code golden.py} into a temp folder ({@link #writeGolden}); close everything after the last test. Without python3
 * + torch nothing is built and every test skips with the reason ({@link GoldenPython#assumeAvailable()}, the first
 * line of each test).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GoldenTestBase {

    /** Owns the class's arrays; null when python3 + torch are missing. */
    protected NDManager manager;

    @BeforeAll
    final void startGolden(@TempDir Path dir) {
        if (!GoldenPython.available()) {
            return; // each test skips with the reason
        }
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        writeGolden(dir);
    }

    /** Builds the inputs in {@link #manager}, runs {@code golden.py} into {@code dir} and keeps what it wrote. */
    protected abstract void writeGolden(Path dir);

    /** Frees what the class holds outside {@link #manager}; called before the manager closes. */
    protected void release() {}

    @AfterAll
    final void stopGolden() {
        release();
        if (manager != null) {
            manager.close();
        }
    }

    /** A copy of {@code a} owned by {@code m}, so that what a test computes from it closes with m. */
    protected static NDArray copyInto(NDManager m, NDArray a) {
        NDArray copy = a.duplicate();
        copy.attach(m);
        return copy;
    }
}

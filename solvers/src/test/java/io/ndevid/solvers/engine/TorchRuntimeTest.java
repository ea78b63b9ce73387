package io.ndevid.solvers.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchRuntimeTest {

    @Test
    void enginIsOfflinePyTorch271AndComputes() {
        var engine = TorchRuntime.engine();
        assertEquals("PyTorch", engine.getEngineName());
        assertEquals(TorchRuntime.EXPECTED_LIBTORCH, TorchRuntime.libtorchVersion());
        assertEquals("true", System.getProperty("ai.djl.offline"));
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray a = m.create(new float[] {1, 2, 3, 4}).reshape(2, 2);
            NDArray b = a.matMul(a);
            assertArrayEquals(new float[] {7, 10, 15, 22}, b.toFloatArray());
        }
        assertTrue(TorchRuntime.cacheDir().toFile().isDirectory(), "libtorch unpacked into the cache dir");
    }

    @Test
    void deviceSpecs() {
        assertEquals(Device.cpu(), TorchRuntime.device("cpu"));
        assertThrows(IllegalArgumentException.class, () -> TorchRuntime.device("tpu:0"));
        int gpus = TorchRuntime.engine().getGpuCount();
        assertThrows(IllegalArgumentException.class, () -> TorchRuntime.device("gpu:" + gpus));
        assertEquals(gpus > 0 ? Device.gpu(0) : Device.cpu(), TorchRuntime.device("auto"));
    }
}

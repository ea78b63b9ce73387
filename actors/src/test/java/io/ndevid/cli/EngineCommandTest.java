package io.ndevid.cli;

import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ndevid engine}, {@code engine fetch} and {@code plan}'s flags on this (CPU) host. */
class EngineCommandTest {

    @Test
    void engineSaysWhatLibtorchRunsAndWhetherItHasCuda() {
        var r = NodeCommandTest.run("engine");
        assertEquals(0, r.code(), r.err());
        var where = TorchRuntime.location();
        assertTrue(r.out().startsWith("libtorch 2.7.1, flavor " + where.flavor() + ", from " + where.route()), r.out());
        int gpus = TorchRuntime.gpuCount();
        assertTrue(r.out().contains(gpus > 0 ? "CUDA: yes" : "CUDA: no"), r.out());
        assertTrue(r.out().contains("GPUs the engine sees: " + gpus), r.out());
        assertTrue(r.out().contains("cache: " + TorchRuntime.cacheDir() + " (offline: true)"), r.out());
    }

    @Test
    void fetchRefusesFlavorsWithoutJniGlueAndNamesAFailedDownload() {
        var bad = NodeCommandTest.run("engine", "fetch", "--flavor", "cu121");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--flavor cu121: this build's DJL has JNI glue for CUDA flavor cu128 only"),
                bad.err());
        var offline = NodeCommandTest.run("engine", "fetch", "--flavor", "cu128", "--from",
                "file:///nonexistent-ndevid-mirror");
        assertEquals(1, offline.code(), offline.err());
        assertTrue(offline.err().contains("download from file:///nonexistent-ndevid-mirror failed (")
                && offline.err().contains("run it on a host with internet"), offline.err());
        assertFalse(offline.err().contains("\tat "), "no stack trace");
    }

    @Test
    void planRefusesBadFlagsInOneLine() {
        var r = NodeCommandTest.run("plan", "--steps", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ndevid plan: --steps must be ≥ 2"), r.err());
        r = NodeCommandTest.run("plan", "--gpus", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--gpus and --trials-per-gpu must be ≥ 1"), r.err());
    }
}

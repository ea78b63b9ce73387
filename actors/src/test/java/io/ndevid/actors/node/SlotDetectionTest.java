package io.ndevid.actors.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node's GPUs and slots from faked nvidia-smi output, environments and engines. */
class SlotDetectionTest {

    /** nvidia-smi --query-gpu=index,uuid,memory.total,name --format=csv,noheader,nounits on a 4-GPU host. */
    static final List<String> FOUR = List.of(
            "0, GPU-aaaa0000-1111-2222-3333-444455556666, 143771, NVIDIA H200",
            "1, GPU-bbbb0000-1111-2222-3333-444455556666, 143771, NVIDIA H200",
            "2, GPU-cccc0000-1111-2222-3333-444455556666, 143771, NVIDIA H200",
            "3, GPU-dddd0000-1111-2222-3333-444455556666, 143771, NVIDIA H200");

    @Test
    void withoutCudaVisibleDevicesTheNodeHasWhatNvidiaSmiLists() {
        var gpus = SlotDetection.gpus(Map.of(), FOUR);
        assertEquals(List.of("0", "1", "2", "3"), gpus.stream().map(SlotDetection.Gpu::id).toList());
        assertEquals(143771, gpus.get(2).memoryMiB());
        assertEquals("gpu:2 NVIDIA H200 143771 MiB", gpus.get(2).describe());
        assertEquals(List.of(), SlotDetection.gpus(Map.of(), null), "no nvidia-smi: no GPU");
    }

    @Test
    void aSchedulersCudaVisibleDevicesDefinesTheNodesGpusIndicesUuidsAndMig() {
        var byIndex = SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES", "3,1"), FOUR);
        assertEquals(List.of("3", "1"), byIndex.stream().map(SlotDetection.Gpu::id).toList());
        assertEquals(143771, byIndex.get(0).memoryMiB());
        var byUuid = SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES", "GPU-cccc0000-1111-2222-3333-444455556666"),
                FOUR);
        assertEquals("NVIDIA H200", byUuid.get(0).name(), "a UUID entry is matched to nvidia-smi's row");
        var mig = SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES",
                "MIG-1f2e3d4c-0000-1111-2222-333344445555,MIG-9a8b7c6d-0000-1111-2222-333344445555"), FOUR);
        assertEquals(List.of("MIG-1f2e3d4c-0000-1111-2222-333344445555", "MIG-9a8b7c6d-0000-1111-2222-333344445555"),
                mig.stream().map(SlotDetection.Gpu::id).toList());
        assertEquals(List.of(), SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES", ""), FOUR), "hidden: no GPU");
        assertEquals(List.of("0"), SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES", "0,-1,2"), FOUR).stream()
                .map(SlotDetection.Gpu::id).toList(), "CUDA stops at the first invalid entry");
        List<String> devices = SlotDetection.devices(0, 1, mig, () -> 2);
        assertEquals(List.of("gpu:MIG-1f2e3d4c-0000-1111-2222-333344445555",
                "gpu:MIG-9a8b7c6d-0000-1111-2222-333344445555"), devices);
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "MIG-9a8b7c6d-0000-1111-2222-333344445555",
                "CUDA_DEVICE_ORDER", "PCI_BUS_ID"), SlotDetection.environment(devices.get(1)));
    }

    @Test
    void trialsPerGpuGivesThatManySlotsPerGpu() {
        var gpus = SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES", "2,0"), FOUR);
        assertEquals(List.of("gpu:2", "gpu:2", "gpu:2", "gpu:0", "gpu:0", "gpu:0"),
                SlotDetection.devices(0, 3, gpus, () -> 2));
        assertEquals(List.of("cpu", "cpu"), SlotDetection.devices(2, 3, gpus, () -> {
            throw new AssertionError("CPU slots never ask the engine");
        }));
        assertEquals(List.of("cpu"), SlotDetection.devices(0, 3, List.of(), () -> 0), "no GPU: one CPU slot");
        assertThrows(IllegalArgumentException.class, () -> SlotDetection.devices(0, 0, gpus, () -> 2));
    }

    @Test
    void gpuSlotsAreRefusedWhenTheEngineHasNoCudaOrSeesOtherGpus() {
        var gpus = SlotDetection.gpus(Map.of(), FOUR);
        var noCuda = assertThrows(IllegalArgumentException.class, () -> SlotDetection.devices(0, 1, gpus, () -> 0));
        assertTrue(noCuda.getMessage().contains("4 GPU(s) [gpu:0, gpu:1, gpu:2, gpu:3] but its libtorch has no CUDA")
                && noCuda.getMessage().contains("GPU slots refused") && !noCuda.getMessage().contains("\n"),
                noCuda.getMessage());
        var other = assertThrows(IllegalArgumentException.class, () -> SlotDetection.devices(0, 1, gpus, () -> 2));
        assertTrue(other.getMessage().contains("libtorch sees 2"), other.getMessage());
    }

    @Test
    void theLauncherGivesEachTrainerItsGpuInPciBusOrder() {
        var launch = new TrainerProcessLauncher.Launch("java", "cp", List.of(), "production", null);
        var s = new NodeSettings("n", "127.0.0.1", List.of("127.0.0.1:25520"), List.of("gpu:3", "gpu:3", "cpu"),
                launch, new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)),
                Duration.ofSeconds(1), Path.of("logs"));
        var l = new TrainerProcessLauncher(s);
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "3", "CUDA_DEVICE_ORDER", "PCI_BUS_ID"), l.environment(1));
        assertEquals("", l.environment(2).get("CUDA_VISIBLE_DEVICES"), "a CPU slot sees no GPU");
    }

    @Test
    void nvidiaSmiIsAskedForIndexUuidMemoryAndName(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("nvidia-smi");
        Files.writeString(fake, "#!/bin/sh\n[ \"$1\" = \"--query-gpu=index,uuid,memory.total,name\" ] || exit 9\n"
                + "echo '0, GPU-aaaa, 81559, NVIDIA A100-SXM4-80GB'\n"
                + "echo '1, GPU-bbbb, 81559, NVIDIA A100-SXM4-80GB'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        String before = System.getProperty(SlotDetection.NVIDIA_SMI_PROPERTY);
        System.setProperty(SlotDetection.NVIDIA_SMI_PROPERTY, fake.toString());
        try {
            var gpus = SlotDetection.gpus(Map.of(), SlotDetection.nvidiaSmi());
            assertEquals(List.of("gpu:0 NVIDIA A100-SXM4-80GB 81559 MiB", "gpu:1 NVIDIA A100-SXM4-80GB 81559 MiB"),
                    gpus.stream().map(SlotDetection.Gpu::describe).toList());
            System.setProperty(SlotDetection.NVIDIA_SMI_PROPERTY, dir.resolve("absent").toString());
            assertEquals(null, SlotDetection.nvidiaSmi());
        } finally {
            if (before == null) {
                System.clearProperty(SlotDetection.NVIDIA_SMI_PROPERTY);
            } else {
                System.setProperty(SlotDetection.NVIDIA_SMI_PROPERTY, before);
            }
        }
    }
}

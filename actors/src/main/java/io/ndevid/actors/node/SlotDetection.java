package io.ndevid.actors.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** How many trainer slots a worker has: as asked, or one per GPU that {@code nvidia-smi -L} lists, or one CPU slot. */
public final class SlotDetection {

    private SlotDetection() {}

    /** A slot's device: {@code cpu}, or {@code gpu:N} (the physical GPU it owns). */
    public static List<String> devices(int requestedCpuSlots) {
        if (requestedCpuSlots < 0) {
            throw new IllegalArgumentException("--slots must be ≥ 0 (0: one per GPU), got " + requestedCpuSlots);
        }
        List<String> out = new ArrayList<>();
        if (requestedCpuSlots > 0) {
            for (int i = 0; i < requestedCpuSlots; i++) {
                out.add("cpu");
            }
            return out;
        }
        int gpus = countGpus();
        for (int i = 0; i < gpus; i++) {
            out.add("gpu:" + i);
        }
        if (out.isEmpty()) {
            out.add("cpu");
        }
        return out;
    }

    /** GPUs {@code nvidia-smi -L} lists; 0 when it is absent or fails within 10 s. */
    public static int countGpus() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            if (p.exitValue() != 0) {
                return 0;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return (int) out.lines().filter(l -> l.startsWith("GPU ")).count();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}

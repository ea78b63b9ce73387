package io.ndevid.actors.node;

import io.ndevid.solvers.engine.TorchRuntime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A worker's trainer slots: {@code N} CPU slots when asked for, else {@code trials-per-gpu} slots per GPU of the node,
 * else one CPU slot (docs/ENGINE.md, "GPUs of a node").
 *
 * <p>The node's GPUs: the entries of an existing {@code CUDA_VISIBLE_DEVICES} (set by SLURM, Kubernetes, …: indices,
 * {@code GPU-…} or {@code MIG-…} UUIDs), else the GPUs {@code nvidia-smi} lists (by index, PCI bus order). A slot's
 * device is {@code gpu:<entry>}; its trainer gets {@code CUDA_VISIBLE_DEVICES=<entry>} and sees it as its GPU 0.
 * GPU slots need an engine with CUDA that sees exactly those GPUs: otherwise the node refuses to start them rather
 * than train on the CPU under a {@code gpu:} label.
 */
public final class SlotDetection {

    /** System property naming the {@code nvidia-smi} executable (tests point it at a fake). */
    public static final String NVIDIA_SMI_PROPERTY = "ndevid.nvidia-smi";

    /** A GPU of this node: its {@code CUDA_VISIBLE_DEVICES} entry, and what nvidia-smi says of it (0 / "" if not). */
    public record Gpu(String id, long memoryMiB, String name) {

        public String describe() {
            return "gpu:" + id + (name.isEmpty() ? "" : " " + name) + (memoryMiB > 0 ? " " + memoryMiB + " MiB" : "");
        }
    }

    private SlotDetection() {}

    /** A slot's device label is {@code cpu} or {@code gpu:<id>}: whether it is a GPU slot. */
    public static boolean isGpu(String device) {
        return device.startsWith("gpu:");
    }

    /** This process's environment, nvidia-smi and engine. */
    public static List<String> devices(int requestedCpuSlots, int trialsPerGpu) {
        return devices(requestedCpuSlots, trialsPerGpu, gpus(System.getenv(), nvidiaSmi()), TorchRuntime::gpuCount);
    }

    /** As {@link #devices(int, int)}, one trial per GPU. */
    public static List<String> devices(int requestedCpuSlots) {
        return devices(requestedCpuSlots, 1);
    }

    /**
     * The slots' devices.
     *
     * @param engineGpus GPUs the engine sees (asked only when the node has GPUs)
     * @throws IllegalArgumentException bad counts, or GPUs whose engine has no CUDA or sees other GPUs
     */
    public static List<String> devices(int requestedCpuSlots, int trialsPerGpu, List<Gpu> gpus,
                                       IntSupplier engineGpus) {
        if (requestedCpuSlots < 0) {
            throw new IllegalArgumentException("--slots must be ≥ 0 (0: one per GPU), got " + requestedCpuSlots);
        }
        if (trialsPerGpu < 1) {
            throw new IllegalArgumentException("--trials-per-gpu (ndevid.node.trials-per-gpu) must be ≥ 1, got "
                    + trialsPerGpu);
        }
        List<String> out = new ArrayList<>();
        if (requestedCpuSlots > 0) {
            for (int i = 0; i < requestedCpuSlots; i++) {
                out.add("cpu");
            }
            return out;
        }
        if (gpus.isEmpty()) {
            return List.of("cpu");
        }
        int seen = engineGpus.getAsInt();
        if (seen == 0) {
            throw new IllegalArgumentException("this node has " + gpus.size() + " GPU(s) " + ids(gpus) + " but its "
                    + "libtorch has no CUDA (flavor " + TorchRuntime.location().flavor() + "): GPU slots refused; "
                    + "install CUDA libtorch " + TorchRuntime.EXPECTED_LIBTORCH + " (README, \"GPUs\"; check with "
                    + "`ndevid engine`) or ask for CPU slots with --slots N");
        }
        if (seen != gpus.size()) {
            throw new IllegalArgumentException("this node lists " + gpus.size() + " GPU(s) " + ids(gpus) + " but its "
                    + "libtorch sees " + seen + ": GPU slots refused; set CUDA_VISIBLE_DEVICES to the GPUs to use");
        }
        for (Gpu g : gpus) {
            for (int k = 0; k < trialsPerGpu; k++) {
                out.add("gpu:" + g.id());
            }
        }
        return out;
    }

    private static List<String> ids(List<Gpu> gpus) {
        return gpus.stream().map(g -> "gpu:" + g.id()).toList();
    }

    /**
     * The node's GPUs from its environment and {@code nvidia-smi --query-gpu=index,uuid,memory.total,name} rows
     * ({@code csv,noheader,nounits}; null: nvidia-smi absent or failing).
     */
    public static List<Gpu> gpus(Map<String, String> env, List<String> smiRows) {
        List<String[]> rows = new ArrayList<>();
        for (String line : smiRows == null ? List.<String>of() : smiRows) {
            String[] f = line.split(",");
            if (f.length >= 4 && f[0].trim().matches("\\d+")) {
                rows.add(new String[] {f[0].trim(), f[1].trim(), f[2].trim(), f[3].trim()});
            }
        }
        String visible = env.get("CUDA_VISIBLE_DEVICES");
        List<Gpu> out = new ArrayList<>();
        if (visible == null) {
            for (String[] r : rows) {
                out.add(new Gpu(r[0], mib(r[2]), r[3]));
            }
            return out;
        }
        for (String entry : visible.split(",")) {
            String id = entry.trim();
            if (id.isEmpty() || id.equals("-1") || id.equalsIgnoreCase("NoDevFiles")) {
                break; // CUDA stops at the first invalid entry
            }
            String[] row = rows.stream().filter(r -> r[0].equals(id) || r[1].equals(id)).findFirst().orElse(null);
            out.add(row == null ? new Gpu(id, 0, "") : new Gpu(id, mib(row[2]), row[3]));
        }
        return out;
    }

    private static long mib(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The environment of a process on {@code device}: its one GPU ({@code CUDA_VISIBLE_DEVICES}) or none. */
    public static Map<String, String> environment(String device) {
        return Map.of("CUDA_VISIBLE_DEVICES", isGpu(device) ? device.substring(4) : "",
                "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
    }

    /** GPUs this process's node has (see the class comment). */
    public static int countGpus() {
        return gpus(System.getenv(), nvidiaSmi()).size();
    }

    /** {@code nvidia-smi}'s per-GPU rows; null when it is absent or fails within 10 s. */
    static List<String> nvidiaSmi() {
        String exe = System.getProperty(NVIDIA_SMI_PROPERTY, "nvidia-smi");
        try {
            ProcessBuilder pb = new ProcessBuilder(exe, "--query-gpu=index,uuid,memory.total,name",
                    "--format=csv,noheader,nounits").redirectErrorStream(true);
            pb.environment().put("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
            Process p = pb.start();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(bytes, StandardCharsets.UTF_8).lines().toList() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}

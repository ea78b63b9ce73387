package io.ndevid.training.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process (native tensors included), for stats lines, the status console and plans. */
public final class Memory {

    private Memory() {}

    /** VmRSS in MiB on Linux; the JVM heap in use elsewhere. */
    public static double rssMegabytes() {
        return status("VmRSS:");
    }

    /** VmHWM (the peak resident set so far) in MiB on Linux; the JVM heap in use elsewhere. */
    public static double peakRssMegabytes() {
        return status("VmHWM:");
    }

    /** MemAvailable of {@code /proc/meminfo} in MiB (what the host can still give without swapping); 0 if unknown. */
    public static double availableMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return 0;
    }

    private static double status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / (1024.0 * 1024.0);
    }
}

package io.ndevid.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.ndevid.solvers.engine.EngineLocation;
import io.ndevid.solvers.engine.LibtorchFetch;
import io.ndevid.solvers.engine.TorchRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ndevid engine}: what libtorch this host runs (version, flavor, where it came from, CUDA, the GPUs the engine
 * sees, the cache folder); {@code ndevid engine fetch --flavor cu128}: the one explicit download of a CUDA libtorch.
 */
@Command(name = "engine", description = "Show the libtorch engine (version, flavor, CUDA, GPUs, cache); "
        + "`engine fetch --flavor cu128` downloads DJL's CUDA libtorch once (runs stay offline).",
        subcommands = EngineCommand.Fetch.class)
final class EngineCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        EngineLocation where = TorchRuntime.location();
        Engine e = TorchRuntime.engine();
        int gpus = e.getGpuCount();
        out.printf("libtorch %s, flavor %s, from %s%s%n", e.getVersion(), where.flavor(), where.route(),
                where.libDir() == null ? " (the pytorch-native-cpu jar)" : " (" + where.libDir() + ")");
        out.printf("CUDA: %s%n", gpus > 0 ? "yes" : where.flavor().equals("cpu")
                ? "no (a CPU libtorch: see README, \"GPUs\")" : "no (a CUDA libtorch, but CUDA sees no GPU)");
        out.printf("GPUs the engine sees: %d%s%n", gpus, visible());
        for (int i = 0; i < gpus; i++) {
            out.printf("  gpu:%d%s%n", i, memory(Device.gpu(i)));
        }
        out.printf("cache: %s (offline: %s)%n", TorchRuntime.cacheDir(), System.getProperty("ai.djl.offline"));
        return 0;
    }

    private static String visible() {
        String v = System.getenv("CUDA_VISIBLE_DEVICES");
        return v == null ? "" : " (CUDA_VISIBLE_DEVICES=" + v + ")";
    }

    private static String memory(Device d) {
        try {
            MemoryUsage m = CudaUtils.getGpuMemory(d);
            return String.format(" %.1f GiB total, %.1f GiB used", m.getMax() / 1073741824.0,
                    m.getCommitted() / 1073741824.0);
        } catch (RuntimeException | LinkageError ex) {
            return "";
        }
    }

    @Command(name = "fetch", description = "Download DJL's libtorch " + TorchRuntime.EXPECTED_LIBTORCH
            + " for a CUDA flavor into the cache, once, on a host with internet; later runs find it there offline.")
    static final class Fetch implements Callable<Integer> {

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--flavor", required = true, description = "CUDA flavor: cu128 (the one this build has "
                + "JNI glue for).")
        String flavor;

        @Option(names = "--from", hidden = true, defaultValue = LibtorchFetch.DEFAULT_BASE,
                description = "Mirror base URL (https: or file:).")
        String from;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path cache = TorchRuntime.cacheDir();
            out.printf("fetching libtorch %s %s into %s%n", TorchRuntime.EXPECTED_LIBTORCH, flavor, cache);
            out.flush();
            Path dir;
            try {
                dir = LibtorchFetch.fetch(flavor, from, cache, out);
            } catch (IOException ex) {
                throw new IOException("download from " + from + " failed (" + ex.getClass().getSimpleName() + ": "
                        + ex.getMessage() + "); run it on a host "
                        + "with internet and copy " + EngineLocation.fetchedDir(cache, flavor) + " to this host's "
                        + "cache, or use PYTORCH_LIBRARY_PATH (README, \"GPUs\")", ex);
            }
            out.printf("done: %s; `ndevid engine` now loads it (offline)%n", dir);
            return 0;
        }
    }
}

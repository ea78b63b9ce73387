package io.ndevid.solvers.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * The one place where ndevid starts DJL's PyTorch engine.
 *
 * <p>ndevid never downloads at run time: libtorch comes from the {@code pytorch-native-cpu} jar on the class path,
 * or, on a GPU host, from a local libtorch named by {@code PYTORCH_LIBRARY_PATH} or fetched once into the cache by
 * {@code ndevid engine fetch} ({@link EngineLocation}, docs/ENGINE.md). This class sets the offline
 * switch and a writable cache directory <em>before</em> the engine is first touched, so that every entry point
 * (CLI, tests, trainer processes) behaves the same without relying on JVM flags.
 *
 * <p>Settings, read once from system properties, then environment variables, then defaults:
 * <ul>
 *   <li>{@code ai.djl.offline} — always forced to {@code true} unless explicitly set to something else;</li>
 *   <li>{@code DJL_CACHE_DIR} / {@code ENGINE_CACHE_DIR} — where libtorch unpacks (≈ 450 MB once), default
 *       {@code ~/.ndevid/djl-cache}, or {@code NDEVID_DJL_CACHE};</li>
 *   <li>{@code ai.djl.default_engine} — {@code PyTorch}.</li>
 * </ul>
 */
public final class TorchRuntime {

    /** The libtorch version this build is pinned to (pytorch-native-cpu 2.7.1). */
    public static final String EXPECTED_LIBTORCH = "2.7.1";

    private static volatile Engine engine;
    private static volatile EngineLocation location;

    private TorchRuntime() {}

    /** The cache directory DJL will use (after {@link #engine()} has been called, the one it did use). */
    public static Path cacheDir() {
        String dir = firstSet(System.getProperty("DJL_CACHE_DIR"), System.getenv("DJL_CACHE_DIR"),
                System.getenv("NDEVID_DJL_CACHE"));
        if (dir == null) {
            dir = Paths.get(System.getProperty("user.home"), ".ndevid", "djl-cache").toString();
        }
        return Paths.get(dir);
    }

    /** Starts (once) and returns the PyTorch engine, offline. */
    public static Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (TorchRuntime.class) {
                e = engine;
                if (e == null) {
                    EngineLocation where = configure();
                    try {
                        e = Engine.getEngine("PyTorch");
                    } catch (RuntimeException | UnsatisfiedLinkError ex) {
                        if (where.libDir() != null) {
                            throw new IllegalArgumentException("could not load libtorch from " + where.libDir()
                                    + " (" + where.route() + ", flavor " + where.flavor() + "): " + ex.getMessage()
                                    + "; it must be libtorch " + EXPECTED_LIBTORCH + " for " + where.flavor()
                                    + " with its CUDA libraries on the loader path (docs/ENGINE.md)", ex);
                        }
                        throw new IllegalStateException(
                                "Could not start DJL's PyTorch engine offline from the pytorch-native jar "
                                        + "(cache dir " + cacheDir() + "): " + ex.getMessage()
                                        + ". Is ai.djl.pytorch:pytorch-native-cpu:" + EXPECTED_LIBTORCH
                                        + ":linux-x86_64 on the class path, and the cache dir writable?", ex);
                    }
                    engine = e;
                }
            }
        }
        return e;
    }

    /** Where libtorch came from (resolved on the first call; see {@link EngineLocation}). */
    public static EngineLocation location() {
        EngineLocation l = location;
        if (l == null) {
            synchronized (TorchRuntime.class) {
                l = location;
                if (l == null) {
                    l = EngineLocation.resolve(TorchRuntime::setting, cacheDir());
                    location = l;
                }
            }
        }
        return l;
    }

    /**
     * The system property DJL's engine reads once, when it starts, for libtorch's intra-op threads (the {@code ndevid}
     * script sets it from {@code NDEVID_TORCH_THREADS}, default 1; a child JVM inherits it or gets its own
     * {@code -D}).
     */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    /** libtorch's intra-op threads in this process, as the engine reports them. */
    public static int intraOpThreads() {
        engine();
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    /** GPUs the engine sees (0 for a CPU libtorch, or when CUDA finds no device). */
    public static int gpuCount() {
        return engine().getGpuCount();
    }

    /** An environment variable, else the system property of that name (DJL's order). */
    static String setting(String name) {
        return firstSet(System.getenv(name), System.getProperty(name));
    }

    /** libtorch's version as the engine reports it, e.g. {@code 2.7.1}. */
    public static String libtorchVersion() {
        return engine().getVersion();
    }

    /**
     * Parses a device spec: {@code cpu}, {@code gpu}, {@code gpu:N} / {@code cuda:N}, or {@code auto} (the first GPU
     * if the engine sees one, else the CPU).
     *
     * @throws IllegalArgumentException for an unknown spec or a GPU the engine does not have
     */
    public static Device device(String spec) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        Engine e = engine();
        int gpus = e.getGpuCount();
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int id;
        if (s.equals("gpu") || s.equals("cuda")) {
            id = 0;
        } else if (s.startsWith("gpu:") || s.startsWith("cuda:")) {
            try {
                id = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("bad device '" + spec + "': expected cpu, gpu:N or auto");
            }
        } else {
            throw new IllegalArgumentException("bad device '" + spec + "': expected cpu, gpu:N or auto");
        }
        if (id < 0 || id >= gpus) {
            throw new IllegalArgumentException("device '" + spec + "' asked for GPU " + id + " but the engine sees "
                    + gpus + " GPU(s) (libtorch " + e.getVersion() + ", flavor " + location().flavor() + " from "
                    + location().route() + "; `ndevid engine` says more)");
        }
        return Device.gpu(id);
    }

    private static EngineLocation configure() {
        EngineLocation where = location();
        where.properties().forEach(System::setProperty);
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        String cache = cacheDir().toString();
        if (System.getProperty("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", cache);
        }
        if (System.getProperty("ENGINE_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", cache);
        }
        if (System.getProperty("ai.djl.default_engine") == null) {
            System.setProperty("ai.djl.default_engine", "PyTorch");
        }
        return where;
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}

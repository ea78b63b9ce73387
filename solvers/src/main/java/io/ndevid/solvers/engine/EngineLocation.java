package io.ndevid.solvers.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where libtorch comes from, decided before DJL's engine starts (docs/ENGINE.md, "Provisioning libtorch"). In order:
 * <ol>
 *   <li>{@code PYTORCH_LIBRARY_PATH} (environment or system property): a local libtorch's {@code lib/} folder — an
 *       unpacked libtorch zip or an installed PyTorch's {@code torch/lib}. It must hold {@code libtorch.so}; its
 *       version (from {@code build-version} or {@code version.py} beside it, when present) must be
 *       {@link TorchRuntime#EXPECTED_LIBTORCH}; its flavor is {@code PYTORCH_FLAVOR}, else read from that version
 *       ({@code 2.7.1+cu128} → {@code cu128});</li>
 *   <li>a libtorch that {@code ndevid engine fetch} put into the cache ({@code <cache>/pytorch/<version>-<flavor>-
 *       <classifier>/} with ndevid's marker file, written last);</li>
 *   <li>the CPU libtorch of the {@code pytorch-native-cpu} jar on the class path.</li>
 * </ol>
 * DJL 0.36's {@code pytorch-jni} jar carries the JNI glue for the {@code cpu} and {@code cu128} flavors only, so
 * those are the flavors accepted.
 *
 * @param route      {@code class-path}, {@code PYTORCH_LIBRARY_PATH} or {@code fetched}
 * @param libDir     the folder holding {@code libtorch.so}, or null for the class-path jar
 * @param flavor     {@code cpu} or {@code cu128}
 * @param properties the system properties to set for DJL before it starts (empty for the class-path jar)
 */
public record EngineLocation(String route, Path libDir, String flavor, Map<String, String> properties) {

    public static final List<String> FLAVORS = List.of("cpu", "cu128");
    /** Written last by {@code ndevid engine fetch}: a folder without it is an unfinished download. */
    public static final String FETCH_MARKER = "ndevid-fetched.txt";
    static final String CLASSIFIER = "linux-x86_64";
    private static final Pattern VERSION = Pattern.compile("(\\d+\\.\\d+\\.\\d+)(?:\\+([a-z0-9]+))?");

    public EngineLocation {
        properties = Map.copyOf(properties);
    }

    /** The folder a fetched libtorch of {@code flavor} lives in. */
    public static Path fetchedDir(Path cacheDir, String flavor) {
        return cacheDir.resolve("pytorch").resolve(TorchRuntime.EXPECTED_LIBTORCH + "-" + flavor + "-" + CLASSIFIER);
    }

    /**
     * Decides the route from {@code setting} (environment first, then system properties: DJL's own order) and the
     * cache folder.
     *
     * @throws IllegalArgumentException a library that is missing, of another version or of a flavor this build has
     *                                  no JNI glue for: one line naming the setting and the fix
     */
    public static EngineLocation resolve(Function<String, String> setting, Path cacheDir) {
        String lib = setting.apply("PYTORCH_LIBRARY_PATH");
        if (lib != null && !lib.isBlank()) {
            return local(Path.of(lib.trim()), setting);
        }
        for (String flavor : List.of("cu128")) {
            Path dir = fetchedDir(cacheDir, flavor);
            if (Files.isRegularFile(dir.resolve(FETCH_MARKER)) && Files.isRegularFile(dir.resolve("libtorch.so"))) {
                return new EngineLocation("fetched", dir, flavor, Map.of("PYTORCH_LIBRARY_PATH", dir.toString(),
                        "PYTORCH_VERSION", TorchRuntime.EXPECTED_LIBTORCH, "PYTORCH_FLAVOR", flavor));
            }
        }
        return new EngineLocation("class-path", null, "cpu", Map.of());
    }

    private static EngineLocation local(Path dir, Function<String, String> setting) {
        String fix = "; point PYTORCH_LIBRARY_PATH at the lib/ folder of libtorch " + TorchRuntime.EXPECTED_LIBTORCH
                + " (libtorch/lib of the zip, or site-packages/torch/lib of an installed torch "
                + TorchRuntime.EXPECTED_LIBTORCH + ") or unset it for the CPU libtorch";
        if (Files.isRegularFile(dir) && dir.getFileName().toString().equals("libtorch.so")) {
            dir = dir.getParent();
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("PYTORCH_LIBRARY_PATH=" + dir + ": no such folder" + fix);
        }
        if (!Files.isRegularFile(dir.resolve("libtorch.so"))) {
            throw new IllegalArgumentException("PYTORCH_LIBRARY_PATH=" + dir + ": no libtorch.so there" + fix);
        }
        String found = versionBeside(dir);
        String version = setting.apply("PYTORCH_VERSION");
        String flavor = setting.apply("PYTORCH_FLAVOR");
        if (found != null) {
            Matcher m = VERSION.matcher(found);
            if (!m.matches() || !m.group(1).equals(TorchRuntime.EXPECTED_LIBTORCH)) {
                throw new IllegalArgumentException("PYTORCH_LIBRARY_PATH=" + dir + " holds libtorch " + found
                        + ", but this build's DJL needs " + TorchRuntime.EXPECTED_LIBTORCH + fix);
            }
            if ((flavor == null || flavor.isBlank()) && m.group(2) != null) {
                flavor = m.group(2);
            }
        }
        if (version != null && !version.isBlank() && !version.trim().equals(TorchRuntime.EXPECTED_LIBTORCH)) {
            throw new IllegalArgumentException("PYTORCH_VERSION=" + version + ": this build's DJL needs libtorch "
                    + TorchRuntime.EXPECTED_LIBTORCH + "; set PYTORCH_VERSION=" + TorchRuntime.EXPECTED_LIBTORCH
                    + " with a libtorch of that version");
        }
        if (flavor == null || flavor.isBlank()) {
            if (Files.isRegularFile(dir.resolve("libtorch_cuda.so"))) {
                throw new IllegalArgumentException("PYTORCH_LIBRARY_PATH=" + dir + " is a CUDA libtorch of unknown "
                        + "CUDA version; set PYTORCH_FLAVOR=cu128 (the CUDA flavor this build has JNI glue for)");
            }
            flavor = "cpu";
        }
        flavor = flavor.trim();
        if (!FLAVORS.contains(flavor)) {
            throw new IllegalArgumentException("PYTORCH_FLAVOR=" + flavor + ": DJL 0.36 ships JNI glue for "
                    + FLAVORS + " only; use libtorch " + TorchRuntime.EXPECTED_LIBTORCH + " built for CUDA 12.8 "
                    + "(cu128)");
        }
        java.util.HashMap<String, String> props = new java.util.HashMap<>(Map.of("PYTORCH_LIBRARY_PATH",
                dir.toString(), "PYTORCH_VERSION", TorchRuntime.EXPECTED_LIBTORCH, "PYTORCH_FLAVOR", flavor));
        List<String> skip = pythonBindings(dir);
        if (!skip.isEmpty() && setting.apply("PYTORCH_LIBRARY_EXCLUSION") == null) {
            props.put("PYTORCH_LIBRARY_EXCLUSION", String.join(",", skip));
        }
        return new EngineLocation("PYTORCH_LIBRARY_PATH", dir, flavor, props);
    }

    /**
     * The version written beside a libtorch: {@code ../build-version} of the libtorch zip, or {@code ../version.py}
     * ({@code __version__ = '2.7.1+cu128'}) of an installed torch; null when neither is there.
     */
    static String versionBeside(Path libDir) {
        Path parent = libDir.toAbsolutePath().getParent();
        if (parent == null) {
            return null;
        }
        try {
            Path bv = parent.resolve("build-version");
            if (Files.isRegularFile(bv)) {
                return Files.readString(bv, StandardCharsets.UTF_8).trim();
            }
            Path py = parent.resolve("version.py");
            if (Files.isRegularFile(py)) {
                Matcher m = Pattern.compile("__version__\\s*=\\s*['\"]([^'\"]+)['\"]")
                        .matcher(Files.readString(py, StandardCharsets.UTF_8));
                return m.find() ? m.group(1) : null;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** An installed torch's lib/ also holds its Python bindings, which DJL must not load (no libpython here). */
    private static List<String> pythonBindings(Path dir) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("libtorch_python") || n.startsWith("libshm"))
                    .sorted().forEach(out::add);
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }
}

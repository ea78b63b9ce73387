package io.ndevid.solvers.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * {@code ndevid engine fetch}: the one explicit download. Puts DJL's build of libtorch {@value
 * TorchRuntime#EXPECTED_LIBTORCH} for a flavor into {@link EngineLocation#fetchedDir} (the layout DJL itself
 * downloads into: {@code <base>/files.txt} lists {@code <flavor>/<classifier>/native/lib/<file>.gz}), writing
 * {@link EngineLocation#FETCH_MARKER} last. Later runs find it there and stay offline.
 */
public final class LibtorchFetch {

    /** DJL's mirror of libtorch builds for this version. */
    public static final String DEFAULT_BASE = "https://publish.djl.ai/pytorch/" + TorchRuntime.EXPECTED_LIBTORCH;

    private LibtorchFetch() {}

    /**
     * Downloads (from {@code base}: an https or file URL) the libraries of {@code flavor} into the cache.
     *
     * @return the folder the libraries are in
     * @throws IllegalArgumentException a flavor without JNI glue here, or one the mirror does not list
     * @throws IOException              the download failed (nothing is left half-written)
     */
    public static Path fetch(String flavor, String base, Path cacheDir, PrintWriter progress) throws IOException {
        if (!flavor.startsWith("cu") || !EngineLocation.FLAVORS.contains(flavor)) {
            throw new IllegalArgumentException("--flavor " + flavor + ": this build's DJL has JNI glue for CUDA flavor "
                    + "cu128 only (the CPU libtorch is in the jar already)");
        }
        String root = base.endsWith("/") ? base : base + "/";
        List<String> files;
        try (InputStream in = URI.create(root + "files.txt").toURL().openStream()) {
            files = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
                    .filter(l -> l.startsWith(flavor + "/" + EngineLocation.CLASSIFIER + "/native/lib/")
                            && l.endsWith(".gz")).toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(root + "files.txt lists no " + flavor + "/"
                    + EngineLocation.CLASSIFIER + " libraries");
        }
        Path dir = EngineLocation.fetchedDir(cacheDir, flavor);
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), "fetch-");
        try {
            for (String f : files) {
                String name = f.substring(f.lastIndexOf('/') + 1, f.length() - ".gz".length());
                progress.println("  " + root + f);
                progress.flush();
                try (InputStream in = new GZIPInputStream(URI.create(root + f).toURL().openStream())) {
                    Files.copy(in, tmp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!Files.isRegularFile(tmp.resolve("libtorch.so"))) {
                throw new IllegalArgumentException(root + " has no libtorch.so for " + flavor);
            }
            Files.writeString(tmp.resolve(EngineLocation.FETCH_MARKER), "libtorch " + TorchRuntime.EXPECTED_LIBTORCH
                    + " " + flavor + " from " + root + "\n", StandardCharsets.UTF_8);
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
            Files.move(tmp, dir);
            return dir;
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}

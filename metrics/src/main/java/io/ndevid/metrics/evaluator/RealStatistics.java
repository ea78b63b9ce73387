package io.ndevid.metrics.evaluator;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.Backends;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.HostBatch;
import io.ndevid.training.data.VideoDataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The real side of FID/FVD, computed once: mean and covariance of a feature extractor's features of {@code n} real
 * clips, cached as a {@code .fidstats} file ({@link GaussianStats}, CRC32C-checked).
 *
 * <p><b>Which clips.</b> {@code n} distinct clips chosen by a partial Fisher–Yates shuffle of the dataset's indices
 * with {@link #SAMPLE_SEED} (not the first {@code n}: UCF101's lists are ordered by class); each clip's own randomness
 * (a random 16-frame window, …) comes from the same seeded stream, so the selection is reproducible.
 *
 * <p><b>Cache key.</b> {@link #key}: dataset name, extractor SHA-256, n, sample seed and the extractor's
 * preprocessing description. The file is {@code real-<dataset>-n<n>-<sha256(key)[0:16]>.fidstats}; the key itself is
 * stored as the statistics' provenance and must match on load. A file that is truncated, fails its checksum, or carries
 * another key is recomputed and replaced (atomically).
 */
public final class RealStatistics {

    /** Seeds the choice of real clips (and their windows). Part of the cache key. */
    public static final long SAMPLE_SEED = 0L;
    /** Clips per forward pass. */
    public static final int DEFAULT_BATCH = 32;

    private RealStatistics() {}

    /** {@link #loadOrCompute(VideoFeatureExtractor, VideoDataset, int, Path, int, Consumer)}, batch 32, silent. */
    public static GaussianStats loadOrCompute(VideoFeatureExtractor evaluator, VideoDataset dataset, int n,
                                              Path cacheDir) throws IOException {
        return loadOrCompute(evaluator, dataset, n, cacheDir, DEFAULT_BATCH, msg -> { });
    }

    /**
     * The cached statistics for (evaluator, dataset, n) if a verified cache file exists, else computed and cached.
     *
     * @param log hears whether the cache was used and why not
     * @throws MetricsInputException if the dataset has fewer than {@code n} clips or n &lt; 2
     */
    public static GaussianStats loadOrCompute(VideoFeatureExtractor evaluator, VideoDataset dataset, int n,
                                              Path cacheDir, int batchSize, Consumer<String> log) throws IOException {
        Objects.requireNonNull(evaluator, "evaluator");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Consumer<String> out = log == null ? msg -> { } : log;
        if (n < 2) {
            throw new MetricsInputException("real statistics need n ≥ 2 clips, got " + n);
        }
        if (dataset.size() < n) {
            throw new MetricsInputException("dataset " + dataset.name() + " has " + dataset.size()
                    + " clips, fewer than the " + n + " asked for");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        String key = key(evaluator, dataset, n);
        Path file = cacheFile(cacheDir, dataset, n, key);
        if (Files.isRegularFile(file)) {
            try {
                GaussianStats cached = GaussianStats.load(file);
                if (cached.provenance().equals(key) && cached.n() == n) {
                    out.accept("using cached real statistics " + file);
                    return cached;
                }
                out.accept("cached real statistics " + file + " were made for another key; recomputing");
            } catch (MetricsInputException e) {
                out.accept("cached real statistics unusable (" + e.getMessage() + "); recomputing");
            }
        } else {
            out.accept("computing real statistics of " + n + " clips of " + dataset.name() + " with "
                    + evaluator.id());
        }
        GaussianStats stats = GaussianStats.of(features(evaluator, dataset, n, batchSize), Backends.best(), key);
        Files.createDirectories(cacheDir);
        stats.save(file);
        out.accept("saved real statistics " + file);
        return stats;
    }

    /** The cache key (also the stored provenance). */
    public static String key(VideoFeatureExtractor evaluator, VideoDataset dataset, int n) {
        return "dataset=" + dataset.name() + "; n=" + n + "; sample-seed=" + SAMPLE_SEED
                + "; extractor-sha256=" + evaluator.weightsSha256() + "; preprocessing=" + evaluator.preprocessing();
    }

    /** Where the statistics for {@code key} live in {@code cacheDir}. */
    public static Path cacheFile(Path cacheDir, VideoDataset dataset, int n, String key) {
        String name = dataset.name().replaceAll("[^A-Za-z0-9._-]+", "_");
        if (name.length() > 60) {
            name = name.substring(0, 60);
        }
        return cacheDir.resolve("real-" + name + "-n" + n + "-" + sha256(key).substring(0, 16) + ".fidstats");
    }

    /** The indices {@link #features} uses: n distinct clips of a dataset of {@code size}, seeded. */
    static int[] sample(int size, int n, SplittableRandom rng) {
        int[] all = new int[size];
        for (int i = 0; i < size; i++) {
            all[i] = i;
        }
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(size - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] out = new int[n];
        System.arraycopy(all, 0, out, 0, n);
        return out;
    }

    /** Features of the n sampled real clips, {@code n × d}. */
    public static DoubleMatrix features(VideoFeatureExtractor evaluator, VideoDataset dataset, int n, int batchSize) {
        TorchRuntime.engine();
        SplittableRandom rng = new SplittableRandom(SAMPLE_SEED);
        int[] indices = sample(dataset.size(), n, rng);
        double[] data = null;
        int d = -1;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int from = 0; from < n; from += batchSize) {
                int to = Math.min(n, from + batchSize);
                int[] idx = java.util.Arrays.copyOfRange(indices, from, to);
                HostBatch hb = dataset.batch(idx, rng);
                try (NDManager b = m.newSubManager()) {
                    NDArray x = b.create(hb.data(), hb.clip().toShape(idx.length));
                    DoubleMatrix f = evaluator.features(x, batchSize);
                    if (data == null) {
                        d = f.cols();
                        data = new double[Math.multiplyExact(n, d)];
                    }
                    System.arraycopy(f.data(), 0, data, from * d, f.data().length);
                }
            }
        }
        return new DoubleMatrix(n, d, data);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

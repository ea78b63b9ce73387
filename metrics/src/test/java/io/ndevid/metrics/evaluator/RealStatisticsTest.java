package io.ndevid.metrics.evaluator;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.SyntheticVideos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RealStatistics}: computed once per key, verified on load, recomputed when corrupted or keyed otherwise. */
class RealStatisticsTest {

    @TempDir
    Path cache;

    static SyntheticVideos data;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        data = Datasets.synthetic(6, 8, 16, 1, 0, 500);
    }

    /** A cheap extractor: per clip, the mean of each frame (T features); counts the clips it sees. */
    static final class FrameMeans implements VideoFeatureExtractor {
        final String sha;
        int clipsSeen;

        FrameMeans(String sha) {
            this.sha = sha;
        }

        @Override
        public String id() {
            return "frame-means@" + sha;
        }

        @Override
        public String weightsSha256() {
            return sha;
        }

        @Override
        public String preprocessing() {
            return "none";
        }

        @Override
        public DoubleMatrix features(NDArray videos, int batchSize) {
            int n = (int) videos.getShape().get(0);
            int t = (int) videos.getShape().get(2);
            clipsSeen += n;
            float[] v = videos.transpose(0, 2, 1, 3, 4).reshape(n, t, -1).mean(new int[] {2}).toFloatArray();
            return DoubleMatrix.of(n, t, v);
        }
    }

    @Test
    void computesOnceThenServesTheVerifiedCache() throws IOException {
        FrameMeans f = new FrameMeans("a".repeat(64));
        List<String> log = new ArrayList<>();
        GaussianStats s1 = RealStatistics.loadOrCompute(f, data, 100, cache, 16, log::add);
        assertEquals(100, f.clipsSeen);
        assertEquals(100, s1.n());
        assertEquals(8, s1.d());
        assertEquals(RealStatistics.key(f, data, 100), s1.provenance());
        assertTrue(s1.provenance().contains(data.name()) && s1.provenance().contains("n=100")
                && s1.provenance().contains(f.sha) && s1.provenance().contains("preprocessing=none"), s1.provenance());

        GaussianStats s2 = RealStatistics.loadOrCompute(f, data, 100, cache, 16, log::add);
        assertEquals(100, f.clipsSeen, "cache hit: no clip evaluated");
        assertTrue(log.stream().anyMatch(m -> m.contains("using cached real statistics")), log.toString());
        assertArrayEquals(s1.mean(), s2.mean());
        assertArrayEquals(s1.covariance(), s2.covariance());

        // Another n, or another extractor checksum, is another key and another file.
        RealStatistics.loadOrCompute(f, data, 50, cache, 16, log::add);
        assertEquals(150, f.clipsSeen);
        FrameMeans g = new FrameMeans("b".repeat(64));
        RealStatistics.loadOrCompute(g, data, 100, cache, 16, log::add);
        assertEquals(100, g.clipsSeen);
        try (var files = Files.list(cache)) {
            assertEquals(3, files.count());
        }
    }

    @Test
    void statisticsAreThoseOfTheSeededSampleOfDistinctClips() throws IOException {
        FrameMeans f = new FrameMeans("c".repeat(64));
        GaussianStats s = RealStatistics.loadOrCompute(f, data, 64, cache, 10, null);
        int[] idx = RealStatistics.sample(data.size(), 64, new SplittableRandom(RealStatistics.SAMPLE_SEED));
        assertEquals(64, Arrays.stream(idx).distinct().count());
        assertTrue(Arrays.stream(idx).anyMatch(i -> i >= 64), "a shuffle, not the first 64 clips");
        // Direct computation over those clips, in one batch.
        DoubleMatrix direct = RealStatistics.features(f, data, 64, 64);
        GaussianStats expected = GaussianStats.of(direct);
        assertArrayEquals(expected.mean(), s.mean(), 1e-12);
        assertArrayEquals(expected.covariance(), s.covariance(), 1e-12);
        double[] manualMean = new double[8];
        for (int i : idx) {
            float[] clip = data.clip(i);
            for (int t = 0; t < 8; t++) {
                double sum = 0;
                for (int p = 0; p < 256; p++) {
                    sum += clip[t * 256 + p];
                }
                manualMean[t] += sum / 256 / 64;
            }
        }
        assertArrayEquals(manualMean, s.mean(), 1e-5);
    }

    @Test
    void corruptedOrForeignCacheFilesAreRecomputed() throws IOException {
        FrameMeans f = new FrameMeans("d".repeat(64));
        GaussianStats s1 = RealStatistics.loadOrCompute(f, data, 40, cache);
        Path file = RealStatistics.cacheFile(cache, data, 40, RealStatistics.key(f, data, 40));
        assertTrue(Files.isRegularFile(file));

        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 0x40;
        Files.write(file, b);
        List<String> log = new ArrayList<>();
        GaussianStats s2 = RealStatistics.loadOrCompute(f, data, 40, cache, 32, log::add);
        assertEquals(80, f.clipsSeen, "recomputed");
        assertTrue(log.stream().anyMatch(m -> m.contains("checksum")), log.toString());
        assertArrayEquals(s1.mean(), s2.mean());
        GaussianStats.load(file); // the replacement verifies

        // A valid statistics file whose provenance is another key (e.g. copied in by hand) is not trusted.
        s1.withProvenance("something else").save(file);
        log.clear();
        RealStatistics.loadOrCompute(f, data, 40, cache, 32, log::add);
        assertEquals(120, f.clipsSeen);
        assertTrue(log.stream().anyMatch(m -> m.contains("another key")), log.toString());
    }

    @Test
    void badRequestsAreRefused() {
        FrameMeans f = new FrameMeans("e".repeat(64));
        MetricsInputException e = assertThrows(MetricsInputException.class,
                () -> RealStatistics.loadOrCompute(f, data, 501, cache));
        assertTrue(e.getMessage().contains("500 clips"), e.getMessage());
        assertThrows(MetricsInputException.class, () -> RealStatistics.loadOrCompute(f, data, 1, cache));
    }

    @Test
    void worksWithTheSyntheticEvaluatorAndKeysOnItsChecksum() throws IOException {
        EvaluatorSettings s = SyntheticEvaluatorTest.quick(3);
        try (SyntheticEvaluator e = SyntheticEvaluator.train(s, cache.resolve("ev.params"), null, Device.cpu())) {
            GaussianStats st = RealStatistics.loadOrCompute(e, data, 32, cache);
            assertEquals(e.sidecar().c3d().fcUnits(), st.d());
            assertTrue(st.provenance().contains(e.weightsSha256()), st.provenance());
            assertTrue(st.provenance().contains("tgan"), st.provenance());
            assertNotEquals(RealStatistics.key(e, data, 32), RealStatistics.key(new FrameMeans("f"), data, 32));
            // Same statistics from the cache.
            GaussianStats again = RealStatistics.loadOrCompute(e, data, 32, cache);
            assertArrayEquals(st.mean(), again.mean());
        }
    }
}

package io.ndevid.metrics.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** final-metrics.json: written and read back equal, the field names the run folder has always had, bad files named. */
class FinalMetricsTest {

    private static FinalMetrics sample() {
        List<Score> scores = List.of(
                new Score(2.0, 0, 30.0, "nxn-cross-gram-eigh", 64, "toy sha256:1", "tgan", "held-out clips"),
                new Score(4.0, 0, 10.0, "nxn-cross-gram-eigh", 64, "toy sha256:1", "tgan", "held-out clips"));
        return FinalMetrics.of("tgan-ode1-linear", scores, 3000, new ProtocolSettings(1000, 64, 2, 64, 1, 16),
                1234, 5678);
    }

    @Test
    void roundTripsThroughItsFile(@TempDir Path dir) throws IOException {
        FinalMetrics m = sample();
        assertEquals(3.0, m.isMean(), 1e-12);
        assertEquals(Math.sqrt(2), m.isStd(), 1e-12, "sample std (n − 1) of 2 and 4");
        assertEquals(20.0, m.fidMean(), 1e-12);
        m.write(dir);
        assertEquals(m, FinalMetrics.read(FinalMetrics.in(dir)));
    }

    @Test
    void keepsTheRunFolderFieldNamesInOrder(@TempDir Path dir) throws IOException {
        sample().write(dir);
        JsonNode j = new ObjectMapper().readTree(dir.resolve("final-metrics.json").toFile());
        List<String> names = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("config", "is_mean", "is_std", "fid_mean", "fid_std", "best_iteration", "batches",
                "samples_per_batch", "is_splits", "is_per_batch", "fid_per_batch", "fid_method", "evaluator",
                "preprocessing", "real_statistics", "temporal_parameters", "original_temporal_parameters"), names);
        assertEquals(3000, j.get("best_iteration").asLong());
        assertEquals(1, j.get("is_splits").asInt());
        assertEquals(2, j.get("is_per_batch").size());
    }

    @Test
    void readsAPartialFileAndNamesABadOne(@TempDir Path dir) throws IOException {
        Path partial = dir.resolve("partial.json");
        Files.writeString(partial, "{\"is_mean\": 1.5, \"fid_mean\": 7}");
        FinalMetrics p = FinalMetrics.read(partial);
        assertEquals(1.5, p.isMean());
        assertTrue(Double.isNaN(p.isStd()), "absent numbers read as NaN");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "[1, 2]");
        IOException e = assertThrows(IOException.class, () -> FinalMetrics.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
        Files.writeString(bad, "{not json");
        e = assertThrows(IOException.class, () -> FinalMetrics.read(bad));
        assertTrue(e.getMessage().contains("not readable as JSON") && !e.getMessage().contains("\n"),
                e.getMessage());
    }
}

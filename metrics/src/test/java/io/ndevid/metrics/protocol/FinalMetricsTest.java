package io.ndevid.metrics.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * final-metrics.json: written and read back equal (with the std convention and the evaluator's provenance), the
 * field names in order, older files without the newer fields, bad files named.
 */
class FinalMetricsTest {

    private static final EvaluatorProvenance PROVENANCE = new EvaluatorProvenance("authors", "ab12", "cd34",
            "authors(p=0.5, seed=7)");

    private static FinalMetrics sample(StdConvention std) {
        List<Score> scores = List.of(
                new Score(2.0, 0, 30.0, "nxn-cross-gram-eigh", 64, "toy sha256:1", "tgan", PROVENANCE,
                        "held-out clips"),
                new Score(4.0, 0, 10.0, "nxn-cross-gram-eigh", 64, "toy sha256:1", "tgan", PROVENANCE,
                        "held-out clips"));
        return FinalMetrics.of("tgan-ode1-linear", scores, 3000, new ProtocolSettings(1000, 64, 2, 64, 1, 16, std),
                1234, 5678);
    }

    private static FinalMetrics sample() {
        return sample(ProtocolSettings.PAPER_STD);
    }

    @Test
    void roundTripsThroughItsFile(@TempDir Path dir) throws IOException {
        FinalMetrics m = sample();
        assertEquals(3.0, m.isMean(), 1e-12);
        assertEquals(1.0, m.isStd(), 1e-12, "the paper's np.std (population) of 2 and 4");
        assertEquals("population", m.stdConvention());
        assertEquals(PROVENANCE, m.provenance());
        assertEquals(20.0, m.fidMean(), 1e-12);
        m.write(dir);
        assertEquals(m, FinalMetrics.read(FinalMetrics.in(dir)));
    }

    @Test
    void theSampleConventionDividesByKMinusOne() {
        FinalMetrics m = sample(StdConvention.SAMPLE);
        assertEquals(Math.sqrt(2), m.isStd(), 1e-12, "sample std (K − 1) of 2 and 4");
        assertEquals("sample", m.stdConvention());
    }

    @Test
    void keepsTheRunFolderFieldNamesInOrder(@TempDir Path dir) throws IOException {
        sample().write(dir);
        JsonNode j = new ObjectMapper().readTree(dir.resolve("final-metrics.json").toFile());
        List<String> names = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("config", "is_mean", "is_std", "fid_mean", "fid_std", "best_iteration", "batches",
                "samples_per_batch", "is_splits", "is_per_batch", "fid_per_batch", "fid_method", "evaluator",
                "preprocessing", "provenance", "std_convention", "real_statistics", "temporal_parameters",
                "original_temporal_parameters"), names);
        assertEquals("cd34", j.get("provenance").get("mean_sha256").asText());
        assertEquals("authors(p=0.5, seed=7)", j.get("provenance").get("dropout").asText());
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
        assertNull(p.provenance(), "a file from before provenance was recorded");
        assertNull(p.stdConvention());
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

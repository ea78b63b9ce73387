package io.ndevid.study.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the tables show of a trial's {@code final-metrics.json} (written by the evaluation protocol in
 * {@code metrics/protocol}, which owns the format): IS and FID mean ± std over K × N samples at the best-IS
 * checkpoint, and what produced them. Absent numbers read as NaN or −1 (shown as "–").
 */
record TrialMetrics(double isMean, double isStd, double fidMean, double fidStd, long temporalParams,
                    long originalTemporalParams, long bestIteration, String evaluator, String preprocessing,
                    String fidMethod, int batches, int samplesPerBatch) {

    static final String FILE = "final-metrics.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The metrics in {@code runDir}, or null when the trial has none (yet). */
    static TrialMetrics readIn(Path runDir) {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode m;
        try {
            m = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return new TrialMetrics(m.path("is_mean").asDouble(Double.NaN), m.path("is_std").asDouble(Double.NaN),
                m.path("fid_mean").asDouble(Double.NaN), m.path("fid_std").asDouble(Double.NaN),
                m.path("temporal_parameters").asLong(-1), m.path("original_temporal_parameters").asLong(-1),
                m.path("best_iteration").asLong(-1), m.path("evaluator").asText("?"),
                m.path("preprocessing").asText("?"), m.path("fid_method").asText("?"), m.path("batches").asInt(),
                m.path("samples_per_batch").asInt());
    }
}

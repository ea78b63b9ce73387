package io.ndevid.metrics.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ndevid.metrics.evaluator.EvaluatorProvenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trial's {@code final-metrics.json}: K batches of N samples scored at the best-IS checkpoint, IS and FID
 * mean ± std over the batches (the settings' {@link StdConvention}, recorded as {@code std_convention}), with what
 * produced them — the evaluator, its preprocessing and {@code provenance} (route, weights and mean-clip SHA-256,
 * dropout), the FID method and the real statistics. The protocol writes it ({@link #write}); the CLI, the store and
 * the report read it ({@link #read}). JSON field names are snake_case, in this order.
 *
 * @param isSplits                   IS splits within one batch (the paper: 1, so the spread is over the K batches)
 * @param provenance                 the evaluator's provenance; null in files written before it was recorded
 * @param stdConvention              {@link StdConvention#id()} of {@code isStd} and {@code fidStd}; null in files
 *                                   written before it was recorded (those used the sample convention, K − 1)
 * @param temporalParameters         parameters of the temporal generator
 * @param originalTemporalParameters those of the original (non-ODE) temporal generator, for comparison
 */
public record FinalMetrics(String config, double isMean, double isStd, double fidMean, double fidStd,
                           long bestIteration, int batches, int samplesPerBatch, int isSplits,
                           List<Double> isPerBatch, List<Double> fidPerBatch, String fidMethod, String evaluator,
                           String preprocessing, EvaluatorProvenance provenance, String stdConvention,
                           String realStatistics, long temporalParameters, long originalTemporalParameters) {

    public static final String FILE = "final-metrics.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public FinalMetrics {
        isPerBatch = List.copyOf(isPerBatch);
        fidPerBatch = List.copyOf(fidPerBatch);
    }

    /** The final metrics of K scores (in batch order) at the checkpoint of {@code bestIteration}. */
    public static FinalMetrics of(String config, List<Score> scores, long bestIteration, ProtocolSettings settings,
                                  long temporalParameters, long originalTemporalParameters) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("final metrics need at least one score");
        }
        double[] is = scores.stream().mapToDouble(Score::is).toArray();
        double[] fid = scores.stream().mapToDouble(Score::fid).toArray();
        Score first = scores.get(0);
        StdConvention std = settings.std();
        return new FinalMetrics(config, mean(is), std.of(is), mean(fid), std.of(fid), bestIteration, scores.size(),
                settings.finalSamples(), settings.splits(), boxed(is), boxed(fid), first.fidMethod(),
                first.evaluator(), first.preprocessing(), first.provenance(), std.id(), first.realStatistics(),
                temporalParameters, originalTemporalParameters);
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("config", config);
        o.put("is_mean", isMean);
        o.put("is_std", isStd);
        o.put("fid_mean", fidMean);
        o.put("fid_std", fidStd);
        o.put("best_iteration", bestIteration);
        o.put("batches", batches);
        o.put("samples_per_batch", samplesPerBatch);
        o.put("is_splits", isSplits);
        ArrayNode a = o.putArray("is_per_batch");
        isPerBatch.forEach(a::add);
        ArrayNode b = o.putArray("fid_per_batch");
        fidPerBatch.forEach(b::add);
        o.put("fid_method", fidMethod);
        o.put("evaluator", evaluator);
        o.put("preprocessing", preprocessing);
        if (provenance != null) {
            o.set("provenance", JSON.valueToTree(provenance.fields()));
        }
        o.put("std_convention", stdConvention);
        o.put("real_statistics", realStatistics);
        o.put("temporal_parameters", temporalParameters);
        o.put("original_temporal_parameters", originalTemporalParameters);
        return o;
    }

    /**
     * From JSON; fields that are absent read as NaN (numbers), 0 (counts) or null (text), so older files and
     * partial ones still read.
     *
     * @throws IllegalArgumentException when {@code node} is not a JSON object
     */
    public static FinalMetrics fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return new FinalMetrics(text(node, "config"), node.path("is_mean").asDouble(Double.NaN),
                node.path("is_std").asDouble(Double.NaN), node.path("fid_mean").asDouble(Double.NaN),
                node.path("fid_std").asDouble(Double.NaN), node.path("best_iteration").asLong(-1),
                node.path("batches").asInt(0), node.path("samples_per_batch").asInt(0),
                node.path("is_splits").asInt(0), doubles(node.path("is_per_batch")),
                doubles(node.path("fid_per_batch")), text(node, "fid_method"), text(node, "evaluator"),
                text(node, "preprocessing"), provenance(node.get("provenance")), text(node, "std_convention"),
                text(node, "real_statistics"),
                node.path("temporal_parameters").asLong(0), node.path("original_temporal_parameters").asLong(0));
    }

    /** Writes {@code runDir/final-metrics.json} (pretty-printed). */
    public void write(Path runDir) throws IOException {
        Files.writeString(runDir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()));
    }

    /** Reads a {@code final-metrics.json}; a file that is not JSON fails with one line naming it. */
    public static FinalMetrics read(Path file) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not readable as JSON: " + firstLine(e.getMessage()), e);
        }
        try {
            return fromJson(node);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code runDir/final-metrics.json}. */
    public static Path in(Path runDir) {
        return runDir.resolve(FILE);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static List<Double> boxed(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(x);
        }
        return out;
    }

    private static List<Double> doubles(JsonNode a) {
        List<Double> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asDouble(Double.NaN)));
        return out;
    }

    /** The {@code provenance} object, or null when absent (older files) or incomplete. */
    private static EvaluatorProvenance provenance(JsonNode p) {
        if (p == null || !p.isObject()) {
            return null;
        }
        String route = text(p, "route");
        String weights = text(p, "weights_sha256");
        String mean = text(p, "mean_sha256");
        String dropout = text(p, "dropout");
        return route == null || weights == null || mean == null || dropout == null ? null
                : new EvaluatorProvenance(route, weights, mean, dropout);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

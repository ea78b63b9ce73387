package io.ndevid.metrics.evaluator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What makes a score comparable with another: the preprocessing route, the SHA-256 of the classifier's weights and of
 * the mean clip it subtracts, and whether C3D's dropout was on. Recorded with every score line and with the final
 * metrics (as {@link #fields()}); {@link #summary()} is the short form inside an evaluator's id.
 *
 * @param route         preprocessing route ({@code authors}, {@code tgan2}; {@code tgan} for the synthetic evaluator)
 * @param weightsSha256 SHA-256 (hex) of the weights file
 * @param meanSha256    SHA-256 (hex) of the mean-clip file, or {@code none} when the route uses no file
 * @param dropout       {@code off} or {@code authors(p=0.5, seed=N)}
 */
public record EvaluatorProvenance(String route, String weightsSha256, String meanSha256, String dropout) {

    /** {@link #meanSha256} of a route without a mean-clip file. */
    public static final String NO_MEAN_FILE = "none";

    public EvaluatorProvenance {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(weightsSha256, "weightsSha256");
        Objects.requireNonNull(meanSha256, "meanSha256");
        Objects.requireNonNull(dropout, "dropout");
    }

    /** JSON-ready fields: route, weights_sha256, mean_sha256, dropout. */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("route", route);
        m.put("weights_sha256", weightsSha256);
        m.put("mean_sha256", meanSha256);
        m.put("dropout", dropout);
        return m;
    }

    /** E.g. {@code route authors, mean sha256:f981f1e19582, dropout off}. */
    public String summary() {
        return "route " + route + ", mean " + (meanSha256.equals(NO_MEAN_FILE) ? NO_MEAN_FILE
                : "sha256:" + meanSha256.substring(0, Math.min(12, meanSha256.length()))) + ", dropout " + dropout;
    }
}

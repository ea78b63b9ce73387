package io.ndevid.metrics.evaluator;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.c3d.C3dDropout;
import io.ndevid.metrics.c3d.C3dMeanClip;
import io.ndevid.metrics.c3d.C3dPreprocessing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --evaluator} value for a user-supplied C3D, and the one place that reads and writes it:
 * <pre>
 *   c3d=WEIGHTS,mean=MEAN.npz[,route=authors|tgan2][,dropout=off|authors[:SEED]]
 * </pre>
 * {@code mean} is required (every reference subtracts the C3D mean clip; see {@link C3dMeanClip}). Defaults: route
 * {@code authors} (the paper authors' evaluation, behind the published IS), dropout {@code off};
 * {@code dropout=authors} reproduces their fc6/fc7 dropout quirk with seed 0, {@code authors:SEED} with another seed
 * ({@link C3dDropout}). Paths may not contain commas.
 *
 * @param weights C3D weights (.npz with Chainer's names, or a DJL .params)
 * @param mean    the mean clip .npz
 * @param route   {@link C3dPreprocessing.Route#AUTHORS} or {@link C3dPreprocessing.Route#TGAN2}
 * @param dropout dropout while scoring
 */
public record UserC3dSpec(Path weights, Path mean, C3dPreprocessing.Route route, C3dDropout dropout) {

    public static final String PREFIX = "c3d=";
    /** The route and dropout when the value names none. */
    public static final C3dPreprocessing.Route DEFAULT_ROUTE = C3dPreprocessing.Route.AUTHORS;
    public static final String FORMAT = "c3d=WEIGHTS,mean=MEAN.npz[,route=authors|tgan2][,dropout=off|authors[:SEED]]";

    /** Whether an {@code --evaluator} value names a user C3D (rather than {@code synthetic}). */
    public static boolean names(String evaluator) {
        return evaluator != null && evaluator.startsWith(PREFIX);
    }

    /**
     * Parses an {@code --evaluator c3d=…} value.
     *
     * @throws MetricsInputException one line naming what is missing or wrong and the expected form
     */
    public static UserC3dSpec parse(String value) {
        if (!names(value)) {
            throw new MetricsInputException("--evaluator " + value + ": expected synthetic or " + FORMAT);
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : value.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (eq < 0 || part.substring(eq + 1).isBlank()) {
                throw new MetricsInputException("--evaluator " + value + ": '" + part + "' needs a value (" + FORMAT
                        + ")");
            }
            if (!List.of("c3d", "mean", "route", "dropout").contains(key)) {
                throw new MetricsInputException("--evaluator " + value + ": unknown key '" + key + "' (" + FORMAT
                        + ")");
            }
            if (parts.put(key, part.substring(eq + 1)) != null) {
                throw new MetricsInputException("--evaluator " + value + ": '" + key + "' given twice");
            }
        }
        if (!parts.containsKey("mean")) {
            throw new MetricsInputException("--evaluator " + value + ": the C3D mean clip is missing — add "
                    + ",mean=FILE, " + C3dMeanClip.EXPECTED + " (the paper authors' repository has it as "
                    + "evaluation/mean2.npz)");
        }
        C3dPreprocessing.Route route = DEFAULT_ROUTE;
        if (parts.containsKey("route")) {
            try {
                route = C3dPreprocessing.Route.parseReference(parts.get("route"));
            } catch (MetricsInputException e) {
                throw new MetricsInputException("--evaluator " + value + ": " + e.getMessage());
            }
        }
        return new UserC3dSpec(Path.of(parts.get("c3d")), Path.of(parts.get("mean")), route,
                dropout(parts.getOrDefault("dropout", "off"), value));
    }

    private static C3dDropout dropout(String text, String value) {
        if (text.equals("off")) {
            return C3dDropout.off();
        }
        if (text.equals("authors")) {
            return C3dDropout.authors(0);
        }
        if (text.startsWith("authors:")) {
            try {
                return C3dDropout.authors(Long.parseLong(text.substring("authors:".length())));
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new MetricsInputException("--evaluator " + value + ": dropout must be off, authors or authors:SEED "
                + "(an integer), got '" + text + "'");
    }

    /** The same spec with both paths absolute and normalised (trainer processes may run in another folder). */
    public UserC3dSpec absolute() {
        return new UserC3dSpec(weights.toAbsolutePath().normalize(), mean.toAbsolutePath().normalize(), route,
                dropout);
    }

    /** The {@code --evaluator} value, every setting spelt out ({@link #parse} reads it back to an equal spec). */
    public String format() {
        List<String> parts = new ArrayList<>();
        parts.add(PREFIX + weights);
        parts.add("mean=" + mean);
        parts.add("route=" + route.id());
        parts.add("dropout=" + (dropout.authors()
                ? String.format(Locale.ROOT, "authors:%d", dropout.seed()) : "off"));
        return String.join(",", parts);
    }
}

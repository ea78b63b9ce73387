package io.ndevid.study;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialPoint;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An experiment: the paper's ablation grid as a value. Base models × G_t × f variants × hyperparameter
 * {@code search} axes × seeds, on top of a preset and fixed {@code overrides} (Ray Tune's {@code grid_search}, without
 * random search). {@link #expand()} gives one {@link TrialSpec} per point, named like {@code tgan-ode1-linear-s0};
 * {@code f} is not an axis of the {@code original} G_t, which has no f.
 *
 * <pre>{
 *   "name": "ablation", "preset": "cpu-small",
 *   "models": ["tgan", "mocogan"], "temporal": ["original", "ode1", "sde"], "f": ["linear", "deep"],
 *   "seeds": [0, 1], "overrides": {"iterations": 2000}, "search": {"lrG": [1e-4, 2e-4]},
 *   "maxTrials": 1000, "maxFailures": 3
 * }</pre>
 */
public record GridSpec(
        @JsonPropertyDescription("experiment name: its folder and id; letters, digits, '-', '_', '.'")
        String name,
        @JsonPropertyDescription("preset every trial starts from: cpu-tiny, cpu-small, gpu-paper (default cpu-small)")
        String preset,
        @JsonPropertyDescription("base models axis: tgan, mocogan, tganv2")
        List<ModelFamily> models,
        @JsonPropertyDescription("temporal generator axis: original, ode1, ode2, ode3, sde")
        List<TemporalKind> temporal,
        @JsonPropertyDescription("f(x) axis of ODE/SDE generators: linear, deep, matched (default [linear])")
        List<FVariant> f,
        @JsonPropertyDescription("seed axis (default [0])")
        List<Long> seeds,
        @JsonPropertyDescription("spec fields set in every trial, e.g. {\"iterations\": 2000}")
        Map<String, JsonNode> overrides,
        @JsonPropertyDescription("spec fields searched over, each a list of values (grid search)")
        Map<String, List<JsonNode>> search,
        @JsonPropertyDescription("refuse grids that expand to more trials than this (default 1000)")
        Integer maxTrials,
        @JsonPropertyDescription("retries of a failed trial, from its last checkpoint, before it is ERROR (default 3)")
        Integer maxFailures,
        @JsonPropertyDescription("keep only these points of models × temporal × f, named like tgan-ode1-deep or "
                + "mocogan-original (default: all); for studies that are not a full product")
        List<String> only) {

    public static final int DEFAULT_MAX_TRIALS = 1000;
    /** No grid, whatever its maxTrials says, may be larger: the coordinator keeps every trial in memory. */
    public static final int HARD_MAX_TRIALS = 100_000;
    public static final int DEFAULT_MAX_FAILURES = 3;

    /** Fields of the JSON form, in order; anything else is a typo and an error. */
    public static final List<String> FIELDS = List.of("name", "preset", "models", "temporal", "f", "seeds",
            "overrides", "search", "maxTrials", "maxFailures", "only");

    /** Spec fields that the grid itself sets: they cannot be overridden or searched. */
    private static final Set<String> AXES = Set.of("name", "preset", "model", "temporal", "f", "seed");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public GridSpec {
        List<String> bad = new ArrayList<>();
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,80}") || name.startsWith(".")) {
            bad.add("name must be 1-80 of [A-Za-z0-9._-] (not starting with '.'), got '" + name + "'");
        }
        preset = preset == null ? "cpu-small" : preset;
        f = f == null ? List.of(FVariant.LINEAR) : f;
        seeds = seeds == null ? List.of(0L) : seeds;
        overrides = overrides == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
        search = search == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(search));
        maxTrials = maxTrials == null ? DEFAULT_MAX_TRIALS : maxTrials;
        maxFailures = maxFailures == null ? DEFAULT_MAX_FAILURES : maxFailures;
        only = only == null ? List.of() : List.copyOf(only);
        nonEmpty(bad, "models", models);
        nonEmpty(bad, "temporal", temporal);
        nonEmpty(bad, "f", f);
        nonEmpty(bad, "seeds", seeds);
        models = models == null ? List.of() : List.copyOf(models);
        temporal = temporal == null ? List.of() : List.copyOf(temporal);
        f = List.copyOf(f);
        seeds = List.copyOf(seeds);
        distinct(bad, "models", models);
        distinct(bad, "temporal", temporal);
        distinct(bad, "f", f);
        distinct(bad, "seeds", seeds);
        for (String k : overrides.keySet()) {
            if (AXES.contains(k)) {
                bad.add("overrides." + k + ": '" + k + "' is set by the grid (" + axisHint(k) + "), not an override");
            }
        }
        for (Map.Entry<String, List<JsonNode>> e : search.entrySet()) {
            if (AXES.contains(e.getKey())) {
                bad.add("search." + e.getKey() + ": '" + e.getKey() + "' is set by the grid (" + axisHint(e.getKey())
                        + "), not a search axis");
            } else if (e.getValue() == null || e.getValue().isEmpty()) {
                bad.add("search." + e.getKey() + " is an empty axis: give at least one value");
            } else if (overrides.containsKey(e.getKey())) {
                bad.add("'" + e.getKey() + "' is both an override and a search axis");
            }
        }
        if (maxTrials < 1 || maxTrials > HARD_MAX_TRIALS) {
            bad.add("maxTrials must be in [1, " + HARD_MAX_TRIALS + "], got " + maxTrials);
        }
        if (models != null && temporal != null && f != null) {
            Set<String> points = new HashSet<>();
            for (ModelFamily m : models) {
                for (TemporalKind t : temporal) {
                    for (FVariant fv : f) {
                        points.add(new TrialPoint(m, t, fv).id());
                    }
                }
            }
            distinct(bad, "only", only);
            for (String p : only) {
                if (!points.contains(p)) {
                    bad.add("only: '" + p + "' is not a point of models × temporal × f (e.g. tgan-ode1-linear, "
                            + "tgan-original)");
                }
            }
        }
        if (maxFailures < 0) {
            bad.add("maxFailures must be ≥ 0, got " + maxFailures);
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid grid: " + String.join("; ", bad));
        }
    }

    /** A full product of its axes ({@code only} empty). */
    public GridSpec(String name, String preset, List<ModelFamily> models, List<TemporalKind> temporal,
                    List<FVariant> f, List<Long> seeds, Map<String, JsonNode> overrides,
                    Map<String, List<JsonNode>> search, Integer maxTrials, Integer maxFailures) {
        this(name, preset, models, temporal, f, seeds, overrides, search, maxTrials, maxFailures, null);
    }

    /** Whether {@code only} keeps this point (named by {@link TrialPoint#id()}). */
    public boolean keeps(TrialPoint p) {
        return only.isEmpty() || only.contains(p.id());
    }

    /** A grid with the default limits. */
    public static GridSpec of(String name, String preset, List<ModelFamily> models, List<TemporalKind> temporal,
                              List<FVariant> f, List<Long> seeds, Map<String, JsonNode> overrides) {
        return new GridSpec(name, preset, models, temporal, f, seeds, overrides, Map.of(), DEFAULT_MAX_TRIALS,
                DEFAULT_MAX_FAILURES);
    }

    public static GridSpec read(Path file) {
        return parse(SpecIO.readFile(file, "grid"));
    }

    /** Parses the JSON form; unknown fields, empty axes and bad values are errors that name the field. */
    public static GridSpec parse(String json) {
        ObjectNode node = SpecIO.jsonObject(json, "grid");
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(k -> {
            if (!FIELDS.contains(k)) {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown grid field(s) " + unknown + "; known: " + FIELDS);
        }
        for (String axis : List.of("models", "temporal", "f", "seeds")) {
            JsonNode a = node.get(axis);
            if (a != null && !a.isNull() && !a.isArray()) {
                throw new IllegalArgumentException("grid field '" + axis + "' must be a list, got " + a);
            }
        }
        JsonNode search = node.get("search");
        if (search != null && search.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = search.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isArray()) {
                    throw new IllegalArgumentException("search." + e.getKey() + " must be a list of values, got "
                            + e.getValue());
                }
            }
        }
        try {
            return JSON.treeToValue(node, GridSpec.class);
        } catch (JsonProcessingException e) {
            throw SpecIO.invalid("grid", e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many trials {@link #expand()} gives, computed without building them. */
    public long size() {
        long points = 0;
        for (ModelFamily m : models) {
            for (TemporalKind t : temporal) {
                for (FVariant fv : t == TemporalKind.ORIGINAL ? List.of(f.get(0)) : f) {
                    points += keeps(new TrialPoint(m, t, fv)) ? 1 : 0;
                }
            }
        }
        long n = points * seeds.size();
        for (List<JsonNode> axis : search.values()) {
            n *= axis.size();
        }
        return n;
    }

    /**
     * The trials, in a fixed order (model, G_t, f, search point, seed; the last varies fastest): the preset's spec of
     * each point with the seed, name, overrides and search values set and validated by {@link SpecIO#withFields};
     * names are unique.
     *
     * @throws IllegalArgumentException for a grid larger than {@link #maxTrials} or a point that is not a valid spec
     */
    public List<TrialSpec> expand() {
        long n = size();
        if (n > maxTrials) {
            throw new IllegalArgumentException("grid '" + name + "' expands to " + n + " trials, more than maxTrials "
                    + maxTrials + "; shrink an axis or raise maxTrials (at most " + HARD_MAX_TRIALS + ")");
        }
        List<Map<String, JsonNode>> points = searchPoints();
        List<TrialSpec> out = new ArrayList<>((int) n);
        Set<String> names = new HashSet<>();
        for (ModelFamily m : models) {
            for (TemporalKind t : temporal) {
                List<FVariant> fs = t == TemporalKind.ORIGINAL ? List.of(f.get(0)) : f;
                for (FVariant fv : fs) {
                    TrialPoint trialPoint = new TrialPoint(m, t, fv);
                    if (!keeps(trialPoint)) {
                        continue;
                    }
                    for (int p = 0; p < points.size(); p++) {
                        Map<String, JsonNode> point = points.get(p);
                        for (long seed : seeds) {
                            String trialName = trialPoint.trialName(tag(point), seed);
                            if (!names.add(trialName)) {
                                trialName = trialName + "-p" + p;
                                names.add(trialName);
                            }
                            Map<String, JsonNode> fields = new LinkedHashMap<>();
                            fields.put("seed", LongNode.valueOf(seed));
                            fields.put("name", TextNode.valueOf(trialName));
                            fields.putAll(overrides);
                            fields.putAll(point);
                            try {
                                out.add(SpecIO.withFields(Presets.of(preset, m, t, fv), fields));
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException("grid '" + name + "', trial " + trialName + ": "
                                        + e.getMessage(), e);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private List<Map<String, JsonNode>> searchPoints() {
        List<Map<String, JsonNode>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<JsonNode>> axis : search.entrySet()) {
            List<Map<String, JsonNode>> next = new ArrayList<>();
            for (Map<String, JsonNode> p : points) {
                for (JsonNode v : axis.getValue()) {
                    Map<String, JsonNode> q = new LinkedHashMap<>(p);
                    q.put(axis.getKey(), v);
                    next.add(q);
                }
            }
            points = next;
        }
        return points;
    }

    /** {@code -lrG0.0002-batchSize8}: the search point in the trial name, in characters a folder name allows. */
    private static String tag(Map<String, JsonNode> point) {
        StringBuilder b = new StringBuilder();
        point.forEach((k, v) -> b.append('-').append(k).append(v.isTextual() ? v.asText() : v.toString()));
        return b.toString().replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void nonEmpty(List<String> bad, String axis, List<?> values) {
        if (values == null) {
            bad.add("'" + axis + "' is missing: give a list with at least one value");
        } else if (values.isEmpty()) {
            bad.add("'" + axis + "' is an empty axis: give at least one value");
        } else if (values.stream().anyMatch(java.util.Objects::isNull)) {
            bad.add("'" + axis + "' contains null");
        }
    }

    private static void distinct(List<String> bad, String axis, List<?> values) {
        if (new HashSet<>(values).size() != values.size()) {
            bad.add("'" + axis + "' repeats a value: " + values);
        }
    }

    private static String axisHint(String k) {
        return switch (k) {
            case "model" -> "use 'models'";
            case "seed" -> "use 'seeds'";
            case "temporal", "f", "preset", "name" -> "use the grid's '" + k.toLowerCase(Locale.ROOT) + "' field";
            default -> "";
        };
    }
}

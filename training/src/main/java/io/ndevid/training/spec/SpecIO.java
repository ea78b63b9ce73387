package io.ndevid.training.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Specs as JSON. A spec file names a preset (default {@code cpu-small}), the model, G_t and f, and overrides any
 * other field; unknown fields are an error that lists the known ones (a typo must not silently train the default).
 */
public final class SpecIO {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    private SpecIO() {}

    public static ObjectMapper json() {
        return JSON;
    }

    public static TrialSpec read(Path file) {
        return parse(readFile(file, "spec"));
    }

    public static TrialSpec parse(String text) {
        return fromTree(jsonObject(text, "spec"));
    }

    /** The text of a {@code what} file ("spec", "grid"); a missing or unreadable one is one line naming it. */
    public static String readFile(Path file, String what) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " file not found: " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + " file " + file + ": " + e.getMessage());
        }
    }

    /** {@code text} as a JSON object; anything else is one line naming {@code what} ("spec", "grid"). */
    public static ObjectNode jsonObject(String text, String what) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Preset defaults overlaid with the object's fields. */
    public static TrialSpec fromTree(ObjectNode in) {
        String preset = text(in, "preset", "cpu-small");
        ModelFamily model = ModelFamily.parse(text(in, "model", "tgan"));
        TemporalKind temporal = TemporalKind.parse(text(in, "temporal", "original"));
        FVariant f = FVariant.parse(text(in, "f", "linear"));
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        in.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
        return withFields(Presets.of(preset, model, temporal, f), fields);
    }

    /**
     * {@code base} with some of its fields replaced by JSON values (a grid's overrides and search point), checked like
     * a spec file: an unknown field or a bad value is an error that names it.
     */
    public static TrialSpec withFields(TrialSpec base, Map<String, JsonNode> fields) {
        ObjectNode merged = JSON.valueToTree(base);
        List<String> unknown = fields.keySet().stream().filter(k -> !merged.has(k)).toList();
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            merged.fieldNames().forEachRemaining(known::add);
            throw new IllegalArgumentException("unknown spec field(s) " + unknown + "; known: " + known);
        }
        fields.forEach(merged::set);
        try {
            return JSON.treeToValue(merged, TrialSpec.class);
        } catch (JsonProcessingException e) {
            throw invalid("spec", e);
        }
    }

    /**
     * The error for JSON that did not bind to {@code what} (a spec, a grid): the validation error a record's constructor
     * threw, as it is, else one line naming what is invalid.
     */
    public static IllegalArgumentException invalid(String what, JsonProcessingException e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root instanceof IllegalArgumentException iae ? iae
                : new IllegalArgumentException("invalid " + what + ": " + e.getOriginalMessage());
    }

    public static String write(TrialSpec s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(ObjectNode in, String field, String dflt) {
        JsonNode n = in.get(field);
        return n == null || n.isNull() ? dflt : n.asText().toLowerCase(Locale.ROOT);
    }
}

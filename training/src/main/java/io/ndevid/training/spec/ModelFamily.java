package io.ndevid.training.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The base video GANs of the study. */
public enum ModelFamily {
    TGAN("tgan"),
    MOCOGAN("mocogan"),
    TGANV2("tganv2");

    private final String id;

    ModelFamily(String id) {
        this.id = id;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static ModelFamily parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        for (ModelFamily f : values()) {
            if (f.id.equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown model '" + s + "'; known: "
                + Arrays.stream(values()).map(ModelFamily::id).collect(Collectors.joining(", ")));
    }
}

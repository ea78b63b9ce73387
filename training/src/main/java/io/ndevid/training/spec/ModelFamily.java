package io.ndevid.training.spec;

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
        return io.ndevid.training.util.EnumIds.parse(values(), ModelFamily::id, s, "model");
    }
}

package io.ndevid.training.temporal;

/** The paper's f(x) ablation (Section 4.1). */
public enum FVariant {
    /** f: one learned layer with a nonlinearity. */
    LINEAR("linear"),
    /**
     * f = g∘h, each a learned layer with a nonlinearity, hidden width = the latent dimension, or the spec's
     * {@code fHidden} when set.
     */
    DEEP("deep"),
    /** f = g∘h whose hidden width is solved so that G_t has the base model's original G_t parameter count. */
    MATCHED("matched");

    private final String id;

    FVariant(String id) {
        this.id = id;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static FVariant parse(String s) {
        return io.ndevid.training.util.EnumIds.parse(values(), FVariant::id, s, "f(x) variant");
    }
}

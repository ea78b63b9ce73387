package io.ndevid.training.temporal;

/** The temporal generator G_t of a video GAN: the base model's own, or a neural ODE of order 1–3, or a neural SDE. */
public enum TemporalKind {
    ORIGINAL("original", 0),
    ODE1("ode1", 1),
    ODE2("ode2", 2),
    ODE3("ode3", 3),
    SDE("sde", 1);

    private final String id;
    private final int order;

    TemporalKind(String id, int order) {
        this.id = id;
        this.order = order;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    /** ODE order (1 for the SDE, 0 for the original recurrent/deconvolutional generators). */
    public int order() {
        return order;
    }

    /** Whether a sample can be rendered at any time t (higher frame rate, before frame 0). */
    public boolean continuousTime() {
        return this != ORIGINAL;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static TemporalKind parse(String s) {
        return io.ndevid.training.util.EnumIds.parse(values(), TemporalKind::id, s, "temporal generator");
    }
}

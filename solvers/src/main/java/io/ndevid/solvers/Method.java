package io.ndevid.solvers;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The ODE methods, by the names torchdiffeq users know. Each is a Butcher tableau in {@link ButcherTableau}. */
public enum Method {
    EULER("euler"),
    MIDPOINT("midpoint"),
    HEUN("heun"),
    RK4("rk4"),
    RK4_38("rk4_38"),
    ADAPTIVE_HEUN("adaptive_heun"),
    BOSH3("bosh3"),
    DOPRI5("dopri5");

    private final String id;

    Method(String id) {
        this.id = id;
    }

    /** The name used in specs and on the command line. */
    public String id() {
        return id;
    }

    public ButcherTableau tableau() {
        return ButcherTableau.of(this);
    }

    public boolean adaptive() {
        return tableau().adaptive();
    }

    /** Parses a method name (case-insensitive; '-' and '_' are the same). */
    public static Method parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Method m : values()) {
            if (m.id.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown ODE method '" + name + "'; known: "
                + Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", ")));
    }
}

package io.ndevid.solvers.sde;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fixed-step SDE methods, by torchsde's names. Each declares what it converges to and how fast, so that a
 * mismatch (a Stratonovich method on an Itô SDE) is refused before any work instead of silently converging to
 * another process.
 *
 * <p>Strong order p means E|Y_T − Y_T^h| = O(h^p) on the same Brownian path; it is the order that matters when a
 * sample path is rendered at different step sizes or frame rates.
 */
public enum SdeMethod {
    /** Euler–Maruyama: y + μ h + σ ΔW. Strong order ½ (1 for additive noise), weak order 1. */
    EULER("euler", SdeType.ITO, 0.5, 1.0, EnumSet.of(NoiseType.DIAGONAL, NoiseType.ADDITIVE)),
    /**
     * Milstein for diagonal noise: Euler–Maruyama plus ½ σ ∂σ/∂y (ΔW² − h). Strong order 1. Uses the SDE's
     * exact ∂σ/∂y when it supplies one, else the derivative-free σ ∂σ/∂y ≈ (σ(t, y + σ√h) − σ(t, y)) / √h.
     */
    MILSTEIN("milstein", SdeType.ITO, 1.0, 1.0, EnumSet.of(NoiseType.DIAGONAL, NoiseType.ADDITIVE)),
    /**
     * Stochastic Heun (trapezoidal predictor–corrector), which converges to the Stratonovich solution. Strong order 1
     * for diagonal noise (commutative), weak order 1; two drift and two diffusion evaluations per step.
     */
    HEUN("heun", SdeType.STRATONOVICH, 1.0, 1.0, EnumSet.of(NoiseType.DIAGONAL, NoiseType.ADDITIVE));

    private final String id;
    private final SdeType sdeType;
    private final double strongOrder;
    private final double weakOrder;
    private final Set<NoiseType> noiseTypes;

    SdeMethod(String id, SdeType sdeType, double strongOrder, double weakOrder, Set<NoiseType> noiseTypes) {
        this.id = id;
        this.sdeType = sdeType;
        this.strongOrder = strongOrder;
        this.weakOrder = weakOrder;
        this.noiseTypes = noiseTypes;
    }

    /** The name used in specs and on the command line. */
    public String id() {
        return id;
    }

    /** The calculus whose solution the method converges to. */
    public SdeType sdeType() {
        return sdeType;
    }

    /** Strong order for general diagonal noise. */
    public double strongOrder() {
        return strongOrder;
    }

    /** Strong order for the given noise type (Euler–Maruyama gains half an order on additive noise). */
    public double strongOrder(NoiseType noise) {
        return this == EULER && noise == NoiseType.ADDITIVE ? 1.0 : strongOrder;
    }

    public double weakOrder() {
        return weakOrder;
    }

    public Set<NoiseType> noiseTypes() {
        return Set.copyOf(noiseTypes);
    }

    /** Euler–Maruyama for Itô SDEs, Heun for Stratonovich ones: the cheapest method that fits the type. */
    public static SdeMethod defaultFor(SdeType type) {
        return type == SdeType.ITO ? EULER : HEUN;
    }

    /**
     * Refuses an SDE this method does not solve, saying what would.
     *
     * @throws IllegalArgumentException on an SDE-type or noise-type mismatch
     */
    public void checkSolves(SdeType type, NoiseType noise) {
        if (type != sdeType) {
            String fits = Arrays.stream(values()).filter(m -> m.sdeType == type).map(SdeMethod::id)
                    .collect(Collectors.joining(", "));
            throw new IllegalArgumentException("SDE method '" + id + "' solves " + sdeType.label()
                    + " SDEs but the SDE is " + type.label() + "; use " + fits
                    + ", or rewrite the SDE in " + sdeType.label() + " form (diagonal noise: "
                    + (type == SdeType.ITO ? "μ_strat = μ_ito − ½ σ ∂σ/∂y" : "μ_ito = μ_strat + ½ σ ∂σ/∂y") + ")");
        }
        if (!noiseTypes.contains(noise)) {
            throw new IllegalArgumentException("SDE method '" + id + "' supports noise types " + noiseTypes
                    + " but the SDE declares " + noise);
        }
    }

    /** Parses a method name (case-insensitive; '-' and '_' are the same). */
    public static SdeMethod parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (SdeMethod m : values()) {
            if (m.id.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown SDE method '" + name + "'; known: "
                + Arrays.stream(values()).map(SdeMethod::id).collect(Collectors.joining(", ")));
    }
}

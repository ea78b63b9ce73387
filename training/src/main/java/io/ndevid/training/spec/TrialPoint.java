package io.ndevid.training.spec;

import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.Objects;

/**
 * A point of the paper's study — base model × temporal generator G_t × f(x) — and the one place that names it. The
 * original G_t has no f, so its points ignore {@code f}: {@code tgan-original} is one point whatever f says.
 *
 * <ul>
 *   <li>{@link #id()}: {@code tgan-ode1-linear}, {@code mocogan-original} — preset trial names, a grid's
 *       {@code only} entries, the start of a grid trial's name;</li>
 *   <li>{@link #label()}: {@code tgan / ode1 / linear}, {@code mocogan / original / -} — the tables' config
 *       column and the status API's {@code configId};</li>
 *   <li>{@link #trialName}: {@code tgan-ode1-linear-s2}, {@code tgan-ode1-linear-lrG0.0001-s0} — a grid trial's
 *       name: the point, its search values and its training seed, so the seeds of one cell never share a name.</li>
 * </ul>
 */
public record TrialPoint(ModelFamily model, TemporalKind temporal, FVariant f) {

    public TrialPoint {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(temporal, "temporal");
        Objects.requireNonNull(f, "f");
    }

    /** The point a trial belongs to. */
    public static TrialPoint of(TrialSpec spec) {
        return new TrialPoint(spec.model(), spec.temporal(), spec.f());
    }

    /** {@code tgan-ode1-linear}, {@code tgan-original}. */
    public String id() {
        return model.id() + "-" + temporal.id() + (hasF() ? "-" + f.id() : "");
    }

    /**
     * The name of this point's trial with training seed {@code seed}; {@code searchTag} is empty or the search values
     * (e.g. {@code -lrG0.0001}).
     */
    public String trialName(String searchTag, long seed) {
        return id() + searchTag + "-s" + seed;
    }

    /** {@code tgan / ode1 / linear}, {@code tgan / original / -}. */
    public String label() {
        return model.id() + " / " + temporal.id() + " / " + (hasF() ? f.id() : "-");
    }

    /** Whether f(x) is part of this point (every G_t but the original). */
    public boolean hasF() {
        return temporal != TemporalKind.ORIGINAL;
    }

    /** Equal points: same model and G_t, and the same f where f matters. */
    public boolean sameAs(TrialPoint other) {
        return id().equals(other.id());
    }
}

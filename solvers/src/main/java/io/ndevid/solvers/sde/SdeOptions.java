package io.ndevid.solvers.sde;

/**
 * Settings of one SDE integration. Build with {@link #builder()}; the Brownian path must be chosen explicitly,
 * by {@link Builder#seed} or {@link Builder#brownian}, because a default seed would silently give every batch of a
 * training run the same noise.
 *
 * @param method                 the method, or null for {@link SdeMethod#defaultFor} the SDE's type (Euler–Maruyama
 *                               for Itô, Heun for Stratonovich)
 * @param dt                     the largest step: each output interval [t_i, t_{i+1}] is cut into
 *                               ⌈(t_{i+1} − t_i)/dt⌉ equal steps, so the solver lands exactly on every output time.
 *                               Default 0.025, the paper's value; a dyadic dt (2^-m) with dyadic output times keeps
 *                               every Brownian query exact and makes a rendering at 2× the frame rate step on the
 *                               same grid (identical values at the shared times)
 * @param seed                   the seed of the Brownian path when {@code brownian} is null; the path then covers
 *                               [ts[0], ts[last]] with y0's shape and type and default tree settings, and (being
 *                               anchored on absolute time) is the same path whatever the output times
 * @param brownian               an explicit Brownian path, or null to build one from {@code seed}
 * @param milsteinDerivativeFree Milstein: use the derivative-free σ∂σ/∂y even if the SDE supplies ∂σ/∂y
 * @param checkFinite            check that y0 and the outputs are finite (one reduction and a device sync per
 *                               solve, after the last step: a non-finite state stays non-finite) and fail with the
 *                               first output time where they are not
 * @param prefetch               where the increments of a seeded path ({@code brownian} null) may have been made
 *                               ahead of time ({@link NoisePrefetch#request}), or null; never changes a value
 */
public record SdeOptions(SdeMethod method, double dt, long seed, BrownianInterval brownian,
                         boolean milsteinDerivativeFree, boolean checkFinite, NoisePrefetch prefetch) {

    /** The paper's step size. */
    public static final double DEFAULT_DT = 0.025;

    public SdeOptions {
        if (!(dt > 0) || !Double.isFinite(dt)) {
            throw new IllegalArgumentException("dt must be finite and > 0, got " + dt);
        }
    }

    /** The method used for an SDE of the given type. */
    public SdeMethod methodFor(SdeType type) {
        return method != null ? method : SdeMethod.defaultFor(type);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.method = method;
        b.dt = dt;
        b.seed = seed;
        b.seedSet = brownian == null;
        b.brownian = brownian;
        b.milsteinDerivativeFree = milsteinDerivativeFree;
        b.checkFinite = checkFinite;
        b.prefetch = prefetch;
        return b;
    }

    /** Fluent builder for {@link SdeOptions}. */
    public static final class Builder {
        private SdeMethod method;
        private double dt = DEFAULT_DT;
        private long seed;
        private boolean seedSet;
        private BrownianInterval brownian;
        private boolean milsteinDerivativeFree;
        private boolean checkFinite = true;
        private NoisePrefetch prefetch;

        public Builder method(SdeMethod m) {
            this.method = m;
            return this;
        }

        public Builder method(String name) {
            this.method = SdeMethod.parse(name);
            return this;
        }

        public Builder dt(double h) {
            this.dt = h;
            return this;
        }

        /** Draw the Brownian path from this seed (clears any {@link #brownian} set before). */
        public Builder seed(long s) {
            this.seed = s;
            this.seedSet = true;
            this.brownian = null;
            return this;
        }

        /** Use this Brownian path (clears any {@link #seed} set before); it must cover the output times. */
        public Builder brownian(BrownianInterval b) {
            this.brownian = b;
            this.seedSet = false;
            return this;
        }

        public Builder milsteinDerivativeFree(boolean v) {
            this.milsteinDerivativeFree = v;
            return this;
        }

        public Builder checkFinite(boolean v) {
            this.checkFinite = v;
            return this;
        }

        /** Take the seeded path's increments from this prefetch when it made them for this solve (null: none). */
        public Builder prefetch(NoisePrefetch p) {
            this.prefetch = p;
            return this;
        }

        public SdeOptions build() {
            if (!seedSet && brownian == null) {
                throw new IllegalArgumentException("choose the Brownian path: set seed(...) or brownian(...)");
            }
            return new SdeOptions(method, dt, seed, brownian, milsteinDerivativeFree, checkFinite, prefetch);
        }
    }
}

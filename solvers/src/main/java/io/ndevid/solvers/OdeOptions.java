package io.ndevid.solvers;

/**
 * Settings of one ODE integration. Build with {@link #builder()}; every field has a sensible default.
 *
 * @param method     the Runge–Kutta method (default {@code rk4}, as in the paper's code)
 * @param stepSize   fixed methods: the largest step; {@code NaN} means one step per output interval
 * @param rtol       adaptive methods: relative tolerance (default 1e-6)
 * @param atol       adaptive methods: absolute tolerance (default 1e-8)
 * @param firstStep  adaptive methods: the first trial step, {@code NaN} to choose it automatically (Hairer's rule)
 * @param maxSteps   adaptive methods: accepted + rejected steps allowed before a {@link SolverException}
 * @param order      ODE order k (1, 2 or 3): y0 then stacks (z, z', …, z^(k-1)) on a leading axis of size k
 * @param gradients  backprop through the steps, or the adjoint method
 * @param safety     adaptive step controller safety factor (0.9)
 */
public record OdeOptions(Method method, double stepSize, double rtol, double atol, double firstStep, long maxSteps,
                         int order, GradientMode gradients, double safety) {

    public OdeOptions {
        if (method == null) {
            throw new IllegalArgumentException("method must be set");
        }
        if (!Double.isNaN(stepSize) && !(stepSize > 0)) {
            throw new IllegalArgumentException("stepSize must be > 0 (or NaN for one step per interval), got " + stepSize);
        }
        if (!(rtol >= 0) || !(atol >= 0) || rtol + atol == 0) {
            throw new IllegalArgumentException("rtol and atol must be >= 0 and not both 0, got rtol=" + rtol
                    + " atol=" + atol);
        }
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
        }
        if (order < 1 || order > 3) {
            throw new IllegalArgumentException("order must be 1, 2 or 3, got " + order);
        }
        if (gradients == null) {
            throw new IllegalArgumentException("gradients mode must be set");
        }
        if (!(safety > 0 && safety <= 1)) {
            throw new IllegalArgumentException("safety must be in (0, 1], got " + safety);
        }
    }

    public static OdeOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.method = method;
        b.stepSize = stepSize;
        b.rtol = rtol;
        b.atol = atol;
        b.firstStep = firstStep;
        b.maxSteps = maxSteps;
        b.order = order;
        b.gradients = gradients;
        b.safety = safety;
        return b;
    }

    /** Fluent builder for {@link OdeOptions}. */
    public static final class Builder {
        private Method method = Method.RK4;
        private double stepSize = Double.NaN;
        private double rtol = 1e-6;
        private double atol = 1e-8;
        private double firstStep = Double.NaN;
        private long maxSteps = 10_000;
        private int order = 1;
        private GradientMode gradients = GradientMode.BACKPROP;
        private double safety = 0.9;

        public Builder method(Method m) {
            this.method = m;
            return this;
        }

        public Builder method(String name) {
            this.method = Method.parse(name);
            return this;
        }

        public Builder stepSize(double h) {
            this.stepSize = h;
            return this;
        }

        public Builder rtol(double v) {
            this.rtol = v;
            return this;
        }

        public Builder atol(double v) {
            this.atol = v;
            return this;
        }

        public Builder firstStep(double v) {
            this.firstStep = v;
            return this;
        }

        public Builder maxSteps(long v) {
            this.maxSteps = v;
            return this;
        }

        public Builder order(int k) {
            this.order = k;
            return this;
        }

        public Builder gradients(GradientMode g) {
            this.gradients = g;
            return this;
        }

        public Builder adjoint() {
            return gradients(GradientMode.ADJOINT);
        }

        public Builder safety(double v) {
            this.safety = v;
            return this;
        }

        public OdeOptions build() {
            return new OdeOptions(method, stepSize, rtol, atol, firstStep, maxSteps, order, gradients, safety);
        }
    }
}

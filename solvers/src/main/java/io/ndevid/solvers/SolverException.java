package io.ndevid.solvers;

/**
 * An integration that could not finish, with where and why it stopped — never a silent "underflow in dt".
 */
public final class SolverException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final double t;
    private final double dt;
    private final double errorNorm;
    private final long steps;

    public SolverException(String reason, double t, double dt, double errorNorm, long steps) {
        super(String.format("%s at t=%.6g (dt=%.3g, last error norm=%.3g, after %d steps)", reason, t, dt, errorNorm,
                steps));
        this.t = t;
        this.dt = dt;
        this.errorNorm = errorNorm;
        this.steps = steps;
    }

    public double t() {
        return t;
    }

    public double dt() {
        return dt;
    }

    public double errorNorm() {
        return errorNorm;
    }

    public long steps() {
        return steps;
    }
}

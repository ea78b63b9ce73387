package io.ndevid.solvers.sde;

import io.ndevid.solvers.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.ndevid.solvers.SolverException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fixed-step integration of SDEs with diagonal noise, torchsde's {@code sdeint} for DJL.
 *
 * <p>Each output interval [t_i, t_{i+1}] is cut into ⌈(t_{i+1} − t_i)/dt⌉ equal steps so that the solution lands
 * exactly on every output time (no interpolation). The noise comes from a {@link BrownianInterval}, a pure function
 * of its seed, so the same seed gives the same sample path, and a rendering at finer output times follows the same
 * Brownian path: at the shared times it differs only by the solver's discretisation error, and not at all when the
 * step grids coincide (dyadic dt and output times).
 *
 * <p>Gradients: every step is an ordinary DJL computation, so inside a {@code GradientCollector} a backward pass
 * through the result reaches y0 and the SDE's parameters (memory grows with the number of steps). Outside one, each
 * step's intermediates are closed when the step ends and memory stays flat however long the path.
 */
public final class Sdeint {

    private Sdeint() {}

    /**
     * Solves the SDE from y0 at ts[0] and returns the states at every ts, shaped {@code [len(ts), ...y0.shape]},
     * attached to y0's manager (row 0 is y0 itself, so gradients flow to it).
     *
     * @param ts 1-D, strictly increasing (SDEs are integrated forward only); may start below 0
     * @throws IllegalArgumentException on bad input, before any step (method/SDE mismatch, empty or unsorted ts,
     *                                  Brownian path of the wrong shape, type or span, ...) or when drift or
     *                                  diffusion return a tensor not shaped and typed like y
     * @throws SolverException          when the state stops being finite, with the time
     */
    public static NDArray solve(Sde sde, NDArray y0, NDArray ts, SdeOptions options) {
        Objects.requireNonNull(ts, "ts");
        if (ts.getShape().dimension() != 1) {
            throw new IllegalArgumentException("ts must be 1-D, got shape " + ts.getShape());
        }
        double[] times;
        try (NDArray d = ts.toType(DataType.FLOAT64, true)) {
            times = d.toDoubleArray();
        }
        return solve(sde, y0, times, options);
    }

    /** As {@link #solve(Sde, NDArray, NDArray, SdeOptions)} with the output times as doubles. */
    public static NDArray solve(Sde sde, NDArray y0, double[] ts, SdeOptions options) {
        SdeMethod method = validate(sde, y0, ts, options);
        BrownianInterval bm = brownianFor(y0, ts, options);
        NDManager parent = y0.getManager();
        DataType type = y0.getDataType();

        List<NDArray> outputs = new ArrayList<>(ts.length);
        outputs.add(y0);
        NDArray y = y0;
        boolean yIsOutput = true;
        long steps = 0;
        try {
            for (int i = 1; i < ts.length; i++) {
                double a = ts[i - 1];
                double b = ts[i];
                long n = stepsIn(b - a, options.dt());
                double hValue = (b - a) / n;
                try (NDManager interval = parent.newSubManager()) {
                    NDArray h = Scalars.of(interval, hValue, type);
                    NDArray sqrtH = Scalars.of(interval, Math.sqrt(hValue), type);
                    NDArray halfH = Scalars.of(interval, 0.5 * hValue, type);
                    NDArray half = Scalars.of(interval, 0.5, type);
                    for (long j = 0; j < n; j++) {
                        double s = j == 0 ? a : a + (b - a) * j / n;
                        double t = j == n - 1 ? b : a + (b - a) * (j + 1) / n;
                        NDArray next;
                        try (NDManager step = parent.newSubManager()) {
                            // Ops attach their result to their first operand's manager: with y here, every
                            // intermediate of the step closes with it.
                            y.tempAttach(step);
                            NDArray dW = bm.increment(step, s, t);
                            SdeStep.Inputs in = new SdeStep.Inputs(sde, y, Scalars.of(step, s, type),
                                    Scalars.of(step, t, type), s, t, h, sqrtH, halfH, half, dW,
                                    options.milsteinDerivativeFree());
                            next = SdeStep.step(method, in);
                            steps++;
                            if (options.checkFinite() && !isFinite(next)) {
                                throw new SolverException("SDE state became non-finite (NaN or ±Inf) in the step "
                                        + "from t=" + s + " (method " + method.id() + ")", t, hValue, Double.NaN,
                                        steps);
                            }
                            next.attach(parent);
                        }
                        if (!yIsOutput) {
                            y.close();
                        }
                        y = next;
                        yIsOutput = false;
                    }
                }
                outputs.add(y);
                yIsOutput = true;
            }
            return NDArrays.stack(new NDList(outputs));
        } finally {
            if (!yIsOutput) {
                y.close();
            }
            for (int i = 1; i < outputs.size(); i++) {
                outputs.get(i).close();
            }
        }
    }

    /** Steps in an output interval: ⌈span/dt⌉, forgiving the rounding of span/dt just above an integer. */
    static long stepsIn(double span, double dt) {
        double ratio = span / dt;
        long n = (long) Math.ceil(ratio * (1 - 1e-12));
        return Math.max(1, n);
    }

    private static SdeMethod validate(Sde sde, NDArray y0, double[] ts, SdeOptions o) {
        Objects.requireNonNull(sde, "sde");
        Objects.requireNonNull(y0, "y0");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(o, "options");
        if (sde.type() == null) {
            throw new IllegalArgumentException("the SDE must declare its type (ITO or STRATONOVICH)");
        }
        SdeMethod method = o.methodFor(sde.type());
        method.checkSolves(sde.type(), sde.noiseType());
        if (!y0.getDataType().isFloating()) {
            throw new IllegalArgumentException("y0 must be floating point, got " + y0.getDataType());
        }
        if (y0.getShape().size() == 0) {
            throw new IllegalArgumentException("y0 has no elements (shape " + y0.getShape() + ")");
        }
        if (ts.length == 0) {
            throw new IllegalArgumentException("ts is empty: give at least the initial time");
        }
        for (int i = 0; i < ts.length; i++) {
            if (!Double.isFinite(ts[i])) {
                throw new IllegalArgumentException("ts[" + i + "] = " + ts[i] + " is not finite");
            }
            if (i > 0 && !(ts[i] > ts[i - 1])) {
                throw new IllegalArgumentException("ts must be strictly increasing (SDEs are integrated forward in "
                        + "time only), but ts[" + i + "] = " + ts[i] + " <= ts[" + (i - 1) + "] = " + ts[i - 1]);
            }
        }
        BrownianInterval bm = o.brownian();
        if (bm != null) {
            if (!bm.shape().equals(y0.getShape())) {
                throw new IllegalArgumentException("the Brownian path has shape " + bm.shape()
                        + " but y0 has shape " + y0.getShape() + " (diagonal noise: one motion per element)");
            }
            if (bm.dataType() != y0.getDataType()) {
                throw new IllegalArgumentException("the Brownian path is " + bm.dataType() + " but y0 is "
                        + y0.getDataType());
            }
            if (!bm.covers(ts[0], ts[ts.length - 1])) {
                throw new IllegalArgumentException("the Brownian path spans [" + bm.t0() + ", " + bm.t1()
                        + "] but ts runs over [" + ts[0] + ", " + ts[ts.length - 1] + "]");
            }
        }
        if (o.checkFinite() && !isFinite(y0)) {
            throw new SolverException("y0 is not finite", ts[0], o.dt(), Double.NaN, 0);
        }
        return method;
    }

    private static BrownianInterval brownianFor(NDArray y0, double[] ts, SdeOptions o) {
        if (o.brownian() != null) {
            return o.brownian();
        }
        double t0 = ts[0];
        double t1 = ts.length > 1 ? ts[ts.length - 1] : Math.nextUp(t0);
        return BrownianInterval.of(y0.getManager(), o.seed(), y0.getShape(), y0.getDataType(), t0, t1);
    }

    /** One reduction: max|y| is NaN or infinite iff some element is. */
    private static boolean isFinite(NDArray y) {
        try (NDManager tmp = y.getManager().newSubManager()) {
            NDArray detached = y.stopGradient();
            detached.attach(tmp);
            NDArray max = detached.abs().max().toType(DataType.FLOAT64, false);
            max.attach(tmp);
            return Double.isFinite(max.getDouble());
        }
    }
}

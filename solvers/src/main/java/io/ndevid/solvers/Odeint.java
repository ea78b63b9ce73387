package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The entry point for ODEs: what {@code torchdiffeq.odeint} gives Python users, on DJL NDArrays.
 *
 * <pre>{@code
 * NDArray ys = Odeint.solve(f, z0, ts, OdeOptions.builder().method("rk4").build()); // [len(ts), ...z0.shape]
 * }</pre>
 *
 * <p>{@code ts} may be decreasing (integrate backwards in time, e.g. to render before frame 0). Times are read to the
 * JVM as doubles: they steer the solver and are never differentiated. With {@link GradientMode#BACKPROP} the result
 * is part of the autograd graph; with {@link GradientMode#ADJOINT} use {@link OdeAdjoint#solve} instead.
 */
public final class Odeint {

    private Odeint() {}

    /** The solution at {@code ts}, shape {@code [len(ts), ...z.shape]}. */
    public static NDArray solve(VectorField f, NDArray y0, NDArray ts, OdeOptions o) {
        return integrate(f, y0, ts, o).ys();
    }

    /** The solution and the work it took (field evaluations, accepted and rejected steps). */
    public static OdeResult integrate(VectorField f, NDArray y0, NDArray ts, OdeOptions o) {
        if (o.gradients() == GradientMode.ADJOINT) {
            throw new IllegalArgumentException("adjoint gradients need OdeAdjoint.solve(...), which returns the "
                    + "solution together with its backward pass");
        }
        return integrate(f, y0, times(ts), o, false);
    }

    /** Integrates with {@code ts} already on the JVM; {@code detach} cuts every step from the autograd graph. */
    static OdeResult integrate(VectorField f, NDArray y0, double[] ts, OdeOptions o, boolean detach) {
        validate(f, y0, ts, o);
        VectorField field = o.order() == 1 ? f : new HigherOrderField(f, o.order());
        OdeResult r = new Integrator(field, o, detach).run(y0, ts);
        if (o.order() == 1) {
            return r;
        }
        NDArray full = r.ys();
        NDArray z = full.get(new NDIndex(":, 0"));
        z.attach(full.getManager());
        full.close();
        return new OdeResult(z, r.nfe(), r.acceptedSteps(), r.rejectedSteps());
    }

    /** Output times as doubles, checked: 1-D, finite, strictly monotone. */
    static double[] times(NDArray ts) {
        if (ts == null) {
            throw new IllegalArgumentException("ts must be given");
        }
        if (ts.getShape().dimension() != 1) {
            throw new IllegalArgumentException("ts must be 1-D, got shape " + ts.getShape());
        }
        return ts.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    static void validate(VectorField f, NDArray y0, double[] ts, OdeOptions o) {
        if (f == null) {
            throw new IllegalArgumentException("vector field must be given");
        }
        if (y0 == null) {
            throw new IllegalArgumentException("y0 must be given");
        }
        DataType dt = y0.getDataType();
        if (dt != DataType.FLOAT32 && dt != DataType.FLOAT64 && dt != DataType.FLOAT16 && dt != DataType.BFLOAT16) {
            throw new IllegalArgumentException("y0 must be a floating-point tensor, got " + dt);
        }
        if (ts.length == 0) {
            throw new IllegalArgumentException("ts must hold at least one time");
        }
        for (int i = 0; i < ts.length; i++) {
            if (!Double.isFinite(ts[i])) {
                throw new IllegalArgumentException("ts[" + i + "] is not finite: " + ts[i]);
            }
        }
        if (ts.length > 1) {
            double dir = Math.signum(ts[1] - ts[0]);
            for (int i = 1; i < ts.length; i++) {
                if (Math.signum(ts[i] - ts[i - 1]) != dir || dir == 0) {
                    throw new IllegalArgumentException("ts must be strictly increasing or strictly decreasing; "
                            + "ts[" + (i - 1) + "]=" + ts[i - 1] + ", ts[" + i + "]=" + ts[i]);
                }
            }
        }
        if (o.order() > 1) {
            if (y0.getShape().dimension() < 1 || y0.getShape().get(0) != o.order()) {
                throw new IllegalArgumentException("an order-" + o.order() + " ODE needs y0 stacked as (z, z'"
                        + (o.order() == 3 ? ", z''" : "") + ") on a leading axis of size " + o.order()
                        + ", got shape " + y0.getShape());
            }
        }
    }
}

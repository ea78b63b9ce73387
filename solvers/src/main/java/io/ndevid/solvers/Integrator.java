package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/**
 * Integrates a first-order system over the output times: the fixed-grid and adaptive loops, step-size control,
 * dense output and memory scoping. {@link Odeint} validates input and handles higher orders around it.
 *
 * <p>Memory: every step runs in its own sub-manager and only the carried state (and the outputs) survive it. In
 * {@code detach} mode (the adjoint's forward pass, or any forward-only use) the carried state is also cut from the
 * autograd graph, so memory is constant in the number of steps. Otherwise the autograd graph itself keeps what
 * backward needs: closing a Java handle never frees a tensor that the graph still references.
 */
final class Integrator {

    /** PI controller exponents, as multiples of 1/k (k = embedded order + 1): Hairer &amp; Wanner II.4. */
    private static final double PI_ALPHA = 0.7;
    private static final double PI_BETA = 0.4;
    private static final double MIN_FACTOR = 0.2;
    private static final double MAX_FACTOR = 10.0;
    private static final int MAX_NON_FINITE_REJECTIONS = 30;

    private final VectorField f;
    private final OdeOptions o;
    private final ButcherTableau tab;
    private final boolean detach;
    private final boolean readsTime;
    private long nfe;
    private long accepted;
    private long rejected;

    Integrator(VectorField field, OdeOptions options, boolean detach) {
        this.o = options;
        this.tab = options.method().tableau();
        this.detach = detach;
        this.readsTime = field.readsTime();
        this.f = (t, y) -> {
            nfe++;
            return field.eval(t, y);
        };
    }

    OdeResult run(NDArray y0, double[] ts) {
        NDManager caller = y0.getManager();
        try (NDManager work = caller.newSubManager()) {
            NDArray start = detach ? y0.stopGradient() : y0;
            if (detach) {
                start.attach(work);
            }
            List<NDArray> outs = tab.adaptive() ? adaptive(work, start, ts) : fixed(work, start, ts);
            NDArray ys = NDArrays.stack(new NDList(outs), 0);
            if (!tab.adaptive()) {
                checkFinite(ys, ts);
            }
            ys.attach(caller);
            return new OdeResult(ys, nfe, accepted, rejected);
        }
    }

    private List<NDArray> fixed(NDManager work, NDArray y0, double[] ts) {
        List<NDArray> outs = new ArrayList<>(ts.length);
        outs.add(y0);
        NDArray y = y0;
        ScalarCache weights = new ScalarCache(work); // h·a_ij, h·b_j: the same few values step after step
        NDArray anyTime = readsTime ? null : weights.of(Double.NaN, y0.getDataType());
        for (int i = 1; i < ts.length; i++) {
            double a = ts[i - 1];
            long m = stepsIn(ts, i);
            double h = (ts[i] - a) / m;
            for (long j = 0; j < m; j++) {
                double t = a + j * h;
                double hj = j == m - 1 ? ts[i] - t : h; // land exactly on the output time
                NDArray next;
                try (NDManager stepMgr = work.newSubManager()) {
                    y.tempAttach(stepMgr);
                    next = RungeKutta.step(f, tab, t, hj, y, null, weights, anyTime).y1();
                    next = keep(next, work);
                }
                accepted++;
                if (y != y0 && y != outs.get(outs.size() - 1)) {
                    y.close();
                }
                y = next;
            }
            outs.add(y);
        }
        return outs;
    }

    private List<NDArray> adaptive(NDManager work, NDArray y0, double[] ts) {
        List<NDArray> outs = new ArrayList<>(ts.length);
        outs.add(y0);
        if (ts.length == 1) {
            return outs;
        }
        double dir = Math.signum(ts[ts.length - 1] - ts[0]);
        double tEnd = ts[ts.length - 1];
        int k = tab.errorOrder() + 1;
        double t = ts[0];
        NDArray y = y0;
        NDArray f0;
        try (NDManager m = work.newSubManager()) {
            y.tempAttach(m);
            f0 = keep(f.eval(Scalars.of(y, t), y), work);
        }
        double h = Double.isNaN(o.firstStep()) ? initialStep(work, y, f0, t, dir, tEnd) : dir * Math.abs(o.firstStep());
        double errPrev = 1.0;
        double lastErr = Double.NaN;
        int next = 1;
        int nonFinite = 0;
        while (next < ts.length) {
            if (accepted + rejected >= o.maxSteps()) {
                throw new SolverException("reached maxSteps=" + o.maxSteps() + " before t=" + tEnd
                        + " (stiff dynamics or tolerances too tight?)", t, h, lastErr, accepted + rejected);
            }
            if (dir * (t + h - tEnd) > 0) {
                h = tEnd - t; // never evaluate the field beyond the last output time
            }
            if (Math.abs(h) <= 16 * Math.ulp(Math.abs(t)) || Math.abs(h) < Double.MIN_NORMAL) {
                throw new SolverException("step size underflow: the error test keeps failing (stiff or "
                        + "non-finite dynamics?)", t, h, lastErr, accepted + rejected);
            }
            double tNew = t + h;
            NDArray y1;
            NDArray f1;
            double err;
            List<NDArray> dense = new ArrayList<>();
            try (NDManager stepMgr = work.newSubManager()) {
                y.tempAttach(stepMgr);
                f0.tempAttach(stepMgr);
                RungeKutta.Step s = RungeKutta.step(f, tab, t, h, y, f0, null, null);
                err = errorNorm(s.error(), y, s.y1());
                lastErr = err;
                if (!(err <= 1.0)) {
                    if (Double.isNaN(err) || Double.isInfinite(err)) {
                        if (++nonFinite > MAX_NON_FINITE_REJECTIONS) {
                            throw new SolverException("the vector field keeps returning non-finite values",
                                    t, h, err, accepted + rejected);
                        }
                        h *= MIN_FACTOR;
                    } else {
                        h *= Math.max(MIN_FACTOR, o.safety() * Math.pow(err, -1.0 / k));
                    }
                    rejected++;
                    continue;
                }
                nonFinite = 0;
                f1 = tab.fsal() ? s.k()[s.k().length - 1] : f.eval(Scalars.of(s.y1(), tNew), s.y1());
                // Outputs inside (t, tNew]: dense output, or the step's end itself.
                while (next < ts.length && dir * (ts[next] - tNew) <= 0) {
                    NDArray out = ts[next] == tNew ? s.y1() : interpolate(s, y, f0, f1, t, h, ts[next]);
                    dense.add(keep(out, work));
                    next++;
                }
                y1 = keep(s.y1(), work);
                f1 = keep(f1, work);
            }
            accepted++;
            NDArray lastOut = outs.get(outs.size() - 1);
            outs.addAll(dense);
            if (y != y0 && y != lastOut) {
                y.close();
            }
            f0.close();
            y = y1;
            f0 = f1;
            t = tNew;
            double factor = err == 0 ? MAX_FACTOR
                    : o.safety() * Math.pow(err, -PI_ALPHA / k) * Math.pow(errPrev, PI_BETA / k);
            h *= Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, factor));
            errPrev = Math.max(err, 1e-4);
        }
        return outs;
    }

    /** Moves a step's result out of the step scope (cut from the graph in detach mode). */
    private NDArray keep(NDArray a, NDManager work) {
        NDArray kept = detach ? a.stopGradient() : a;
        kept.attach(work);
        return kept;
    }

    /** RMS over elements of err / (atol + rtol·max(|y0|, |y1|)), on the JVM (it steers the step, not the graph). */
    private double errorNorm(NDArray err, NDArray y0, NDArray y1) {
        NDArray e = err.stopGradient();
        NDArray scale = y0.stopGradient().abs().maximum(y1.stopGradient().abs())
                .mul(Scalars.of(e, o.rtol())).add(Scalars.of(e, o.atol()));
        NDArray r = e.div(scale);
        return Math.sqrt(r.mul(r).mean().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
    }

    /** Hairer, Nørsett &amp; Wanner (1993) II.4: a first step from two field evaluations. */
    private double initialStep(NDManager work, NDArray y0, NDArray f0, double t0, double dir, double tEnd) {
        try (NDManager m = work.newSubManager()) {
            y0.tempAttach(m);
            f0.tempAttach(m);
            NDArray y = y0.stopGradient();
            NDArray fy = f0.stopGradient();
            NDArray scale = y.abs().mul(Scalars.of(y, o.rtol())).add(Scalars.of(y, o.atol()));
            double d0 = rms(y.div(scale));
            double d1 = rms(fy.div(scale));
            double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
            h0 = Math.min(h0, Math.abs(tEnd - t0));
            NDArray y1 = y.add(fy.mul(Scalars.of(y, dir * h0)));
            NDArray f1 = f.eval(Scalars.of(y, t0 + dir * h0), y1).stopGradient();
            double d2 = rms(f1.sub(fy).div(scale)) / h0;
            int order = tab.order();
            double h1 = (Math.max(d1, d2) <= 1e-15) ? Math.max(1e-6, h0 * 1e-3)
                    : Math.pow(0.01 / Math.max(d1, d2), 1.0 / (order + 1));
            double h = Math.min(100 * h0, h1);
            return dir * Math.min(h, Math.abs(tEnd - t0));
        }
    }

    private static double rms(NDArray a) {
        return Math.sqrt(a.mul(a).mean().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
    }

    /**
     * Dense output inside an accepted step. Dormand–Prince: the quartic through y0, y1, y(t+h/2) with slopes f0, f1
     * (Shampine's midpoint weights). Other pairs: the cubic Hermite interpolant through y0, f0, y1, f1.
     */
    private NDArray interpolate(RungeKutta.Step s, NDArray y0, NDArray f0, NDArray f1, double t, double h, double at) {
        double x = (at - t) / h;
        NDArray hf0 = f0.mul(Scalars.of(f0, h));
        NDArray hf1 = f1.mul(Scalars.of(f1, h));
        NDArray y1 = s.y1();
        if (tab.midWeights() != null) {
            NDArray ymid = RungeKutta.combine(y0, h, tab.midWeights(), s.k(), s.k().length, null);
            // p(x) = e + d x + c x^2 + b x^3 + a x^4
            NDArray a = lin(new double[] {2, -2, -8, -8, 16}, hf1, hf0, y1, y0, ymid);
            NDArray b = lin(new double[] {5, -3, 18, 14, -32}, hf0, hf1, y0, y1, ymid);
            NDArray c = lin(new double[] {1, -4, -11, -5, 16}, hf1, hf0, y0, y1, ymid);
            return horner(x, y0, hf0, c, b, a);
        }
        // Hermite: p(x) = y0 + x hf0 + x^2 (3(y1-y0) - 2hf0 - hf1) + x^3 (2(y0-y1) + hf0 + hf1)
        NDArray c = lin(new double[] {3, -3, -2, -1}, y1, y0, hf0, hf1);
        NDArray b = lin(new double[] {2, -2, 1, 1}, y0, y1, hf0, hf1);
        return horner(x, y0, hf0, c, b, null);
    }

    private static NDArray lin(double[] w, NDArray... xs) {
        NDArray acc = null;
        for (int i = 0; i < w.length; i++) {
            NDArray term = xs[i].mul(Scalars.of(xs[i], w[i]));
            acc = acc == null ? term : acc.add(term);
        }
        return acc;
    }

    /** e + x(d + x(c + x(b + x a))), with a possibly absent. */
    private static NDArray horner(double x, NDArray e, NDArray d, NDArray c, NDArray b, NDArray a) {
        NDArray xs = Scalars.of(e, x);
        NDArray acc = a == null ? b : b.add(a.mul(xs));
        acc = c.add(acc.mul(xs));
        acc = d.add(acc.mul(xs));
        return e.add(acc.mul(xs));
    }

    /**
     * A fixed-step solve's outputs, checked once ({@link Finite}: a state that stops being finite stays so, so the
     * first non-finite output names the output interval where it happened).
     */
    private void checkFinite(NDArray ys, double[] ts) {
        int bad = Finite.firstNonFiniteRow(ys);
        if (bad == 0) {
            throw new SolverException("y0 is not finite", ts[0], Double.NaN, Double.NaN, 0);
        }
        if (bad > 0) {
            throw new SolverException("non-finite state (the dynamics blew up; try a smaller step) in the output "
                    + "interval from t=" + ts[bad - 1] + " to the first non-finite output", ts[bad],
                    (ts[bad] - ts[bad - 1]) / stepsIn(ts, bad), Double.NaN, accepted + rejected);
        }
    }

    /** How many fixed steps the output interval from ts[i − 1] to ts[i] is cut into (one without a step size). */
    private long stepsIn(double[] ts, int i) {
        double span = ts[i] - ts[i - 1];
        return Double.isNaN(o.stepSize()) ? 1 : Math.max(1, (long) Math.ceil(Math.abs(span) / o.stepSize() - 1e-9));
    }
}

package io.ndevid.solvers.sde;

import io.ndevid.solvers.Finite;
import io.ndevid.solvers.ScalarCache;
import io.ndevid.solvers.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 *
 * <p>Noise made ahead: with {@link SdeOptions#prefetch} a seeded solve takes its first block of increments from a
 * {@link NoisePrefetch} that was asked for exactly this solve, instead of drawing it on the calling thread.
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
     * @throws SolverException          when y0 or the state is not finite, with the first non-finite output time
     *                                  (checked once, on the outputs, after the last step)
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
        StepGrid grid = StepGrid.of(ts, options.dt());
        // The first block's values, when a prefetch made them ahead for exactly this solve (else null: drawn below).
        double[] ahead = options.brownian() == null && options.prefetch() != null
                ? options.prefetch().take(options.seed(), y0.getShape(), type, ts, options.dt()) : null;

        List<NDArray> outputs = new ArrayList<>(ts.length);
        outputs.add(y0);
        NDArray y = y0;
        boolean yIsOutput = true;
        long steps = 0;
        // What every step reads and nothing changes: the step-size scalars (one set per distinct h, as the tensor
        // holds it), the current start time (the previous step's end) and the Brownian increments, drawn for many
        // steps at once. All of it lives in this manager and goes when the solve ends.
        try (NDManager solve = parent.newSubManager()) {
            ScalarCache constants = new ScalarCache(solve);
            NoiseBlock noise = new NoiseBlock(bm, grid, solve, ahead);
            boolean readsTime = sde.readsTime();
            NDArray tStart = readsTime ? Scalars.of(solve, ts[0], type) : constants.of(Double.NaN, type);
            int k = 0;
            for (int i = 1; i < ts.length; i++) {
                int n = grid.stepsIn(i - 1);
                double hValue = grid.h(i - 1);
                NDArray h = constants.of(hValue, type);
                NDArray sqrtH = constants.of(Math.sqrt(hValue), type);
                NDArray halfH = constants.of(0.5 * hValue, type);
                NDArray half = constants.of(0.5, type);
                for (int j = 0; j < n; j++, k++) {
                    double s = grid.start(k);
                    double t = grid.end(k);
                    NDArray tEnd = readsTime ? Scalars.of(solve, t, type) : tStart;
                    NDArray next;
                    try (NDManager step = parent.newSubManager()) {
                        // Ops attach their result to their first operand's manager: with y here, every
                        // intermediate of the step closes with it.
                        y.tempAttach(step);
                        NDArray dW = noise.increment(k, step);
                        SdeStep.Inputs in = new SdeStep.Inputs(sde, y, tStart, tEnd, s, t, h, sqrtH, halfH, half,
                                dW, options.milsteinDerivativeFree());
                        next = SdeStep.step(method, in);
                        steps++;
                        next.attach(parent);
                    }
                    if (!yIsOutput) {
                        y.close();
                    }
                    y = next;
                    yIsOutput = false;
                    if (readsTime) {
                        tStart.close();
                        tStart = tEnd;
                    }
                }
                outputs.add(y);
                yIsOutput = true;
            }
            NDArray ys = NDArrays.stack(new NDList(outputs));
            if (options.checkFinite()) {
                checkFinite(ys, ts, grid, method, steps);
            }
            return ys;
        } finally {
            if (!yIsOutput) {
                y.close();
            }
            for (int i = 1; i < outputs.size(); i++) {
                outputs.get(i).close();
            }
        }
    }

    /**
     * The solve's outputs, checked once ({@link Finite}: every step is y + increment, so a state that stops being
     * finite stays so, and the first non-finite output names the output interval where it happened); closes
     * {@code ys} before it throws.
     */
    private static void checkFinite(NDArray ys, double[] ts, StepGrid grid, SdeMethod method, long steps) {
        int bad = Finite.firstNonFiniteRow(ys);
        if (bad < 0) {
            return;
        }
        ys.close();
        if (bad == 0) {
            throw new SolverException("y0 is not finite", ts[0], grid.steps() > 0 ? grid.h(0) : Double.NaN,
                    Double.NaN, 0);
        }
        throw new SolverException("SDE state became non-finite (NaN or ±Inf) in the output interval from t="
                + ts[bad - 1] + " to the first non-finite output (method " + method.id() + ")", ts[bad],
                grid.h(bad - 1), Double.NaN, steps);
    }

    /**
     * The fixed-step grid of a solve: output interval i is cut into ⌈(ts[i+1] − ts[i])/dt⌉ equal steps, and step k
     * (counted over the whole solve) runs from {@link #start} to {@link #end}; a step's end is the next one's start,
     * bit for bit.
     */
    static final class StepGrid {
        private final int[] stepsIn;
        private final double[] h;
        private final double[] bounds; // step k runs from bounds[k] to bounds[k + 1]

        private StepGrid(int[] stepsIn, double[] h, double[] bounds) {
            this.stepsIn = stepsIn;
            this.h = h;
            this.bounds = bounds;
        }

        static StepGrid of(double[] ts, double dt) {
            int intervals = Math.max(0, ts.length - 1);
            int[] stepsIn = new int[intervals];
            double[] h = new double[intervals];
            long total = 0;
            for (int i = 0; i < intervals; i++) {
                long n = Sdeint.stepsIn(ts[i + 1] - ts[i], dt);
                if (n > Integer.MAX_VALUE - 1 - total) {
                    throw new IllegalArgumentException("dt " + dt + " cuts [" + ts[0] + ", " + ts[ts.length - 1]
                            + "] into more than 2^31 steps");
                }
                stepsIn[i] = (int) n;
                h[i] = (ts[i + 1] - ts[i]) / n;
                total += n;
            }
            double[] bounds = new double[(int) total + 1];
            bounds[0] = ts[0];
            int k = 0;
            for (int i = 0; i < intervals; i++) {
                double a = ts[i];
                double b = ts[i + 1];
                int n = stepsIn[i];
                for (int j = 0; j < n; j++) {
                    bounds[++k] = j == n - 1 ? b : a + (b - a) * (j + 1) / n;
                }
            }
            return new StepGrid(stepsIn, h, bounds);
        }

        int stepsIn(int interval) {
            return stepsIn[interval];
        }

        double h(int interval) {
            return h[interval];
        }

        int steps() {
            return bounds.length - 1;
        }

        double start(int step) {
            return bounds[step];
        }

        double end(int step) {
            return bounds[step + 1];
        }
    }

    /**
     * The Brownian increments of a solve's steps, drawn for up to {@link #MAX_BLOCK_ELEMENTS} values at a time into
     * one tensor {@code [steps, ...shape]} (one tensor creation per block instead of one per step); each step reads a
     * view of its row. The values are the interval's own, so the path is the same as with one draw per step. The
     * first block's values may come made ahead ({@link NoisePrefetch}, by {@link #firstBlock}): the same values.
     */
    static final class NoiseBlock {
        static final int MAX_BLOCK_ELEMENTS = 1 << 20;

        private final BrownianInterval bm;
        private final StepGrid grid;
        private final NDManager manager;
        private final int perStep;
        private final int stepsPerBlock;
        private double[] ahead;
        private NDArray block;
        private int first = -1;

        /** @param ahead {@link #firstBlock} of this path and grid, made ahead; null: drawn when first asked for */
        NoiseBlock(BrownianInterval bm, StepGrid grid, NDManager manager, double[] ahead) {
            this.bm = bm;
            this.grid = grid;
            this.manager = manager;
            this.perStep = (int) bm.shape().size();
            this.stepsPerBlock = stepsPerBlock(perStep);
            this.ahead = ahead;
        }

        private static int stepsPerBlock(int perStep) {
            return Math.max(1, MAX_BLOCK_ELEMENTS / perStep);
        }

        /** The values of the first block of a solve on this path and grid (what {@link #increment} draws at 0). */
        static double[] firstBlock(BrownianInterval bm, StepGrid grid) {
            return values(bm, grid, 0, Math.min(stepsPerBlock((int) bm.shape().size()), grid.steps()));
        }

        /** The increments of steps first … first + count − 1, one after another, row-major. */
        private static double[] values(BrownianInterval bm, StepGrid grid, int first, int count) {
            int perStep = (int) bm.shape().size();
            double[] values = new double[count * perStep];
            for (int i = 0; i < count; i++) {
                System.arraycopy(bm.incrementValues(grid.start(first + i), grid.end(first + i)), 0, values,
                        i * perStep, perStep);
            }
            return values;
        }

        /** W(end) − W(start) of step k (steps are asked for in order), attached to {@code into}. */
        NDArray increment(int k, NDManager into) {
            if (block == null || k < first || k >= first + block.getShape().get(0)) {
                if (block != null) {
                    block.close();
                }
                first = k;
                int count = Math.min(stepsPerBlock, grid.steps() - k);
                double[] values = k == 0 && ahead != null && ahead.length == count * perStep ? ahead
                        : values(bm, grid, k, count);
                ahead = null;
                block = bm.toTensor(manager, values, new Shape(count).addAll(bm.shape()));
            }
            NDArray row = block.get(k - first);
            row.attach(into);
            return row;
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
        return method;
    }

    private static BrownianInterval brownianFor(NDArray y0, double[] ts, SdeOptions o) {
        if (o.brownian() != null) {
            return o.brownian();
        }
        return seededPath(BrownianInterval.builder().manager(y0.getManager()), o.seed(), y0.getShape(),
                y0.getDataType(), ts);
    }

    /**
     * The path a solve over {@code ts} draws from {@code seed} ({@link SdeOptions#seed}): default tree settings, the
     * span [ts[0], ts[last]] (one ulp wide for a single time); {@code b} has the manager or is host-only.
     */
    static BrownianInterval seededPath(BrownianInterval.Builder b, long seed, Shape shape, DataType type,
                                       double[] ts) {
        double t0 = ts[0];
        double t1 = ts.length > 1 ? ts[ts.length - 1] : Math.nextUp(t0);
        return b.seed(seed).shape(shape).dataType(type).span(t0, t1).build();
    }
}

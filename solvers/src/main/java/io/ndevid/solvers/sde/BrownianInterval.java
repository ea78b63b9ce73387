package io.ndevid.solvers.sde;

import io.ndevid.solvers.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A batch of Brownian motions that is a pure function of a seed: {@link #increment(double, double)} returns
 * W(t) − W(s) with the same values for the same seed and query, whatever was asked before and in whatever order.
 * A sample path can therefore be re-rendered at a finer time grid (a higher frame rate) or reproduced later from
 * its seed alone. One tensor of {@link #shape()} holds {@code shape.size()} independent motions.
 *
 * <h2>Construction: a virtual Brownian tree anchored on absolute time</h2>
 * Time is cut into cells [kL, (k+1)L] of length L ({@link Builder#cellLength}, default 1). A cell's increment is
 * √L·Z and points inside it come from Lévy's construction: the midpoint of a node [a, b] is
 * (W(a) + W(b))/2 + √(b − a)/2 · Z (the Brownian bridge), bisecting until the query time is reached. Every Z is
 * drawn from its own {@link SplittableRandom} seeded by a hash of (seed, cell, level, node index), with a
 * Box–Muller transform whose log, sin and cos give {@link StrictMath}'s bits (computed by {@link FdlibmMath}), so
 * values are bit-identical on every JVM, platform and device (the engine's RNG is process-global and
 * device-dependent, so it is not used).
 *
 * <p>Exactness: W is exact (a genuine sample of the Brownian law) at the dyadic points kL + jL/2^D, D =
 * {@link #depth()} = ⌈log2(L/tol)⌉; any other time is snapped to the nearest such point ({@link #snap}), an error of
 * at most tol/2 in time. Fixed-step solvers whose step times are dyadic (dt = 2^-m, dyadic output times) never
 * snap.
 *
 * <p>Because the tree hangs on absolute time rather than on the span, the values do not depend on the span
 * [t0, t1]: two intervals with the same seed, shape, cell length and tol agree wherever both are defined, and a
 * longer rendering extends a shorter one. The span only bounds the queries. The element order is row-major, and
 * element i's values do not depend on the total size, so sample b of a batch of B is the same path in any larger
 * batch with the same trailing dimensions.
 *
 * <p>A memo of the last two nodes per level ({@link Builder#cacheBytes}: two paths from the cell to a leaf, their
 * arrays reused) makes a sweep over a grid, forward or backward, compute each node once: a step's increment walks
 * the path to its start (the previous step's end) and the path to its end, and costs the nodes below where the two
 * paths part, about D − log2(steps per cell) of them ({@code size} normals each; 14–15 at D = 20 and 45 steps per
 * cell), so the cost is set by the depth, not by the step count alone. Queries that jump back and forth recompute
 * nodes. Results never depend on the memo. Since its arrays are reused, a sweep allocates no array per node (it
 * used to: 1.3 MB of garbage per cpu-small solve, most of the SDE configs' extra peak RSS; BENCHMARKS.md, "Brownian
 * normals without JNI"). Instances are thread-safe.
 */
public final class BrownianInterval {

    /** Default cell length L: one time unit. */
    public static final double DEFAULT_CELL_LENGTH = 1.0;
    /** Default tree depth per cell: tol = L·2^-20 ≈ 9.5e-7 L. */
    public static final int DEFAULT_DEPTH = 20;
    /** Default node-memo budget: two nodes per level for up to ~49,900 elements per node at depth 20. */
    public static final long DEFAULT_CACHE_BYTES = 16L << 20;

    private static final int MAX_DEPTH = 52;

    private final long seed;
    private final Shape shape;
    private final int size;
    private final DataType dataType;
    private final NDManager manager;
    private final double t0;
    private final double t1;
    private final double cellLength;
    private final double tol;
    private final int depth;
    private final long leaves;
    private final PathMemo memo;
    /** {@link FdlibmMath#sinCos}'s output, used under this instance's lock. */
    private final double[] sinCos = new double[2];
    private long nodesComputed;

    private BrownianInterval(Builder b) {
        if (b.manager == null && !b.hostOnly) {
            throw new IllegalArgumentException("manager must be set (increments are created in it)");
        }
        if (b.shape == null || b.shape.size() < 1) {
            throw new IllegalArgumentException("shape must be set and non-empty, got " + b.shape);
        }
        if (b.shape.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + b.shape + " has more than 2^31 - 1 elements");
        }
        if (b.dataType == null || !b.dataType.isFloating()) {
            throw new IllegalArgumentException("dataType must be a floating type, got " + b.dataType);
        }
        if (!Double.isFinite(b.t0) || !Double.isFinite(b.t1) || !(b.t0 < b.t1)) {
            throw new IllegalArgumentException("span must be finite with t0 < t1, got [" + b.t0 + ", " + b.t1 + "]");
        }
        if (!(b.cellLength > 0) || !Double.isFinite(b.cellLength)) {
            throw new IllegalArgumentException("cellLength must be finite and > 0, got " + b.cellLength);
        }
        double tolerance = Double.isNaN(b.tol) ? b.cellLength / (1L << DEFAULT_DEPTH) : b.tol;
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("tol must be > 0, got " + b.tol);
        }
        int d = 0;
        while (b.cellLength / (double) (1L << d) > tolerance) {
            d++;
            if (d > MAX_DEPTH) {
                throw new IllegalArgumentException("tol " + tolerance + " is finer than cellLength·2^-" + MAX_DEPTH
                        + " = " + b.cellLength / (double) (1L << MAX_DEPTH) + ", below double resolution");
            }
        }
        if (b.cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must be >= 0, got " + b.cacheBytes);
        }
        this.seed = b.seed;
        this.shape = b.shape;
        this.size = (int) b.shape.size();
        this.dataType = b.dataType;
        this.manager = b.manager;
        this.t0 = b.t0;
        this.t1 = b.t1;
        this.cellLength = b.cellLength;
        this.tol = tolerance;
        this.depth = d;
        this.leaves = 1L << d;
        long perLevel = (8L * size + 64) * (d + 1);
        this.memo = new PathMemo(d + 1, (int) Math.min(PathMemo.MAX_WAYS, b.cacheBytes / perLevel), size);
    }

    /** Brownian motions of the given shape and type over [t0, t1], created in {@code manager}, with defaults. */
    public static BrownianInterval of(NDManager manager, long seed, Shape shape, DataType dataType, double t0,
                                      double t1) {
        return builder().manager(manager).seed(seed).shape(shape).dataType(dataType).span(t0, t1).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** W(t) − W(s) as a tensor of {@link #shape()} and {@link #dataType()} in this interval's manager. */
    public NDArray increment(double s, double t) {
        if (manager == null) {
            throw new IllegalStateException("this Brownian interval makes host values only: give increment a manager");
        }
        return increment(manager, s, t);
    }

    /**
     * W(t) − W(s) as a tensor created in {@code into} (and on its device). The tensor owns native memory (not a
     * Java buffer), so autograd may keep it after it is closed.
     */
    public NDArray increment(NDManager into, double s, double t) {
        return toTensor(into, incrementValues(s, t), shape);
    }

    /**
     * Values in row-major order ({@link #incrementValues}, or several of them one after another) as a tensor of
     * {@link #dataType()} and the given shape in {@code into}, in native memory; float32 values are the doubles
     * rounded.
     */
    NDArray toTensor(NDManager into, double[] v, Shape as) {
        NDArray raw;
        if (dataType == DataType.FLOAT64) {
            raw = into.create(v, as);
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            raw = into.create(f, as);
        }
        // create(float[]) wraps a direct Java buffer that can be freed while autograd still reads it: copy it.
        return Scalars.owned(raw, dataType);
    }

    /**
     * W(t) − W(s) as doubles in row-major order (s > t gives the negated increment).
     *
     * @throws IllegalArgumentException if s or t lies outside [t0, t1] or is not finite
     */
    public synchronized double[] incrementValues(double s, double t) {
        checkInSpan(s);
        checkInSpan(t);
        if (s > t) {
            double[] v = incrementValues(t, s);
            for (int i = 0; i < v.length; i++) {
                v[i] = -v[i];
            }
            return v;
        }
        long[] a = locate(s);
        long[] b = locate(t);
        double[] out = new double[size];
        if (a[0] == b[0]) {
            addTo(out, bridge(b[0], b[1]), 1);
            addTo(out, bridge(a[0], a[1]), -1);
            return out;
        }
        // s in cell a, t in a later cell b: rest of cell a, whole cells between, start of cell b.
        addTo(out, cellIncrement(a[0]), 1);
        addTo(out, bridge(a[0], a[1]), -1);
        for (long k = a[0] + 1; k < b[0]; k++) {
            addTo(out, cellIncrement(k), 1);
        }
        addTo(out, bridge(b[0], b[1]), 1);
        return out;
    }

    /** The time at which W is actually evaluated for a query at {@code t}: the nearest tree point. */
    public double snap(double t) {
        long[] p = locate(t);
        return p[0] * cellLength + p[1] * (cellLength / leaves);
    }

    public long seed() {
        return seed;
    }

    public Shape shape() {
        return shape;
    }

    public DataType dataType() {
        return dataType;
    }

    public NDManager manager() {
        return manager;
    }

    public double t0() {
        return t0;
    }

    public double t1() {
        return t1;
    }

    public double cellLength() {
        return cellLength;
    }

    /** The tolerance asked for; the tree's spacing cellLength/2^depth is at most this. */
    public double tol() {
        return tol;
    }

    /** Bisection levels per cell. */
    public int depth() {
        return depth;
    }

    /** Whether [s, t] lies within the span. */
    public boolean covers(double s, double t) {
        return s >= t0 && t <= t1;
    }

    @Override
    public String toString() {
        return "BrownianInterval[seed=" + seed + ", shape=" + shape + ", " + dataType + ", span=[" + t0 + ", " + t1
                + "], cell=" + cellLength + ", depth=" + depth + "]";
    }

    private void checkInSpan(double t) {
        if (!(t >= t0 && t <= t1)) {
            throw new IllegalArgumentException("Brownian query at t=" + t + " lies outside the interval's span ["
                    + t0 + ", " + t1 + "]");
        }
    }

    /** (cell, leaf index) of the tree point nearest t, with the index in [0, leaves). */
    private long[] locate(double t) {
        long k = (long) Math.floor(t / cellLength);
        double r = t - k * cellLength;
        long j = Math.round(r / cellLength * leaves);
        if (j >= leaves) {
            k += 1;
            j = 0;
        } else if (j < 0) {
            j = 0;
        }
        return new long[] {k, j};
    }

    /** W(kL + jL/2^D) − W(kL), or null for j = 0. */
    private double[] bridge(long cell, long j) {
        if (j == 0) {
            return null;
        }
        double[] lo = null;
        double[] hi = cellIncrement(cell);
        long loIdx = 0;
        long hiIdx = leaves;
        long node = 0;
        int level = 1;
        double len = cellLength;
        while (true) {
            long mid = (loIdx + hiIdx) >>> 1;
            double[] m = midpoint(cell, level, node, lo, hi, len);
            if (j == mid) {
                return m;
            }
            if (j < mid) {
                hi = m;
                hiIdx = mid;
                node = 2 * node;
            } else {
                lo = m;
                loIdx = mid;
                node = 2 * node + 1;
            }
            level++;
            len *= 0.5;
        }
    }

    private double[] cellIncrement(long cell) {
        double[] v = memo.get(0, cell, 0);
        if (v == null) {
            v = memo.slot(0, cell, 0);
            normals(cell, 0, 0, v);
            double sd = Math.sqrt(cellLength);
            for (int i = 0; i < size; i++) {
                v[i] *= sd;
            }
            memo.stored(0, cell, 0);
        }
        return v;
    }

    /**
     * Brownian-bridge midpoint of a node of length len with endpoint values lo (null: 0) and hi. lo and hi belong
     * to levels above {@code level}, so the memo slot this overwrites is never one of them.
     */
    private double[] midpoint(long cell, int level, long node, double[] lo, double[] hi, double len) {
        double[] v = memo.get(level, cell, node);
        if (v == null) {
            v = memo.slot(level, cell, node);
            normals(cell, level, node, v);
            double sd = 0.5 * Math.sqrt(len);
            for (int i = 0; i < size; i++) {
                double a = lo == null ? 0.0 : lo[i];
                v[i] = 0.5 * (a + hi[i]) + sd * v[i];
            }
            memo.stored(level, cell, node);
        }
        return v;
    }

    /**
     * {@code size} standard normals from the node's own stream (Box–Muller over StrictMath's functions:
     * bit-reproducible). log, sin and cos are {@link FdlibmMath}'s, which returns StrictMath's bits without its JNI
     * calls on JDK 17.
     */
    private void normals(long cell, int level, long node, double[] z) {
        nodesComputed++;
        SplittableRandom r = new SplittableRandom(nodeSeed(seed, cell, level, node));
        for (int i = 0; i < size; i += 2) {
            double u1 = 1.0 - r.nextDouble(); // (0, 1]: log is finite
            double u2 = r.nextDouble();
            double radius = StrictMath.sqrt(-2.0 * FdlibmMath.log(u1));
            double theta = 2.0 * StrictMath.PI * u2;
            FdlibmMath.sinCos(theta, sinCos);
            z[i] = radius * sinCos[1];
            if (i + 1 < size) {
                z[i + 1] = radius * sinCos[0];
            }
        }
    }

    /** Tree nodes drawn so far, memo misses included (what the memo saves is visible in tests). */
    synchronized long nodesComputed() {
        return nodesComputed;
    }

    /** A 64-bit seed per node: distinct (level, index) within a cell never collide (index < 2^56). */
    static long nodeSeed(long seed, long cell, int level, long node) {
        long h = mix64(seed ^ 0x5DEECE66DL);
        h = mix64(h + cell * 0x9E3779B97F4A7C15L);
        return mix64(h + (((long) level << 56) | node));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void addTo(double[] out, double[] v, double sign) {
        if (v == null) {
            return;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] += sign * v[i];
        }
    }

    /**
     * The values of up to {@code ways} (≤ 2) nodes per level, keyed by (cell, node index), in arrays allocated once
     * and then overwritten. A new node replaces the one farther from it (cells first, then node index), which in a
     * sweep, whichever its direction and whichever of a step's two paths is walked first, is the one no later step
     * needs. {@link #slot} hands out the array to fill, {@link #stored} names it; with no ways every slot is a fresh
     * array.
     */
    private static final class PathMemo {
        static final int MAX_WAYS = 2;

        private final int ways;
        private final int size;
        private final long[][] cells;
        private final long[][] nodes;
        private final double[][][] values;
        /** Per level, the way {@link #slot} handed out last. */
        private final int[] pending;

        PathMemo(int levels, int ways, int size) {
            this.ways = ways;
            this.size = size;
            this.cells = new long[levels][ways];
            this.nodes = new long[levels][ways];
            this.values = new double[levels][ways][];
            this.pending = new int[levels];
        }

        /** The stored values of (cell, node) at this level, or null. */
        double[] get(int level, long cell, long node) {
            for (int w = 0; w < ways; w++) {
                if (values[level][w] != null && cells[level][w] == cell && nodes[level][w] == node) {
                    return values[level][w];
                }
            }
            return null;
        }

        /** An array of {@code size} to fill with (cell, node) of this level; its old contents are garbage. */
        double[] slot(int level, long cell, long node) {
            if (ways == 0) {
                return new double[size];
            }
            int w = 0;
            while (w < ways && values[level][w] != null) {
                w++;
            }
            if (w == ways) { // all in use: replace the farther node
                w = 0;
                for (int o = 1; o < ways; o++) {
                    if (farther(cells[level][o], nodes[level][o], cells[level][w], nodes[level][w], cell, node)) {
                        w = o;
                    }
                }
            } else {
                values[level][w] = new double[size];
            }
            cells[level][w] = Long.MIN_VALUE; // unnamed until stored: a half-filled array never matches
            nodes[level][w] = -1;
            pending[level] = w;
            return values[level][w];
        }

        /** The array last handed out for this level now holds (cell, node). */
        void stored(int level, long cell, long node) {
            if (ways == 0) {
                return;
            }
            int w = pending[level];
            cells[level][w] = cell;
            nodes[level][w] = node;
        }

        /** Whether (c1, n1) lies farther from (cell, node) than (c2, n2) does. */
        private static boolean farther(long c1, long n1, long c2, long n2, long cell, long node) {
            long dc1 = Math.abs(c1 - cell);
            long dc2 = Math.abs(c2 - cell);
            if (dc1 != dc2) {
                return dc1 > dc2;
            }
            return Math.abs(n1 - node) > Math.abs(n2 - node);
        }
    }

    /** Fluent builder; manager, shape and span are required. */
    public static final class Builder {
        private NDManager manager;
        private long seed;
        private Shape shape;
        private DataType dataType = DataType.FLOAT32;
        private double t0 = Double.NaN;
        private double t1 = Double.NaN;
        private double cellLength = DEFAULT_CELL_LENGTH;
        private double tol = Double.NaN;
        private long cacheBytes = DEFAULT_CACHE_BYTES;
        private boolean hostOnly;

        /** Where {@link #increment(double, double)} creates its tensors (and so their device). Not closed here. */
        public Builder manager(NDManager m) {
            this.manager = Objects.requireNonNull(m, "manager");
            return this;
        }

        /** The seed the whole path is a function of. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Shape of W: one independent Brownian motion per element. */
        public Builder shape(Shape s) {
            this.shape = s;
            return this;
        }

        /** Type of the tensors returned (values are computed in double). Default float32. */
        public Builder dataType(DataType t) {
            this.dataType = t;
            return this;
        }

        /** The times that may be queried, t0 < t1; may start below 0. */
        public Builder span(double start, double end) {
            this.t0 = start;
            this.t1 = end;
            return this;
        }

        /**
         * Length L of the cells the tree hangs on (default 1). A power of two keeps dyadic times exact. Queries
         * spanning many cells sum one draw per cell, so keep L near the length of the spans you query.
         */
        public Builder cellLength(double l) {
            this.cellLength = l;
            return this;
        }

        /** Largest tree spacing: non-dyadic times move by at most tol/2. Default L·2^-20. */
        public Builder tol(double t) {
            this.tol = t;
            return this;
        }

        /**
         * Memory for memoised node values (default 16 MiB): two nodes per level when (8·size + 64)·(depth + 1)·2
         * bytes fit, one when half that does, else none (every node computed afresh; values never change).
         */
        public Builder cacheBytes(long b) {
            this.cacheBytes = b;
            return this;
        }

        /**
         * No manager: the interval makes host values ({@link #incrementValues}) and tensors only in a manager given
         * per call, so it can live on a thread that must not touch the engine ({@link NoisePrefetch}).
         */
        Builder hostOnly() {
            this.hostOnly = true;
            return this;
        }

        public BrownianInterval build() {
            return new BrownianInterval(this);
        }
    }
}

package io.ndevid.solvers.sde;

import io.ndevid.solvers.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
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
 * <p>A small LRU cache of node values ({@link Builder#cacheBytes}) makes a sweep over a grid compute each node
 * once: a step then costs the nodes below where its end's path leaves the previous one, about D − log2(steps per
 * cell) of them ({@code size} normals each; 14–15 at D = 20 and 45 steps per cell), so the cost is set by the depth,
 * not by the step count alone. Results never depend on the cache. Instances are thread-safe.
 */
public final class BrownianInterval {

    /** Default cell length L: one time unit. */
    public static final double DEFAULT_CELL_LENGTH = 1.0;
    /** Default tree depth per cell: tol = L·2^-20 ≈ 9.5e-7 L. */
    public static final int DEFAULT_DEPTH = 20;
    /** Default node-cache budget. */
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
    private final NodeCache cache;

    private BrownianInterval(Builder b) {
        if (b.manager == null) {
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
        long perNode = 8L * size + 64;
        this.cache = new NodeCache((int) Math.min(Integer.MAX_VALUE, b.cacheBytes / perNode));
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
        NodeKey key = new NodeKey(cell, 0, 0);
        double[] v = cache.get(key);
        if (v == null) {
            v = normals(cell, 0, 0);
            double sd = Math.sqrt(cellLength);
            for (int i = 0; i < size; i++) {
                v[i] *= sd;
            }
            cache.offer(key, v);
        }
        return v;
    }

    /** Brownian-bridge midpoint of a node of length len with endpoint values lo (null: 0) and hi. */
    private double[] midpoint(long cell, int level, long node, double[] lo, double[] hi, double len) {
        NodeKey key = new NodeKey(cell, level, node);
        double[] v = cache.get(key);
        if (v == null) {
            v = normals(cell, level, node);
            double sd = 0.5 * Math.sqrt(len);
            for (int i = 0; i < size; i++) {
                double a = lo == null ? 0.0 : lo[i];
                v[i] = 0.5 * (a + hi[i]) + sd * v[i];
            }
            cache.offer(key, v);
        }
        return v;
    }

    /**
     * {@code size} standard normals from the node's own stream (Box–Muller over StrictMath's functions:
     * bit-reproducible). log, sin and cos are {@link FdlibmMath}'s, which returns StrictMath's bits without its JNI
     * calls on JDK 17.
     */
    private double[] normals(long cell, int level, long node) {
        SplittableRandom r = new SplittableRandom(nodeSeed(seed, cell, level, node));
        double[] z = new double[size];
        double[] sinCos = new double[2];
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
        return z;
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

    private record NodeKey(long cell, int level, long node) {}

    /** Access-ordered LRU; node arrays are never mutated once stored. */
    private static final class NodeCache extends LinkedHashMap<NodeKey, double[]> {
        private static final long serialVersionUID = 1L;
        private final int capacity;

        NodeCache(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        void offer(NodeKey key, double[] value) {
            if (capacity > 0) {
                put(key, value);
            }
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<NodeKey, double[]> eldest) {
            return size() > capacity;
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

        /** Memory for cached node values (default 16 MiB; 0 disables the cache). */
        public Builder cacheBytes(long b) {
            this.cacheBytes = b;
            return this;
        }

        public BrownianInterval build() {
            return new BrownianInterval(this);
        }
    }
}

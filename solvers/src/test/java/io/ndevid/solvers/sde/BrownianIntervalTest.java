package io.ndevid.solvers.sde;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrownianIntervalTest {

    private static NDManager manager;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static BrownianInterval.Builder base(long seed, Shape shape) {
        return BrownianInterval.builder().manager(manager).seed(seed).shape(shape).dataType(DataType.FLOAT64)
                .span(-1.5, 2.75);
    }

    /** Query times mixing dyadic points, non-dyadic ones, cell boundaries and the span ends. */
    private static double[][] queries() {
        Random r = new Random(7);
        List<double[]> q = new ArrayList<>();
        q.add(new double[] {-1.5, 2.75});
        q.add(new double[] {0, 1});
        q.add(new double[] {0.25, 0.375});
        q.add(new double[] {-1.0, 0.1});
        q.add(new double[] {0.1, 0.2});
        q.add(new double[] {1.9, 2.6});
        for (int i = 0; i < 30; i++) {
            double a = -1.5 + 4.25 * r.nextDouble();
            double b = -1.5 + 4.25 * r.nextDouble();
            q.add(new double[] {Math.min(a, b), Math.max(a, b)});
        }
        return q.toArray(new double[0][]);
    }

    @Test
    void sameSeedAndQueriesGiveIdenticalValuesInAnyOrderWithOrWithoutCache() {
        Shape shape = new Shape(3, 5);
        double[][] q = queries();
        BrownianInterval forward = base(42, shape).build();
        double[][] expected = new double[q.length][];
        for (int i = 0; i < q.length; i++) {
            expected[i] = forward.incrementValues(q[i][0], q[i][1]);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < q.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(3));
        BrownianInterval shuffled = base(42, shape).build();
        BrownianInterval uncached = base(42, shape).cacheBytes(0).build();
        // Too small for one node per level (no memo), and one node per level of the 21.
        BrownianInterval tinyCache = base(42, shape).cacheBytes(3 * (8L * 15 + 64)).build();
        BrownianInterval oneWay = base(42, shape).cacheBytes(21 * (8L * 15 + 64)).build();
        for (int i : order) {
            assertArrayEquals(expected[i], shuffled.incrementValues(q[i][0], q[i][1]), 0.0, "query " + i);
            assertArrayEquals(expected[i], uncached.incrementValues(q[i][0], q[i][1]), 0.0, "query " + i);
            assertArrayEquals(expected[i], tinyCache.incrementValues(q[i][0], q[i][1]), 0.0, "query " + i);
            assertArrayEquals(expected[i], oneWay.incrementValues(q[i][0], q[i][1]), 0.0, "query " + i);
        }
        // Asked again, after everything else: still the same.
        for (int i = 0; i < q.length; i++) {
            assertArrayEquals(expected[i], forward.incrementValues(q[i][0], q[i][1]), 0.0, "query " + i);
        }
    }

    /**
     * A solver's sweep (45 steps per unit, non-dyadic step ends, depth 20), forward and backward, draws every tree
     * node on the paths to its step ends exactly once: the memo keeps what the next step needs. The nodes are counted
     * here by walking the bisection to each snapped step end.
     */
    @Test
    void aSweepDrawsEachNodeOnce() {
        Shape shape = new Shape(4);
        int steps = 45;
        double[] t = new double[steps + 1];
        for (int k = 0; k <= steps; k++) {
            t[k] = (double) k / steps;
        }
        BrownianInterval probe = BrownianInterval.builder().manager(manager).shape(shape).span(0, 1).build();
        long leaves = 1L << probe.depth();
        java.util.Set<Long> nodes = new java.util.HashSet<>();
        nodes.add(-1L); // the cell increment [0, 1]
        for (double time : t) {
            long j = Math.round(probe.snap(time) * leaves);
            long lo = 0;
            long hi = leaves;
            while (j != lo && j != hi) { // the bridge's walk: every midpoint down to the leaf
                long mid = (lo + hi) >>> 1;
                nodes.add(mid);
                if (j < mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
        }
        for (boolean backward : new boolean[] {false, true}) {
            BrownianInterval bm = BrownianInterval.builder().manager(manager).seed(77).shape(shape).span(0, 1).build();
            for (int i = 0; i < steps; i++) {
                int k = backward ? steps - 1 - i : i;
                bm.incrementValues(t[k], t[k + 1]);
            }
            assertEquals(nodes.size(), bm.nodesComputed(), backward ? "backward sweep" : "forward sweep");
        }
        BrownianInterval uncached = BrownianInterval.builder().manager(manager).seed(77).shape(shape).span(0, 1)
                .cacheBytes(0).build();
        for (int k = 0; k < steps; k++) {
            uncached.incrementValues(t[k], t[k + 1]);
        }
        assertTrue(uncached.nodesComputed() > 2 * nodes.size(), "without the memo: " + uncached.nodesComputed());
    }

    @Test
    void differentSeedsGiveDifferentPaths() {
        Shape shape = new Shape(8);
        double[] a = base(1, shape).build().incrementValues(0, 1);
        double[] b = base(2, shape).build().incrementValues(0, 1);
        double[] a2 = base(1, shape).build().incrementValues(0.3, 0.4);
        double[] b2 = base(2, shape).build().incrementValues(0.3, 0.4);
        for (int i = 0; i < 8; i++) {
            assertTrue(a[i] != b[i] && a2[i] != b2[i], "element " + i + " equal across seeds");
        }
    }

    @Test
    void incrementsAreAdditive() {
        BrownianInterval bm = base(5, new Shape(4, 4)).build();
        Random r = new Random(11);
        for (int k = 0; k < 50; k++) {
            double[] p = {-1.5 + 4.25 * r.nextDouble(), -1.5 + 4.25 * r.nextDouble(), -1.5 + 4.25 * r.nextDouble()};
            Arrays.sort(p);
            double[] su = bm.incrementValues(p[0], p[2]);
            double[] st = bm.incrementValues(p[0], p[1]);
            double[] tu = bm.incrementValues(p[1], p[2]);
            double[] ts = bm.incrementValues(p[1], p[0]);
            for (int i = 0; i < su.length; i++) {
                assertEquals(su[i], st[i] + tu[i], 1e-13, "W(s,u) = W(s,t) + W(t,u) at " + Arrays.toString(p));
                assertEquals(-st[i], ts[i], 0.0, "W(t,s) = -W(s,t)");
            }
        }
        assertArrayEquals(new double[16], bm.incrementValues(0.3, 0.3), 0.0);
    }

    @Test
    void finerGridSumsToCoarseIncrements() {
        BrownianInterval bm = base(9, new Shape(6)).build();
        for (double[] grid : new double[][] {linspace(0, 1, 9), linspace(-1.5, 2.7, 43)}) {
            for (int i = 0; i + 1 < grid.length; i++) {
                double[] coarse = bm.incrementValues(grid[i], grid[i + 1]);
                double[] sum = new double[coarse.length];
                double[] fine = linspace(grid[i], grid[i + 1], 5);
                for (int j = 0; j + 1 < fine.length; j++) {
                    double[] d = bm.incrementValues(fine[j], fine[j + 1]);
                    for (int e = 0; e < sum.length; e++) {
                        sum[e] += d[e];
                    }
                }
                assertArrayEquals(coarse, sum, 1e-13, "[" + grid[i] + ", " + grid[i + 1] + "]");
            }
        }
    }

    @Test
    void incrementsHaveBrownianMomentsAndIndependence() {
        int n = 20_000;
        BrownianInterval bm = base(2024, new Shape(n)).build();
        double[][] spans = {{0, 1}, {0.25, 0.375}, {-1.5, 2.75}, {0.1, 0.35}, {0.9, 1.3}, {-0.7, -0.69}};
        for (double[] st : spans) {
            double len = st[1] - st[0];
            double[] d = bm.incrementValues(st[0], st[1]);
            double mean = Arrays.stream(d).average().orElseThrow();
            double var = Arrays.stream(d).map(x -> (x - mean) * (x - mean)).sum() / (n - 1);
            // 5 standard errors: the mean's is sqrt(len/n), the sample variance's is len*sqrt(2/n).
            assertEquals(0, mean, 5 * Math.sqrt(len / n), "mean over " + Arrays.toString(st));
            assertEquals(len, var, 5 * len * Math.sqrt(2.0 / n), "variance over " + Arrays.toString(st));
        }
        // Disjoint increments are uncorrelated; overlapping ones have covariance = overlap.
        double[] a = bm.incrementValues(0.1, 0.6);
        double[] b = bm.incrementValues(0.6, 0.65);
        double[] c = bm.incrementValues(0.3, 0.8);
        assertEquals(0, cov(a, b), 5 * Math.sqrt(0.5 * 0.05 / n), "disjoint");
        assertEquals(0.3, cov(a, c), 5 * Math.sqrt((0.5 * 0.5 + 0.3 * 0.3) / n), "overlap [0.3, 0.6]");
    }

    @Test
    void valuesDoNotDependOnTheSpanAndBatchPrefixesAreTheSamePaths() {
        BrownianInterval narrow = BrownianInterval.builder().manager(manager).seed(3).shape(new Shape(4, 3))
                .dataType(DataType.FLOAT64).span(0, 1).build();
        BrownianInterval wide = BrownianInterval.builder().manager(manager).seed(3).shape(new Shape(10, 3))
                .dataType(DataType.FLOAT64).span(-3, 5).build();
        for (double[] q : new double[][] {{0, 1}, {0.2, 0.7}, {0.1, 0.1 + 1.0 / 3}}) {
            double[] n = narrow.incrementValues(q[0], q[1]);
            double[] w = Arrays.copyOf(wide.incrementValues(q[0], q[1]), 12);
            assertArrayEquals(n, w, 0.0, Arrays.toString(q));
        }
    }

    @Test
    void dyadicTimesAreExactAndOthersSnapWithinTol() {
        BrownianInterval bm = base(1, new Shape(2)).build();
        assertEquals(20, bm.depth());
        for (double t : new double[] {0, 0.5, 0.375, -1.25, 2.75, 1 + 1.0 / 1024}) {
            assertEquals(t, bm.snap(t), 0.0);
        }
        for (double t : new double[] {0.1, -0.3, 1.0 / 3, 2.7}) {
            assertTrue(Math.abs(bm.snap(t) - t) <= bm.tol() / 2, "snap(" + t + ") = " + bm.snap(t));
        }
        BrownianInterval coarse = base(1, new Shape(2)).tol(1e-2).build();
        assertEquals(7, coarse.depth());
        // Coarser trees agree with finer ones at their common points.
        assertArrayEquals(bm.incrementValues(0.25, 0.625), coarse.incrementValues(0.25, 0.625), 0.0);
    }

    @Test
    void tensorsHaveTheShapeTypeAndValues() {
        BrownianInterval b64 = base(8, new Shape(2, 3)).build();
        try (NDArray d = b64.increment(0.1, 0.9)) {
            assertEquals(new Shape(2, 3), d.getShape());
            assertEquals(DataType.FLOAT64, d.getDataType());
            assertArrayEquals(b64.incrementValues(0.1, 0.9), d.toDoubleArray(), 0.0);
        }
        BrownianInterval b32 = base(8, new Shape(2, 3)).dataType(DataType.FLOAT32).build();
        try (NDManager sub = manager.newSubManager()) {
            NDArray d = b32.increment(sub, 0.1, 0.9);
            assertEquals(DataType.FLOAT32, d.getDataType());
            float[] f = d.toFloatArray();
            double[] v = b64.incrementValues(0.1, 0.9);
            for (int i = 0; i < v.length; i++) {
                assertEquals((float) v[i], f[i], 0.0f);
            }
        }
    }

    /**
     * Pins a few values: a seed must keep rendering the same path across releases. If this fails, the tree, the
     * hashing or the normal transform changed, and every stored seed now means a different sample.
     */
    @Test
    void goldenValues() {
        double[] v = base(12345, new Shape(3)).build().incrementValues(0.25, 1.1);
        assertArrayEquals(GOLDEN, v, 0.0, Arrays.toString(v));
    }

    private static final double[] GOLDEN = {-0.924239563746659, 0.14107763214098393, -0.528012302244805};

    @Test
    void badQueriesAndSettingsAreRefused() {
        BrownianInterval bm = base(1, new Shape(2)).build();
        var e = assertThrows(IllegalArgumentException.class, () -> bm.incrementValues(-2, 0));
        assertTrue(e.getMessage().contains("outside") && e.getMessage().contains("-2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bm.incrementValues(0, 3));
        assertThrows(IllegalArgumentException.class, () -> bm.incrementValues(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> base(1, new Shape(2)).span(1, 1).build());
        assertThrows(IllegalArgumentException.class, () -> base(1, new Shape(2)).tol(0).build());
        assertThrows(IllegalArgumentException.class, () -> base(1, new Shape(2)).tol(1e-300).build());
        assertThrows(IllegalArgumentException.class, () -> base(1, new Shape(2)).dataType(DataType.INT32).build());
        assertThrows(IllegalArgumentException.class, () -> base(1, null).build());
        assertFalse(bm.covers(-2, 0));
    }

    private static double[] linspace(double a, double b, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i == n - 1 ? b : a + (b - a) * i / (n - 1);
        }
        return x;
    }

    private static double cov(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElseThrow();
        double mb = Arrays.stream(b).average().orElseThrow();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - ma) * (b[i] - mb);
        }
        return s / (a.length - 1);
    }
}

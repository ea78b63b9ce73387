package io.ndevid.metrics.fid;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.Backends;
import io.ndevid.metrics.linalg.DenseBackend;
import io.ndevid.metrics.linalg.DoubleMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrechetDistanceTest {

    static List<DenseBackend> backends() {
        return List.of(Backends.openBlas(), Backends.ejml());
    }

    /** n × d features x = μ + z·A with z ~ N(0, I_k): correlated, rank ≤ k. */
    static DoubleMatrix correlated(Random rnd, int n, int d, int k, double shift) {
        double[] a = new double[k * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextGaussian() / Math.sqrt(k);
        }
        double[] x = new double[n * d];
        double[] z = new double[k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                z[j] = rnd.nextGaussian();
            }
            for (int c = 0; c < d; c++) {
                double v = shift + 0.1 * rnd.nextGaussian();
                for (int j = 0; j < k; j++) {
                    v += z[j] * a[j * d + c];
                }
                x[i * d + c] = v;
            }
        }
        return new DoubleMatrix(n, d, x);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void identicalSetsGiveZero(DenseBackend backend) {
        FrechetDistance fd = new FrechetDistance(backend);
        Random rnd = new Random(1);
        DoubleMatrix small = correlated(rnd, 40, 64, 16, 0.5);   // n < d
        DoubleMatrix tall = correlated(rnd, 300, 24, 8, -1.0);   // n ≥ d
        for (DoubleMatrix x : List.of(small, tall)) {
            for (FidRoute route : List.of(FidRoute.CROSS_GRAM, FidRoute.STATS_GRAM, FidRoute.COVARIANCE_EIGEN)) {
                FidResult r = fd.compute(x, x, route);
                double trace = r.trace1() + r.trace2();
                assertTrue(Math.abs(r.fid()) <= 1e-6 * trace,
                        route + " on " + x + ": FID(x, x) = " + r.fid() + " vs trace " + trace);
                assertEquals(route, r.route());
                assertEquals(backend.name(), r.backend());
            }
        }
        assertEquals(FidRoute.CROSS_GRAM, fd.compute(small, small).route());
        assertEquals(FidRoute.COVARIANCE_EIGEN, fd.compute(tall, tall).route());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void diagonalGaussiansMatchClosedForm(DenseBackend backend) {
        // FID of N(μ1, diag σ1²) and N(μ2, diag σ2²) = ‖μ1 − μ2‖² + Σ (σ1ᵢ − σ2ᵢ)².
        int d = 12;
        Random rnd = new Random(2);
        double[] mu1 = new double[d];
        double[] mu2 = new double[d];
        double[] s1 = new double[d];
        double[] s2 = new double[d];
        double expected = 0;
        for (int i = 0; i < d; i++) {
            mu1[i] = rnd.nextGaussian();
            mu2[i] = rnd.nextGaussian();
            s1[i] = 0.2 + rnd.nextDouble() * 2;
            s2[i] = i == 3 ? 0 : 0.2 + rnd.nextDouble() * 2; // one zero variance: Σ2 singular
            expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + (s1[i] - s2[i]) * (s1[i] - s2[i]);
        }
        FrechetDistance fd = new FrechetDistance(backend);
        FidResult exact = fd.compute(stats(mu1, diag(s1), 1000), stats(mu2, diag(s2), 1000));
        assertEquals(expected, exact.fid(), 1e-10 * expected);
        assertEquals(FidRoute.COVARIANCE_EIGEN, exact.route());

        // The same covariances rotated by one random orthogonal Q (Σ = Q D Qᵀ): still the closed form.
        double[] q = randomOrthogonal(rnd, d);
        FidResult rotated = fd.compute(stats(mu1, rotate(q, diag(s1), d), 1000), stats(mu2, rotate(q, diag(s2), d), 1000));
        assertEquals(expected, rotated.fid(), 1e-9 * expected);

        // Sampled: n = 40 000 draws of each Gaussian, within sampling error of the closed form.
        int n = 40_000;
        FidResult sampled = fd.compute(sample(rnd, mu1, s1, n), sample(rnd, mu2, s2, n));
        assertEquals(expected, sampled.fid(), 0.03 * expected, "sampled FID " + sampled.fid() + " vs " + expected);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void nonCommutingTwoByTwoMatchesHandFormula(DenseBackend backend) {
        // For 2×2 P = Σ1Σ2 with non-negative real eigenvalues: Tr(P^½) = √(Tr P + 2 √det P).
        double[] a = {2.0, 0.7, 0.7, 1.0};
        double[] b = {0.5, -0.3, -0.3, 3.0};
        double[] p = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                      a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
        double trP = p[0] + p[3];
        double detP = p[0] * p[3] - p[1] * p[2];
        double traceSqrt = Math.sqrt(trP + 2 * Math.sqrt(detP));
        double[] mu1 = {1, 2};
        double[] mu2 = {0, 2.5};
        double expected = 1 + 0.25 + (a[0] + a[3]) + (b[0] + b[3]) - 2 * traceSqrt;
        FidResult r = new FrechetDistance(backend).compute(stats(mu1, a, 10), stats(mu2, b, 10));
        assertEquals(traceSqrt, r.traceSqrt(), 1e-12);
        assertEquals(expected, r.fid(), 1e-12);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void symmetric(DenseBackend backend) {
        FrechetDistance fd = new FrechetDistance(backend);
        Random rnd = new Random(3);
        DoubleMatrix a = correlated(rnd, 50, 80, 20, 0.0);
        DoubleMatrix b = correlated(rnd, 70, 80, 30, 0.3);
        for (FidRoute route : List.of(FidRoute.CROSS_GRAM, FidRoute.STATS_GRAM, FidRoute.COVARIANCE_EIGEN)) {
            double ab = fd.compute(a, b, route).fid();
            double ba = fd.compute(b, a, route).fid();
            assertEquals(ab, ba, 1e-10 * Math.abs(ab), route.toString());
            assertTrue(ab > 0);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void singularRoutesAgree(DenseBackend backend) {
        // n < d: both covariances singular (rank n − 1). The n×n route, the stats×features route and the d×d route
        // must give the same number.
        FrechetDistance fd = new FrechetDistance(backend);
        Random rnd = new Random(4);
        DoubleMatrix a = correlated(rnd, 60, 160, 40, 0.0);
        DoubleMatrix b = correlated(rnd, 90, 160, 100, 0.2);
        FidResult gram = fd.compute(a, b, FidRoute.CROSS_GRAM);
        FidResult mixed = fd.compute(a, b, FidRoute.STATS_GRAM);
        FidResult dxd = fd.compute(a, b, FidRoute.COVARIANCE_EIGEN);
        assertEquals(gram.traceSqrt(), dxd.traceSqrt(), 1e-6 * gram.traceSqrt());
        assertEquals(gram.fid(), dxd.fid(), 1e-9 * gram.fid()); // brief: 1e-6; seen ≤ 1e-11
        assertEquals(gram.fid(), mixed.fid(), 1e-9 * gram.fid());
        assertEquals(gram.meanTerm(), dxd.meanTerm(), 1e-12 * gram.meanTerm());
        // The d×d route meets Σ1's null space: its rounding-negative eigenvalues are clamped and reported, tiny.
        assertTrue(dxd.clampedEigenvalues() > 0, "d×d route on a singular Σ1 reports clamped eigenvalues");
        assertTrue(-dxd.mostNegativeEigenvalue() < 1e-10 * dxd.largestEigenvalue());
        assertEquals(FidRoute.CROSS_GRAM, fd.compute(a, b).route());
        assertEquals(FidRoute.STATS_GRAM, fd.compute(GaussianStats.of(a, backend, ""), b).route());
    }

    @Test
    void backendsAgree() {
        // On linux-x86_64 the native library must load: the EJML fallback is for other platforms.
        assertTrue(Backends.openBlasAvailable(), "OpenBLAS (bytedeco linux-x86_64) should load here");
        assertEquals("openblas", Backends.best().name());
        Random rnd = new Random(5);
        DoubleMatrix a = correlated(rnd, 30, 50, 10, 0.0);
        DoubleMatrix b = correlated(rnd, 45, 50, 25, 0.1);
        for (FidRoute route : List.of(FidRoute.CROSS_GRAM, FidRoute.COVARIANCE_EIGEN)) {
            double blas = new FrechetDistance(Backends.openBlas()).compute(a, b, route).fid();
            double ejml = new FrechetDistance(Backends.ejml()).compute(a, b, route).fid();
            assertEquals(blas, ejml, 1e-9 * blas, route.toString());
        }
    }

    @Test
    void rejectsBadInput() {
        FrechetDistance fd = new FrechetDistance(Backends.ejml());
        DoubleMatrix ok = correlated(new Random(6), 5, 4, 2, 0);
        DoubleMatrix one = new DoubleMatrix(1, 4, new double[4]);
        DoubleMatrix otherD = new DoubleMatrix(5, 3, new double[15]);
        double[] nan = ok.data().clone();
        nan[7] = Double.NaN;
        var e1 = assertThrows(MetricsInputException.class, () -> fd.compute(ok, one));
        assertTrue(e1.getMessage().contains("at least 2 samples"), e1.getMessage());
        var e2 = assertThrows(MetricsInputException.class, () -> fd.compute(ok, otherD));
        assertTrue(e2.getMessage().contains("dimensions differ"), e2.getMessage());
        var e3 = assertThrows(MetricsInputException.class, () -> fd.compute(new DoubleMatrix(5, 4, nan), ok));
        assertTrue(e3.getMessage().contains("row 1, column 3"), e3.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> fd.compute(GaussianStats.of(ok, Backends.ejml(), ""), ok, FidRoute.CROSS_GRAM));
    }

    @Test
    void statisticsRoundTripAndRejectCorruption(@TempDir Path dir) throws IOException {
        DoubleMatrix x = correlated(new Random(7), 20, 9, 4, 1.0);
        GaussianStats s = GaussianStats.of(x, Backends.openBlas(), "c3d=test.params; prep=tgan2; n=20");
        Path file = dir.resolve("real.fidstats");
        s.save(file);
        GaussianStats back = GaussianStats.load(file);
        assertArrayEquals(s.mean(), back.mean(), 0.0);
        assertArrayEquals(s.covariance(), back.covariance(), 0.0);
        assertEquals(20, back.n());
        assertEquals(s.provenance(), back.provenance());
        // Σ matches numpy.cov's unbiased definition on one entry, computed by hand.
        double m0 = 0;
        double m1 = 0;
        for (int i = 0; i < 20; i++) {
            m0 += x.get(i, 0) / 20;
            m1 += x.get(i, 1) / 20;
        }
        double c01 = 0;
        for (int i = 0; i < 20; i++) {
            c01 += (x.get(i, 0) - m0) * (x.get(i, 1) - m1) / 19;
        }
        assertEquals(c01, back.covariance()[1], 1e-12);

        byte[] bytes = Files.readAllBytes(file);
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x10;
        Files.write(dir.resolve("bad.fidstats"), flipped);
        var e = assertThrows(MetricsInputException.class, () -> GaussianStats.load(dir.resolve("bad.fidstats")));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        Files.write(dir.resolve("short.fidstats"), java.util.Arrays.copyOf(bytes, bytes.length - 20));
        var t = assertThrows(MetricsInputException.class, () -> GaussianStats.load(dir.resolve("short.fidstats")));
        assertTrue(t.getMessage().contains("truncated"), t.getMessage());
        assertThrows(MetricsInputException.class, () -> GaussianStats.load(dir.resolve("missing.fidstats")));

        // Cached statistics give the same FID as the features they came from.
        DoubleMatrix y = correlated(new Random(8), 15, 9, 6, 0.0);
        FrechetDistance fd = new FrechetDistance(Backends.openBlas());
        assertEquals(fd.compute(x, y).fid(), fd.compute(back, y).fid(), 1e-9 * fd.compute(x, y).fid());
    }

    // ---- helpers ----

    static GaussianStats stats(double[] mu, double[] cov, long n) {
        return new GaussianStats(mu, cov, mu.length, n, "");
    }

    static double[] diag(double[] sigma) {
        int d = sigma.length;
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            c[i * d + i] = sigma[i] * sigma[i];
        }
        return c;
    }

    static DoubleMatrix sample(Random rnd, double[] mu, double[] sigma, int n) {
        int d = mu.length;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = mu[j] + sigma[j] * rnd.nextGaussian();
            }
        }
        return new DoubleMatrix(n, d, x);
    }

    /** Gram–Schmidt on a Gaussian matrix. */
    static double[] randomOrthogonal(Random rnd, int d) {
        double[] q = new double[d * d];
        for (int i = 0; i < q.length; i++) {
            q[i] = rnd.nextGaussian();
        }
        for (int c = 0; c < d; c++) {
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int r = 0; r < d; r++) {
                    dot += q[r * d + c] * q[r * d + p];
                }
                for (int r = 0; r < d; r++) {
                    q[r * d + c] -= dot * q[r * d + p];
                }
            }
            double norm = 0;
            for (int r = 0; r < d; r++) {
                norm += q[r * d + c] * q[r * d + c];
            }
            norm = Math.sqrt(norm);
            for (int r = 0; r < d; r++) {
                q[r * d + c] /= norm;
            }
        }
        return q;
    }

    static double[] rotate(double[] q, double[] s, int d) {
        DenseBackend b = Backends.ejml();
        double[] qs = b.multiply(q, d, d, false, s, d, d, false, 1.0);
        double[] r = b.multiply(qs, d, d, false, q, d, d, true, 1.0);
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (r[i * d + j] + r[j * d + i]);
                r[i * d + j] = v;
                r[j * d + i] = v;
            }
        }
        return r;
    }
}

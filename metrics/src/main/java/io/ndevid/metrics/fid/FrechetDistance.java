package io.ndevid.metrics.fid;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.Backends;
import io.ndevid.metrics.linalg.DenseBackend;
import io.ndevid.metrics.linalg.DoubleMatrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Fréchet distance between two Gaussians fitted to feature sets (FID with C3D fc7 features):
 * FID = ‖μ1−μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr((Σ1Σ2)^½).
 *
 * <p>Why not {@code scipy.linalg.sqrtm(Σ1·Σ2)} as the reference repos do: with 2048 samples of 4096-d features both
 * covariances are singular, sqrtm of the (non-symmetric) product returns complex values and the repos keep the real
 * part. Here the trace term comes from symmetric PSD eigenproblems only (see {@link FidRoute}), so nothing complex is
 * discarded; tiny negative eigenvalues from rounding are clamped to 0 and reported.
 *
 * <p>Covariances use the unbiased divisor n − 1 (as {@code numpy.cov}). Sample FID is biased upwards for small n:
 * compare models only at equal n.
 */
public final class FrechetDistance {

    private static final Logger LOG = LoggerFactory.getLogger(FrechetDistance.class);

    private final DenseBackend backend;

    /** With the process's best backend (OpenBLAS, else EJML). */
    public FrechetDistance() {
        this(Backends.best());
    }

    public FrechetDistance(DenseBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    public DenseBackend backend() {
        return backend;
    }

    /** FID between two feature sets ({@code n × d} each, n ≥ 2), route chosen by shape. */
    public FidResult compute(DoubleMatrix real, DoubleMatrix fake) {
        return compute(real, fake, FidRoute.AUTO);
    }

    /**
     * FID between two feature sets along a given route ({@link FidRoute#STATS_GRAM} is taken as {@link FidRoute#AUTO}
     * would be by {@link #compute(GaussianStats, DoubleMatrix)}: real statistics, fake features).
     */
    public FidResult compute(DoubleMatrix real, DoubleMatrix fake, FidRoute route) {
        checkFeatures("real features", real);
        checkFeatures("fake features", fake);
        checkSameDimension(real.cols(), fake.cols());
        int d = real.cols();
        FidRoute r = route == FidRoute.AUTO
                ? (Math.min(real.rows(), fake.rows()) < d ? FidRoute.CROSS_GRAM : FidRoute.COVARIANCE_EIGEN)
                : route;
        return switch (r) {
            case CROSS_GRAM -> crossGram(real, fake);
            case STATS_GRAM -> compute(GaussianStats.of(real, backend, ""), fake, FidRoute.STATS_GRAM);
            case COVARIANCE_EIGEN -> compute(GaussianStats.of(real, backend, ""), GaussianStats.of(fake, backend, ""));
            case AUTO -> throw new AssertionError();
        };
    }

    /** FID between cached real statistics and fake features, route chosen by shape. */
    public FidResult compute(GaussianStats real, DoubleMatrix fake) {
        return compute(real, fake, FidRoute.AUTO);
    }

    /**
     * FID between cached real statistics and fake features: {@link FidRoute#STATS_GRAM} (default when n_fake < d) or
     * {@link FidRoute#COVARIANCE_EIGEN}.
     */
    public FidResult compute(GaussianStats real, DoubleMatrix fake, FidRoute route) {
        Objects.requireNonNull(real, "real statistics");
        checkFeatures("fake features", fake);
        checkSameDimension(real.d(), fake.cols());
        checkStats("real statistics", real);
        FidRoute r = route == FidRoute.AUTO ? (fake.rows() < real.d() ? FidRoute.STATS_GRAM : FidRoute.COVARIANCE_EIGEN)
                : route;
        if (r == FidRoute.CROSS_GRAM) {
            throw new IllegalArgumentException("the n×n cross-gram route needs both feature sets; the real set is "
                    + "given as statistics (use nxn-stats-gram-eigh or dxd-sqrt-eigh)");
        }
        if (r == FidRoute.COVARIANCE_EIGEN) {
            return compute(real, GaussianStats.of(fake, backend, ""));
        }
        return statsGram(real, fake);
    }

    /** FID between two sets of statistics (the d×d route). */
    public FidResult compute(GaussianStats real, GaussianStats fake) {
        Objects.requireNonNull(real, "real statistics");
        Objects.requireNonNull(fake, "fake statistics");
        checkSameDimension(real.d(), fake.d());
        checkStats("real statistics", real);
        checkStats("fake statistics", fake);
        int d = real.d();
        Clamp clamp = new Clamp();
        DenseBackend.SymmetricEigen e1 = backend.symmetricEigen(real.covariance(), d);
        // G = V Λ₊^½ restricted to the positive eigenvalues: Σ1 = G Gᵀ exactly up to rounding, and Gᵀ Σ2 G has the
        // eigenvalues of Σ1^½ Σ2 Σ1^½. Dropping the null space makes the second problem rank × rank.
        // Eigenvalues below d·ε·λmax are zero to working precision (a singular Σ1 has d − n + 1 of them, scattered
        // around 0 by rounding); keeping the positive ones would add √noise terms to the trace.
        double[] values1 = e1.values();
        double tolerance = Math.max(d, 1) * Math.ulp(1.0) * Math.max(values1[d - 1], 0);
        int rank = 0;
        for (double v : values1) {
            clamp.see(v);
            if (v > tolerance) {
                rank++;
            }
        }
        double[] g = new double[d * rank];
        int first = d - rank; // values ascending: the positive ones are the last `rank`
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < rank; k++) {
                g[i * rank + k] = e1.vectors()[i * d + first + k] * Math.sqrt(e1.values()[first + k]);
            }
        }
        double[] s2g = backend.multiply(fake.covariance(), d, d, false, g, d, rank, false, 1.0);
        double[] m = backend.multiply(g, d, rank, true, s2g, d, rank, false, 1.0);
        double traceSqrt = sumSqrt(backend.symmetricEigenvalues(m, rank), clamp);
        return result(real.mean(), fake.mean(), real.trace(), fake.trace(), traceSqrt, FidRoute.COVARIANCE_EIGEN,
                real.n(), fake.n(), d, clamp);
    }

    private FidResult crossGram(DoubleMatrix real, DoubleMatrix fake) {
        GaussianStats.Centered a = GaussianStats.Centered.of(real);
        GaussianStats.Centered b = GaussianStats.Centered.of(fake);
        int d = a.d();
        double scale = 1.0 / Math.sqrt((a.n() - 1.0) * (b.n() - 1.0));
        // C = X̃₁ X̃₂ᵀ · scale (n1 × n2); eig of the smaller of C Cᵀ / Cᵀ C.
        double[] c = backend.multiply(a.values(), a.n(), d, false, b.values(), b.n(), d, true, scale);
        double[] k = a.n() <= b.n() ? backend.gramOfRows(c, a.n(), b.n(), 1.0) : backend.gramOfColumns(c, a.n(), b.n(), 1.0);
        int m = Math.min(a.n(), b.n());
        Clamp clamp = new Clamp();
        double traceSqrt = sumSqrt(backend.symmetricEigenvalues(k, m), clamp);
        return result(a.mean(), b.mean(), a.sumOfSquares() / (a.n() - 1), b.sumOfSquares() / (b.n() - 1), traceSqrt,
                FidRoute.CROSS_GRAM, a.n(), b.n(), d, clamp);
    }

    private FidResult statsGram(GaussianStats real, DoubleMatrix fake) {
        GaussianStats.Centered b = GaussianStats.Centered.of(fake);
        int d = b.d();
        int n = b.n();
        // K = B Σ1 Bᵀ with B = X̃₂ / √(n2 − 1): n2 × n2, PSD.
        double[] y = backend.multiply(b.values(), n, d, false, real.covariance(), d, d, false, 1.0 / Math.sqrt(n - 1.0));
        double[] k = backend.multiply(y, n, d, false, b.values(), n, d, true, 1.0 / Math.sqrt(n - 1.0));
        Clamp clamp = new Clamp();
        double traceSqrt = sumSqrt(backend.symmetricEigenvalues(k, n), clamp);
        return result(real.mean(), b.mean(), real.trace(), b.sumOfSquares() / (n - 1), traceSqrt, FidRoute.STATS_GRAM,
                real.n(), n, d, clamp);
    }

    private FidResult result(double[] mu1, double[] mu2, double tr1, double tr2, double traceSqrt, FidRoute route,
                             long n1, long n2, int d, Clamp clamp) {
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = mu1[i] - mu2[i];
            meanTerm += diff * diff;
        }
        double fid = meanTerm + tr1 + tr2 - 2 * traceSqrt;
        if (clamp.count > 0 && -clamp.mostNegative > 1e-6 * Math.max(clamp.largest, Double.MIN_NORMAL)) {
            LOG.warn("FID ({}): clamped {} negative eigenvalue(s) down to {} against a largest eigenvalue {}: more than "
                            + "rounding noise, is a covariance not positive semi-definite?", route.methodName(),
                    clamp.count, clamp.mostNegative, clamp.largest);
        }
        return new FidResult(fid, meanTerm, tr1, tr2, traceSqrt, route, backend.name(), n1, n2, d, clamp.count,
                clamp.mostNegative, clamp.largest);
    }

    /**
     * Σ √λ over the eigenvalues of a PSD matrix. Negative ones are clamped to 0 (and counted). Positive ones below
     * m·ε·λmax are also taken as 0: they are the solver's rounding error on the matrix's null space (a rank-r
     * m × m matrix has m − r of them), and their square roots, ≈ 1e-8·√λmax each, would otherwise add up to a
     * visible bias — e.g. the stats×features route's K = BΣ1Bᵀ is rank-deficient whenever n1 − 1 < n2.
     */
    private static double sumSqrt(double[] eigenvalues, Clamp clamp) {
        int m = eigenvalues.length;
        if (m == 0) {
            return 0;
        }
        double tolerance = m * Math.ulp(1.0) * Math.max(eigenvalues[m - 1], 0);
        double s = 0;
        // Ascending: add from the small end so the large terms do not swamp the small ones.
        for (double v : eigenvalues) {
            clamp.see(v);
            if (v > tolerance) {
                s += Math.sqrt(v);
            }
        }
        return s;
    }

    static void checkFeatures(String what, DoubleMatrix x) {
        Objects.requireNonNull(x, what);
        if (x.rows() < 2) {
            throw new MetricsInputException(what + ": need at least 2 samples for a covariance, got " + x.rows());
        }
        if (x.cols() < 1) {
            throw new MetricsInputException(what + ": feature dimension is 0");
        }
        long bad = x.firstNonFinite();
        if (bad >= 0) {
            throw new MetricsInputException(what + ": non-finite value " + x.data()[(int) bad] + " at row "
                    + bad / x.cols() + ", column " + bad % x.cols());
        }
    }

    private static void checkStats(String what, GaussianStats s) {
        for (double v : s.mean()) {
            if (!Double.isFinite(v)) {
                throw new MetricsInputException(what + ": mean holds " + v);
            }
        }
        for (double v : s.covariance()) {
            if (!Double.isFinite(v)) {
                throw new MetricsInputException(what + ": covariance holds " + v);
            }
        }
    }

    private static void checkSameDimension(int d1, int d2) {
        if (d1 != d2) {
            throw new MetricsInputException("feature dimensions differ: real d = " + d1 + ", fake d = " + d2);
        }
    }

    /** Tracks eigenvalues clamped to zero. */
    private static final class Clamp {
        int count;
        double mostNegative;
        double largest;

        void see(double v) {
            if (v < 0) {
                count++;
                mostNegative = Math.min(mostNegative, v);
            }
            largest = Math.max(largest, v);
        }
    }
}

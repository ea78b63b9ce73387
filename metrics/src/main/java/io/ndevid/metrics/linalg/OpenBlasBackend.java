package io.ndevid.metrics.linalg;

import org.bytedeco.openblas.global.openblas;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

/**
 * OpenBLAS (bytedeco {@code org.bytedeco:openblas}, LAPACK included): {@code cblas_dgemm}, {@code cblas_dsyrk},
 * {@code LAPACKE_dsyevd}. Construct only through {@link Backends}, which checks that the native library loads.
 *
 * <p>Java arrays are passed straight to JavaCPP, which copies them to and from native memory around each call: at
 * d = 4096 that is ≈ 0.1 s per 128 MiB matrix against tens of GFLOP of work, so not worth off-heap buffers.
 */
public final class OpenBlasBackend implements DenseBackend {

    OpenBlasBackend() {
        // Touching the class loads libopenblas (and throws here if it cannot).
        openblas.blas_get_num_threads();
    }

    /** Threads OpenBLAS uses (its default is the number of cores). */
    public int threads() {
        return openblas.blas_get_num_threads();
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public double[] multiply(double[] a, int aRows, int aCols, boolean transA,
                             double[] b, int bRows, int bCols, boolean transB, double alpha) {
        int m = transA ? aCols : aRows;
        int k = transA ? aRows : aCols;
        int kb = transB ? bCols : bRows;
        int n = transB ? bRows : bCols;
        if (k != kb) {
            throw new IllegalArgumentException("inner dimensions differ: " + k + " vs " + kb);
        }
        double[] c = new double[m * n];
        if (m == 0 || n == 0) {
            return c;
        }
        openblas.cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, Math.max(1, aCols), b, Math.max(1, bCols), 0.0, c, Math.max(1, n));
        return c;
    }

    @Override
    public double[] gramOfRows(double[] a, int rows, int cols, double alpha) {
        double[] c = new double[rows * rows];
        if (rows > 0) {
            openblas.cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, rows, cols, alpha, a, Math.max(1, cols),
                    0.0, c, rows);
            mirrorUpper(c, rows);
        }
        return c;
    }

    @Override
    public double[] gramOfColumns(double[] a, int rows, int cols, double alpha) {
        double[] c = new double[cols * cols];
        if (cols > 0) {
            openblas.cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, rows, alpha, a, Math.max(1, cols),
                    0.0, c, cols);
            mirrorUpper(c, cols);
        }
        return c;
    }

    @Override
    public double[] symmetricEigenvalues(double[] s, int n) {
        double[] work = s.clone();
        double[] w = new double[n];
        if (n > 0) {
            check(openblas.LAPACKE_dsyevd(LAPACK_ROW_MAJOR, (byte) 'N', (byte) 'U', n, work, n, w), n);
        }
        return w;
    }

    @Override
    public SymmetricEigen symmetricEigen(double[] s, int n) {
        double[] work = s.clone();
        double[] w = new double[n];
        if (n > 0) {
            check(openblas.LAPACKE_dsyevd(LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', n, work, n, w), n);
        }
        return new SymmetricEigen(n, w, work);
    }

    private static void check(int info, int n) {
        if (info < 0) {
            throw new IllegalStateException("LAPACKE_dsyevd: argument " + (-info) + " was invalid (n = " + n + ")");
        }
        if (info > 0) {
            throw new ArithmeticException("LAPACKE_dsyevd did not converge (" + info
                    + " off-diagonal elements of an intermediate tridiagonal form did not converge; n = " + n
                    + "): the matrix probably holds NaN/Inf");
        }
    }

    static void mirrorUpper(double[] c, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                c[j * n + i] = c[i * n + j];
            }
        }
    }
}

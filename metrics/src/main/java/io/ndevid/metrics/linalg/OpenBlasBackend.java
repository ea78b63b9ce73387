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

    private static final Object THREADS_LOCK = new Object();
    private final int threads;

    OpenBlasBackend() {
        // Touching the class loads libopenblas (and throws here if it cannot).
        openblas.blas_get_num_threads();
        threads = defaultThreads();
        openblas.blas_set_num_threads(threads);
    }

    /** Threads for matrix products: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS if set, else the number of cores. */
    public int threads() {
        return threads;
    }

    private static int defaultThreads() {
        for (String env : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
            String v = System.getenv(env);
            if (v != null) {
                try {
                    int t = Integer.parseInt(v.trim());
                    if (t > 0) {
                        return t;
                    }
                } catch (NumberFormatException ignored) {
                    // fall through to the core count
                }
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Runs a values-only eigensolve on one OpenBLAS thread. Why: its tridiagonal reduction (dsytrd) is a long chain
     * of memory-bound matrix-vector products, each a synchronisation point between OpenBLAS threads; on a loaded
     * machine (2 cores shared, plus the JVM's own GC/JIT threads) one descheduled thread stalls the other. Measured
     * here at n = 2048: 0.4–14 s with 2 threads, 0.6–0.8 s with 1. Products (dgemm, dsyrk) keep all threads.
     */
    private int singleThreaded(java.util.function.IntSupplier call) {
        synchronized (THREADS_LOCK) {
            openblas.blas_set_num_threads(1);
            try {
                return call.getAsInt();
            } finally {
                openblas.blas_set_num_threads(threads);
            }
        }
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
            check(singleThreaded(() -> openblas.LAPACKE_dsyevd(LAPACK_ROW_MAJOR, (byte) 'N', (byte) 'U', n, work, n, w)),
                    n);
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

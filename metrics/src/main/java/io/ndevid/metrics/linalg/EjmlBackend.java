package io.ndevid.metrics.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_MT_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;

/**
 * Pure-Java fallback on EJML (multithreaded products, symmetric QR eigen-solver). Exact to ≈ 1e-14 relative but slow
 * at FID sizes: ≈ 285 s at d = 4096 for the d×d route (docs/ENGINE.md), so it is only used when OpenBLAS
 * cannot load or when asked for.
 */
public final class EjmlBackend implements DenseBackend {

    @Override
    public String name() {
        return "ejml";
    }

    @Override
    public double[] multiply(double[] a, int aRows, int aCols, boolean transA,
                             double[] b, int bRows, int bCols, boolean transB, double alpha) {
        DMatrixRMaj ma = DMatrixRMaj.wrap(aRows, aCols, a);
        DMatrixRMaj mb = DMatrixRMaj.wrap(bRows, bCols, b);
        int m = transA ? aCols : aRows;
        int n = transB ? bRows : bCols;
        int k = transA ? aRows : aCols;
        int kb = transB ? bCols : bRows;
        if (k != kb) {
            throw new IllegalArgumentException("inner dimensions differ: " + k + " vs " + kb);
        }
        DMatrixRMaj c = new DMatrixRMaj(m, n);
        if (transA && transB) {
            // (AᵀBᵀ) = (BA)ᵀ
            DMatrixRMaj ba = new DMatrixRMaj(n, m);
            CommonOps_MT_DDRM.mult(alpha, mb, ma, ba);
            org.ejml.dense.row.CommonOps_DDRM.transpose(ba, c);
        } else if (transA) {
            CommonOps_MT_DDRM.multTransA(alpha, ma, mb, c);
        } else if (transB) {
            CommonOps_MT_DDRM.multTransB(alpha, ma, mb, c);
        } else {
            CommonOps_MT_DDRM.mult(alpha, ma, mb, c);
        }
        return c.data.length == m * n ? c.data : Arrays.copyOf(c.data, m * n);
    }

    @Override
    public double[] gramOfRows(double[] a, int rows, int cols, double alpha) {
        double[] c = multiply(a, rows, cols, false, a, rows, cols, true, alpha);
        symmetrize(c, rows);
        return c;
    }

    @Override
    public double[] gramOfColumns(double[] a, int rows, int cols, double alpha) {
        double[] c = multiply(a, rows, cols, true, a, rows, cols, false, alpha);
        symmetrize(c, cols);
        return c;
    }

    @Override
    public double[] symmetricEigenvalues(double[] s, int n) {
        return decompose(s, n, false).values();
    }

    @Override
    public SymmetricEigen symmetricEigen(double[] s, int n) {
        return decompose(s, n, true);
    }

    private static SymmetricEigen decompose(double[] s, int n, boolean vectors) {
        // The OpenBLAS route reads only the upper triangle; do the same here so both backends see one matrix.
        double[] full = s.clone();
        OpenBlasBackend.mirrorUpper(full, n);
        double[] values = new double[n];
        double[] vecs = vectors ? new double[n * n] : null;
        if (n == 0) {
            return new SymmetricEigen(0, values, vecs);
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, vectors, true);
        if (!eig.decompose(DMatrixRMaj.wrap(n, n, full))) {
            throw new ArithmeticException("EJML symmetric eigen-decomposition failed (n = " + n
                    + "): the matrix probably holds NaN/Inf");
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            values[i] = eig.getEigenvalue(i).real;
        }
        double[] raw = values.clone();
        Arrays.sort(order, (x, y) -> Double.compare(raw[x], raw[y]));
        for (int j = 0; j < n; j++) {
            values[j] = raw[order[j]];
            if (vectors) {
                DMatrixRMaj v = eig.getEigenVector(order[j]);
                for (int i = 0; i < n; i++) {
                    vecs[i * n + j] = v.data[i];
                }
            }
        }
        return new SymmetricEigen(n, values, vecs);
    }

    private static void symmetrize(double[] c, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = 0.5 * (c[i * n + j] + c[j * n + i]);
                c[i * n + j] = v;
                c[j * n + i] = v;
            }
        }
    }
}

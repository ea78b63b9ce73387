package io.ndevid.metrics.linalg;

/**
 * The few dense kernels FID needs, on row-major {@code double[]} matrices. Two implementations: {@link OpenBlasBackend}
 * (LAPACK/BLAS through bytedeco, fast) and {@link EjmlBackend} (pure Java, ≈ 15× slower at d = 4096, always there).
 * Pick one with {@link Backends#best()}. Inputs are never modified; every result is a new array.
 */
public interface DenseBackend {

    /** Short name recorded with every result: {@code openblas} or {@code ejml}. */
    String name();

    /**
     * {@code alpha · op(A) · op(B)} where {@code op(X)} is X or Xᵀ. {@code A} is stored {@code aRows × aCols},
     * {@code B} is stored {@code bRows × bCols} (before any transpose).
     */
    double[] multiply(double[] a, int aRows, int aCols, boolean transA,
                      double[] b, int bRows, int bCols, boolean transB, double alpha);

    /** {@code alpha · A Aᵀ} ({@code rows × rows}, both triangles filled) for A stored {@code rows × cols}. */
    double[] gramOfRows(double[] a, int rows, int cols, double alpha);

    /** {@code alpha · Aᵀ A} ({@code cols × cols}, both triangles filled) for A stored {@code rows × cols}. */
    double[] gramOfColumns(double[] a, int rows, int cols, double alpha);

    /** Eigenvalues of the symmetric {@code n × n} matrix {@code s}, ascending. Only the upper triangle is read. */
    double[] symmetricEigenvalues(double[] s, int n);

    /** Eigenvalues (ascending) and eigenvectors of the symmetric {@code n × n} matrix {@code s}. */
    SymmetricEigen symmetricEigen(double[] s, int n);

    /**
     * A symmetric eigendecomposition {@code S = V diag(values) Vᵀ}.
     *
     * @param values  ascending
     * @param vectors row-major {@code n × n}; column {@code j} is the unit eigenvector of {@code values[j]}
     */
    record SymmetricEigen(int n, double[] values, double[] vectors) {}
}

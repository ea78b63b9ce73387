package io.ndevid.metrics.linalg;

import java.util.Objects;

/**
 * A dense row-major matrix of doubles: {@code data[r * cols + c]}. The array is shared, not copied: treat it as
 * read-only once handed over (feature matrices are large, 2048 × 4096 is 64 MiB).
 */
public record DoubleMatrix(int rows, int cols, double[] data) {

    public DoubleMatrix {
        Objects.requireNonNull(data, "data");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "×" + cols);
        }
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("shape " + rows + "×" + cols + " needs " + (long) rows * cols
                    + " values but got " + data.length);
        }
    }

    /** Copies a rectangular {@code double[rows][cols]}. */
    public static DoubleMatrix of(double[][] rowsOfValues) {
        int r = rowsOfValues.length;
        int c = r == 0 ? 0 : rowsOfValues[0].length;
        double[] d = new double[r * c];
        for (int i = 0; i < r; i++) {
            if (rowsOfValues[i].length != c) {
                throw new IllegalArgumentException("ragged rows: row 0 has " + c + " values, row " + i + " has "
                        + rowsOfValues[i].length);
            }
            System.arraycopy(rowsOfValues[i], 0, d, i * c, c);
        }
        return new DoubleMatrix(r, c, d);
    }

    /** Widens a row-major float matrix. */
    public static DoubleMatrix of(int rows, int cols, float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return new DoubleMatrix(rows, cols, d);
    }

    public double get(int r, int c) {
        return data[r * cols + c];
    }

    /** Rows {@code [from, to)} as a new matrix (copied). */
    public DoubleMatrix rowRange(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rows);
        }
        double[] d = new double[(to - from) * cols];
        System.arraycopy(data, from * cols, d, 0, d.length);
        return new DoubleMatrix(to - from, cols, d);
    }

    /** Index of the first NaN or infinite value, or −1 if all values are finite. */
    public long firstNonFinite() {
        for (int i = 0; i < data.length; i++) {
            if (!Double.isFinite(data[i])) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "DoubleMatrix[" + rows + "×" + cols + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DoubleMatrix m && m.rows == rows && m.cols == cols
                && java.util.Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + java.util.Arrays.hashCode(data);
    }
}

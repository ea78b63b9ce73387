package io.ndevid.metrics.npy;

import io.ndevid.metrics.linalg.DoubleMatrix;

import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array as read from or written to a {@code .npy} file: a dtype, a C-order shape and the values in
 * a primitive array matching the dtype ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]},
 * {@code byte[]} holding unsigned bytes).
 */
public final class NpyArray {

    private final NpyDtype dtype;
    private final int[] shape;
    private final Object data;

    private NpyArray(NpyDtype dtype, int[] shape, Object data, int length) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long count = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count *= s;
        }
        if (count != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count
                    + " values but the data has " + length);
        }
        this.data = data;
    }

    public static NpyArray of(double[] values, int... shape) {
        return new NpyArray(NpyDtype.FLOAT64, shape, Objects.requireNonNull(values), values.length);
    }

    public static NpyArray of(float[] values, int... shape) {
        return new NpyArray(NpyDtype.FLOAT32, shape, Objects.requireNonNull(values), values.length);
    }

    public static NpyArray of(long[] values, int... shape) {
        return new NpyArray(NpyDtype.INT64, shape, Objects.requireNonNull(values), values.length);
    }

    public static NpyArray of(int[] values, int... shape) {
        return new NpyArray(NpyDtype.INT32, shape, Objects.requireNonNull(values), values.length);
    }

    /** Unsigned bytes ({@code |u1}): {@code values[i] & 0xFF} is the value. */
    public static NpyArray ofUnsignedBytes(byte[] values, int... shape) {
        return new NpyArray(NpyDtype.UINT8, shape, Objects.requireNonNull(values), values.length);
    }

    /** A 2-D {@code <f8} array holding the matrix (shares its data). */
    public static NpyArray of(DoubleMatrix m) {
        return of(m.data(), m.rows(), m.cols());
    }

    public NpyDtype dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    /** The backing primitive array (not copied). */
    public Object data() {
        return data;
    }

    /** All values widened to double (a copy unless the dtype is {@code <f8}, then the backing array). */
    public double[] toDoubles() {
        return switch (dtype) {
            case FLOAT64 -> (double[]) data;
            case FLOAT32 -> {
                float[] f = (float[]) data;
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                yield d;
            }
            case INT32 -> Arrays.stream((int[]) data).asDoubleStream().toArray();
            case INT64 -> Arrays.stream((long[]) data).asDoubleStream().toArray();
            case UINT8 -> {
                byte[] b = (byte[]) data;
                double[] d = new double[b.length];
                for (int i = 0; i < b.length; i++) {
                    d[i] = b[i] & 0xFF;
                }
                yield d;
            }
        };
    }

    /** All values as float (a copy unless the dtype is {@code <f4}). */
    public float[] toFloats() {
        if (dtype == NpyDtype.FLOAT32) {
            return (float[]) data;
        }
        double[] d = toDoubles();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * This array as an {@code n × d} matrix of doubles.
     *
     * @throws NpyFormatException if the array is not 2-D ({@code what} names it in the message)
     */
    public DoubleMatrix toMatrix(String what) {
        if (shape.length != 2) {
            throw new NpyFormatException(what + ": expected a 2-D array (samples × features), got shape "
                    + shapeString(shape));
        }
        return new DoubleMatrix(shape[0], shape[1], toDoubles());
    }

    static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(shape[i]);
            if (i < shape.length - 1 || shape.length == 1) {
                sb.append(',');
            }
            if (i < shape.length - 1) {
                sb.append(' ');
            }
        }
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype.descr() + " " + shapeString(shape) + "]";
    }
}

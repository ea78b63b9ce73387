package io.ndevid.metrics.c3d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Separable frame resizing as two matrix products, {@code out = R_h · frame · R_wᵀ}, applied to the last two axes of
 * an array of any rank. The interpolation matrices reproduce PyTorch's {@code F.interpolate(..., align_corners=False)}
 * without antialiasing:
 * <ul>
 *   <li>bilinear: source coordinate {@code s = max(0, (i + ½)·in/out − ½)}, neighbours clamped to the border;</li>
 *   <li>bicubic: Keys' cubic convolution with a = −0.75 (PyTorch's and OpenCV's INTER_CUBIC; PIL uses −0.5),
 *       {@code s = (i + ½)·in/out − ½} (not clamped), the four taps' indices clamped to the border.</li>
 * </ul>
 * and {@link Kind#BILINEAR_ALIGN_CORNERS}, Chainer's {@code F.resize_images} (the only mode of the Chainer versions
 * TGANv2 used): source coordinate {@code s = i·(in − 1)/(out − 1)} ({@code numpy.linspace(0, in − 1, out)}), the
 * upper neighbour clamped to the border — corners map onto corners.
 * The bicubic kind is OpenCV's {@code INTER_CUBIC} (same kernel, centres and replicated border), which is what TGAN's
 * evaluation script calls ({@code cv.resize(frame, (128, 128), interpolation=cv.INTER_CUBIC)}).
 *
 * <p>Why our own: DJL 0.36's {@code interpolation} op on 4-D input takes an undocumented integer mode; mode 1 is
 * PyTorch bilinear (identical to {@link Kind#BILINEAR} when enlarging, checked in {@code C3dPreprocessingTest}; it
 * antialiases when shrinking, Resize does not), but mode 3 turned out to be PyTorch's <em>antialiased</em> bicubic (PIL-style, a = −0.5, weights renormalised at the border), which
 * is not OpenCV's cubic; 5-D input supports only nearest/area. Each matrix row sums to 1, so resizing commutes with
 * the affine value mapping and with constant offsets.
 */
public final class Resize {

    /** Interpolation kinds. */
    public enum Kind { BILINEAR, BICUBIC, BILINEAR_ALIGN_CORNERS }

    private static final double CUBIC_A = -0.75;

    private Resize() {}

    /** The {@code out × in} interpolation matrix, row-major. */
    public static double[] matrix(Kind kind, int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("sizes must be ≥ 1: " + in + " → " + out);
        }
        double[] m = new double[out * in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            if (kind == Kind.BILINEAR_ALIGN_CORNERS) {
                double s = out == 1 ? 0 : (double) i * (in - 1) / (out - 1);
                int i0 = (int) Math.floor(s);
                double t = s - i0;
                m[i * in + i0] += 1 - t;
                m[i * in + Math.min(i0 + 1, in - 1)] += t;
                continue;
            }
            double s = (i + 0.5) * scale - 0.5;
            if (kind == Kind.BILINEAR) {
                s = Math.max(0, s);
                int i0 = (int) Math.floor(s);
                int lo = Math.min(i0, in - 1);
                int hi = Math.min(i0 + 1, in - 1);
                double t = s - i0;
                m[i * in + lo] += 1 - t;
                m[i * in + hi] += t;
            } else {
                int i0 = (int) Math.floor(s);
                double t = s - i0;
                double[] w = {cubic(t + 1), cubic(t), cubic(1 - t), cubic(2 - t)};
                for (int k = 0; k < 4; k++) {
                    int idx = Math.min(Math.max(i0 - 1 + k, 0), in - 1);
                    m[i * in + idx] += w[k];
                }
            }
        }
        return m;
    }

    /** Keys' cubic convolution kernel. */
    static double cubic(double x) {
        double a = CUBIC_A;
        x = Math.abs(x);
        if (x <= 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    /** Resizes the last two axes of {@code x} (float32) to {@code outH × outW}. */
    public static NDArray apply(NDArray x, Kind kind, int outH, int outW) {
        Shape s = x.getShape();
        int d = s.dimension();
        int inH = (int) s.get(d - 2);
        int inW = (int) s.get(d - 1);
        NDManager m = x.getManager();
        NDArray rw = m.create(toFloat(matrix(kind, inW, outW)), new Shape(outW, inW)).toType(x.getDataType(), false);
        NDArray rh = m.create(toFloat(matrix(kind, inH, outH)), new Shape(outH, inH)).toType(x.getDataType(), false);
        // (…, H, W) · R_wᵀ → (…, H, W'); R_h · that → (…, H', W'), batch axes broadcast by matmul.
        return rh.matMul(x.matMul(rw.transpose()));
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

}

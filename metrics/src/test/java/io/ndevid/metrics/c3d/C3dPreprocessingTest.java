package io.ndevid.metrics.c3d;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.metrics.npy.Npz;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class C3dPreprocessingTest {

    static NDManager manager;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** [1, 3, T, S, S] clip with value f(c, h, w) in every frame. */
    interface Field {
        double at(int c, int h, int w);
    }

    static NDArray clip(int t, int size, Field f) {
        float[] v = new float[3 * t * size * size];
        int i = 0;
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < t; k++) {
                for (int h = 0; h < size; h++) {
                    for (int w = 0; w < size; w++) {
                        v[i++] = (float) f.at(c, h, w);
                    }
                }
            }
        }
        return manager.create(v, new Shape(1, 3, t, size, size));
    }

    static final double[] RGB = {-0.5, 0.25, 0.9};

    /** A mean clip file of the real layout, constant per BGR channel. */
    static C3dMeanClip constantMean(Path dir, double... bgr) throws IOException {
        double[] v = new double[3 * 16 * 128 * 171];
        int per = v.length / 3;
        for (int i = 0; i < v.length; i++) {
            v[i] = bgr[i / per];
        }
        Path f = dir.resolve("mean-" + java.util.Arrays.toString(bgr).hashCode() + ".npz");
        Npz.write(f, Map.of("mean", NpyArray.of(v, 3, 16, 128, 171)));
        return C3dMeanClip.load(f);
    }

    @Test
    void constantClipThroughEveryRoute(@TempDir Path dir) throws IOException {
        NDArray x = clip(2, 64, (c, h, w) -> RGB[c]);
        double[] mean = {100, 110, 120};
        C3dMeanClip meanClip = constantMean(dir, mean);
        // By hand, the references' value map: v·128 + 128, channel order reversed (BGR), minus the mean.
        double[] bgr = {RGB[2] * 128 + 128, RGB[1] * 128 + 128, RGB[0] * 128 + 128};
        NDArray authors = C3dPreprocessing.authors(meanClip, 2).apply(x);
        assertEquals(new Shape(1, 3, 2, 112, 112), authors.getShape());
        NDArray tgan2 = C3dPreprocessing.tgan2(meanClip, 2).apply(x);
        assertEquals(new Shape(1, 3, 2, 112, 112), tgan2.getShape());
        // The synthetic evaluator's tgan shape: (v + 1)·127.5 minus a given per-channel mean, or none.
        NDArray perChannel = manager.create(new float[] {100, 110, 120}, new Shape(3, 1, 1, 1));
        NDArray tgan = C3dPreprocessing.tgan(perChannel).apply(x);
        NDArray noMean = C3dPreprocessing.tgan(null).apply(x);
        for (int c = 0; c < 3; c++) {
            double scaled = (RGB[2 - c] + 1) * 127.5;
            assertAllEqual(authors.get(0).get(c), bgr[c] - mean[c], 1e-3);
            assertAllEqual(tgan2.get(0).get(c), bgr[c] - mean[c], 1e-3);
            assertAllEqual(tgan.get(0).get(c), scaled - mean[c], 1e-3);
            assertAllEqual(noMean.get(0).get(c), scaled, 1e-3);
        }
        // Out of range: TGANv2's sampler clips to [−1, 1], the authors' script does not.
        NDArray hot = clip(2, 64, (c, h, w) -> 1.5);
        assertAllEqual(C3dPreprocessing.tgan2(meanClip, 2).apply(hot).get(0).get(0), 256 - mean[0], 1e-3);
        assertAllEqual(C3dPreprocessing.authors(meanClip, 2).apply(hot).get(0).get(0), 1.5 * 128 + 128 - mean[0],
                1e-3);
        String d = C3dPreprocessing.authors(meanClip, 2).describe();
        assertTrue(d.startsWith("authors: ") && d.contains(meanClip.toString()) && d.contains("8:120, 29:141"), d);
        d = C3dPreprocessing.tgan2(meanClip, 2).describe();
        assertTrue(d.startsWith("tgan2: ") && d.contains("corners aligned") && d.contains("8:120, 8:120"), d);
        assertTrue(C3dPreprocessing.tgan(null).describe().contains("NO mean clip"));
        assertTrue(C3dPreprocessing.tgan(perChannel).describe().contains("minus mean clip (3, 1, 1, 1)"));
    }

    @Test
    void gradientClipTganFollowsKeysCubicInTheCrop() {
        // v = a_c + sx·w + sy·h, 64 → 128 bicubic, centre crop at offset 8. Output index q samples the source at
        // s = (q + ½)/2 − ½ = q/2 − ¼: fraction t = ¾ for even q, ¼ for odd q, and the crop keeps every tap inside
        // [0, 63]. Keys' kernel with a = −0.75 is not exact on linear functions (only a = −0.5 is): the four weights
        // at fraction t put the sample at i0 + m(t), where m(t) = −w0 + w2 + 2·w3 is 19/64 for t = ¼ and 45/64 for
        // t = ¾ (worked out by hand from the kernel), i.e. s ± 3/64 instead of s.
        assertEquals(19.0 / 64, firstMoment(0.25), 1e-15);
        assertEquals(45.0 / 64, firstMoment(0.75), 1e-15);
        double sx = 0.01;
        double sy = -0.005;
        NDArray x = clip(1, 64, (c, h, w) -> -0.3 + 0.1 * c + sx * w + sy * h);
        float[] out = C3dPreprocessing.tgan(null).apply(x).toFloatArray();
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            int rgb = 2 - c;
            for (int i = 0; i < 112; i++) {
                for (int j = 0; j < 112; j++) {
                    double expected = (-0.3 + 0.1 * rgb + sx * keysPosition(j + 8) + sy * keysPosition(i + 8) + 1)
                            * 127.5;
                    worst = Math.max(worst, Math.abs(out[(c * 112 + i) * 112 + j] - expected));
                }
            }
        }
        assertTrue(worst < 2e-3, "max deviation from the hand formula " + worst);
    }

    /** Where Keys' a = −0.75 cubic effectively samples a linear function for output index q of a 2× upsampling. */
    private static double keysPosition(int q) {
        double s = q / 2.0 - 0.25;
        return q % 2 == 1 ? s + 3.0 / 64 : s - 3.0 / 64;
    }

    private static double firstMoment(double t) {
        double a = -0.75;
        // Keys (1981): |x| ≤ 1: (a+2)|x|³ − (a+3)|x|² + 1; 1 < |x| < 2: a|x|³ − 5a|x|² + 8a|x| − 4a.
        java.util.function.DoubleUnaryOperator k = v -> {
            double z = Math.abs(v);
            return z <= 1 ? (a + 2) * z * z * z - (a + 3) * z * z + 1
                    : z < 2 ? a * z * z * z - 5 * a * z * z + 8 * a * z - 4 * a : 0;
        };
        return -k.applyAsDouble(t + 1) + k.applyAsDouble(1 - t) + 2 * k.applyAsDouble(2 - t);
    }

    @Test
    void gradientClipTgan2FollowsChainersCornerAlignedBilinear(@TempDir Path dir) throws IOException {
        double sx = 0.01; // values stay inside [−1, 1], where the route's clipping does nothing
        NDArray x = clip(1, 64, (c, h, w) -> -0.6 + 0.2 * c + sx * w);
        float[] out = C3dPreprocessing.tgan2(constantMean(dir, 0, 0, 0), 1).apply(x).toFloatArray();
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            int rgb = 2 - c;
            for (int i = 0; i < 112; i += 7) {
                for (int j = 0; j < 112; j++) {
                    // Chainer's resize_images: s = j·(64 − 1)/(112 − 1), so column 0 and 111 hit the corners.
                    double s = j * 63.0 / 111;
                    double expected = (-0.6 + 0.2 * rgb + sx * s) * 128 + 128;
                    worst = Math.max(worst, Math.abs(out[(c * 112 + i) * 112 + j] - expected));
                }
            }
        }
        assertTrue(worst < 2e-3, "max deviation from the hand formula " + worst);
    }

    @Test
    void resizeMatchesOpenCvCubicAndTheEnginesBilinear() {
        // Bilinear upsampling: identical to the engine's (DJL 0.36 interpolation mode 1 on 4-D input = PyTorch
        // bilinear, align_corners = false). When shrinking, the engine antialiases (as with mode 3 below) and Resize
        // does not (like OpenCV's INTER_LINEAR): generated 64-px frames are only ever enlarged to 112/128 here.
        Random rnd = new Random(9);
        float[] v = new float[2 * 13 * 17];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        NDArray img = manager.create(v, new Shape(1, 2, 13, 17));
        for (int[] size : new int[][] {{29, 40}, {13, 17}, {26, 17}}) {
            NDArray ours = Resize.apply(img, Resize.Kind.BILINEAR, size[0], size[1]);
            NDArray torch = img.getNDArrayInternal().interpolation(new long[] {size[0], size[1]}, 1, false);
            assertArrayEquals(torch.toFloatArray(), ours.toFloatArray(), 1e-5f, "bilinear " + size[0]);
        }
        // Bicubic 4×4 → 8×8 of v = 4h + w, row 1: OpenCV INTER_CUBIC semantics (a = −0.75, half-pixel centres,
        // border taps replicated), values worked out from Keys' kernel.
        NDArray ramp = manager.arange(0f, 16f).reshape(1, 1, 4, 4);
        float[] row1 = java.util.Arrays.copyOfRange(Resize.apply(ramp, Resize.Kind.BICUBIC, 8, 8).toFloatArray(), 8, 16);
        assertArrayEquals(new float[] {0.66015625f, 0.95703125f, 1.43359375f, 2.0625f, 2.46875f, 3.09765625f,
                3.57421875f, 3.87109375f}, row1, 1e-6f);
        // The engine's 4-D "bicubic" (mode 3) is something else: PyTorch's antialiased bicubic (PIL-style,
        // a = −0.5, weights renormalised at the border). Kept as a record of why Resize exists.
        float[] engine = java.util.Arrays.copyOfRange(
                ramp.getNDArrayInternal().interpolation(new long[] {8, 8}, 3, false).toFloatArray(), 8, 16);
        assertArrayEquals(new float[] {0.58329755f, 0.83941606f, 1.38145651f, 1.92153285f, 2.42153285f,
                2.96160918f, 3.50364964f, 3.75976814f}, engine, 1e-5f);
        // Rows of every interpolation matrix sum to 1 (so resizing commutes with the value mapping).
        for (Resize.Kind k : Resize.Kind.values()) {
            double[] m = Resize.matrix(k, 64, 128);
            for (int r = 0; r < 128; r++) {
                double s = 0;
                for (int c = 0; c < 64; c++) {
                    s += m[r * 64 + c];
                }
                assertEquals(1.0, s, 1e-12);
            }
        }
    }

    @Test
    void rejectsBadShapes(@TempDir Path dir) throws IOException {
        C3dMeanClip mean = constantMean(dir, 1, 2, 3);
        NDArray gray = manager.zeros(new Shape(1, 1, 2, 8, 8));
        assertThrows(MetricsInputException.class, () -> C3dPreprocessing.tgan2(mean, 2).apply(gray));
        NDArray fourD = manager.zeros(new Shape(3, 2, 8, 8));
        assertThrows(MetricsInputException.class, () -> C3dPreprocessing.authors(mean, 2).apply(fourD));
        var frames = assertThrows(MetricsInputException.class,
                () -> C3dPreprocessing.authors(mean, 4).apply(manager.zeros(new Shape(1, 3, 2, 16, 16))));
        assertTrue(frames.getMessage().contains("set up for clips of 4 frames"), frames.getMessage());
        var tooLong = assertThrows(MetricsInputException.class, () -> C3dPreprocessing.tgan2(mean, 17));
        assertTrue(tooLong.getMessage().contains("16 frames"), tooLong.getMessage());
        NDArray badMean = manager.zeros(new Shape(3, 2, 112, 112)); // 112, not 128
        var e = assertThrows(MetricsInputException.class,
                () -> C3dPreprocessing.tgan(badMean).apply(manager.zeros(new Shape(1, 3, 2, 16, 16))));
        assertTrue(e.getMessage().contains("does not broadcast"), e.getMessage());
    }

    private static void assertAllEqual(NDArray a, double expected, double tol) {
        float[] v = a.toFloatArray();
        for (float f : v) {
            assertEquals(expected, f, tol);
        }
    }
}

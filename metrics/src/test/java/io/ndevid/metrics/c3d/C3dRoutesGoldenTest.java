package io.ndevid.metrics.c3d;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ndevid.metrics.Sha256;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both reference routes against a numpy + OpenCV reimplementation of the reference code
 * ({@code c3d_routes_reference.py}, written into the temp dir and run with Debian's python3), on real-looking clips
 * (textured, moving, noisy; 16 frames of 64×64 as the gpu-paper preset, and 16 frames of 16×16 as the CPU presets)
 * with the real C3D UCF101 mean clip from {@code ../shared/data/c3d-ucf101-mean2.npz} beside the repository.
 *
 * <p>Skips, saying why, without python3 + numpy + cv2 (CI installs python3-opencv) or without that file.
 */
class C3dRoutesGoldenTest {

    static final String PYTHON = "/usr/bin/python3";
    static final String MEAN_SHA256 = "f981f1e195822705d13bebadabeb2b5583a709696c3b14e5465a96da4cb2ade0";
    /**
     * Agreement bound, absolute, on outputs of magnitude up to ~200: float32 rounding of the two resizes (OpenCV's
     * float cubic and Chainer's bilinear against our interpolation matrices), measured max 6e-5.
     */
    static final float TOLERANCE = 2e-3f;

    /** The real mean clip beside the repository root ({@code <root>/../shared/data/}), or a skip saying why. */
    static Path realMeanClip() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("pom.xml"))
                && Files.isDirectory(dir.resolve("metrics")))) {
            dir = dir.getParent();
        }
        Assumptions.assumeTrue(dir != null, "repository root not found above " + Path.of("").toAbsolutePath());
        Path mean = dir.resolveSibling("shared").resolve("data").resolve("c3d-ucf101-mean2.npz");
        Assumptions.assumeTrue(Files.isRegularFile(mean), "the real C3D mean clip is not at " + mean
                + " (the authors' evaluation/mean2.npz, see ../shared/data/README.md): skipping the route goldens");
        assertEquals(MEAN_SHA256, Sha256.of(mean), mean + " is not the published mean2.npz");
        return mean;
    }

    static void assumePythonWithOpenCv() throws Exception {
        boolean ok;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import numpy, cv2").redirectErrorStream(true).start();
            ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
        }
        Assumptions.assumeTrue(ok, PYTHON + " with numpy and OpenCV is not available (apt-get install python3-numpy "
                + "python3-opencv): skipping the route goldens");
    }

    /**
     * Real-looking RGB clips [n, 3, 16, size, size] in [−1, 1] (one slightly beyond, where the routes differ): a lit
     * gradient background, a textured disc moving across, a darker bar moving the other way, sensor noise.
     */
    static float[] clips(int n, int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int t = 16;
        float[] v = new float[n * 3 * t * size * size];
        for (int i = 0; i < n; i++) {
            double[] tint = {rnd.nextDouble(-0.3, 0.3), rnd.nextDouble(-0.3, 0.3), rnd.nextDouble(-0.3, 0.3)};
            double cx0 = rnd.nextDouble(0.2, 0.5);
            double cy = rnd.nextDouble(0.3, 0.7);
            double gain = i == n - 1 ? 1.15 : 0.95; // the last clip overshoots [−1, 1] a little
            for (int c = 0; c < 3; c++) {
                for (int f = 0; f < t; f++) {
                    double cx = cx0 + 0.025 * f;
                    double bar = 0.9 - 0.03 * f;
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            double u = (x + 0.5) / size;
                            double w = (y + 0.5) / size;
                            double val = -0.4 + 0.6 * w + 0.2 * u + tint[c];
                            double r = Math.hypot(u - cx, w - cy);
                            if (r < 0.18) {
                                val = 0.5 + 0.3 * Math.sin(40 * u + 25 * w + c) - 0.4 * c / 2.0;
                            }
                            if (Math.abs(u - bar) < 0.05) {
                                val -= 0.6;
                            }
                            val += 0.05 * rnd.nextGaussian();
                            v[(((i * 3 + c) * t + f) * size + y) * size + x] = (float) (gain * Math.tanh(val));
                        }
                    }
                }
            }
        }
        return v;
    }

    @Test
    void bothRoutesMatchTheReferenceCodeOnTheRealMeanClip(@TempDir Path dir) throws Exception {
        Path meanFile = realMeanClip();
        assumePythonWithOpenCv();
        Path script = dir.resolve("c3d_routes_reference.py");
        try (InputStream in = getClass().getResourceAsStream("c3d_routes_reference.py")) {
            Files.copy(in, script);
        }
        C3dMeanClip mean = C3dMeanClip.load(meanFile);
        TorchRuntime.engine();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int size : new int[] {64, 16}) {
                compareAt(size, mean, meanFile, script, dir, manager);
            }
        }
    }

    private static void compareAt(int size, C3dMeanClip mean, Path meanFile, Path script, Path dir,
                                  NDManager manager) throws Exception {
        int n = 3;
        float[] clips = clips(n, size, 11 + size);
        Path work = Files.createDirectories(dir.resolve("s" + size));
        Npy.write(work.resolve("clips.npy"), NpyArray.of(clips, n, 3, 16, size, size));
        Process p = new ProcessBuilder(PYTHON, script.toString(), work.resolve("clips.npy").toString(),
                meanFile.toString(), work.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "reference script failed: " + log);
        NDArray x = manager.create(clips, new Shape(n, 3, 16, size, size));
        compare("authors " + size + "px", Npy.read(work.resolve("authors.npy")),
                C3dPreprocessing.authors(mean, 16).apply(x));
        compare("tgan2 " + size + "px", Npy.read(work.resolve("tgan2.npy")),
                C3dPreprocessing.tgan2(mean, 16).apply(x));
    }

    private static void compare(String what, NpyArray reference, NDArray ours) {
        assertArrayEquals(reference.shape(), Arrays.stream(ours.getShape().getShape()).mapToInt(l -> (int) l)
                .toArray(), what + " shape");
        float[] r = reference.toFloats();
        float[] o = ours.toFloatArray();
        double worst = 0;
        double spread = 0;
        for (int i = 0; i < r.length; i++) {
            worst = Math.max(worst, Math.abs(r[i] - o[i]));
            spread = Math.max(spread, Math.abs(r[i]));
        }
        assertTrue(spread > 50, what + ": the outputs carry the mean-subtracted pixel scale (max |v| " + spread + ")");
        assertTrue(worst <= TOLERANCE, what + ": max |ours − reference| = " + worst + " > " + TOLERANCE);
        System.out.printf("%s: max |ours - reference| = %.3g over %d values%n", what, worst, r.length);
    }
}

package io.ndevid.metrics.c3d;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.Sha256;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.metrics.npy.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class C3dMeanClipTest {

    @TempDir
    Path dir;

    /** value = c·10⁶ + t·10⁴ + y·10² ... encoded so a window's element says where it came from. */
    private Path indexed() throws IOException {
        double[] v = new double[3 * 16 * 128 * 171];
        int i = 0;
        for (int c = 0; c < 3; c++) {
            for (int t = 0; t < 16; t++) {
                for (int y = 0; y < 128; y++) {
                    for (int x = 0; x < 171; x++) {
                        v[i++] = c * 1e6 + t * 1e4 + y * 1e2 + x / 1000.0 * 100;
                    }
                }
            }
        }
        Path f = dir.resolve("indexed.npz");
        Npz.write(f, Map.of("mean", NpyArray.of(v, 3, 16, 128, 171)));
        return f;
    }

    @Test
    void windowsTakeTheFirstFramesAndTheGivenRowsAndColumns() throws IOException {
        Path f = indexed();
        C3dMeanClip mean = C3dMeanClip.load(f);
        assertEquals(Sha256.of(f), mean.sha256());
        float[] w = mean.window(2, 8, 29, 112);
        assertEquals(3 * 2 * 112 * 112, w.length);
        // [c=0, t=0, y=0, x=0] is mean[0, 0, 8, 29]; [c=2, t=1, y=111, x=111] is mean[2, 1, 119, 140]
        assertEquals(8 * 1e2 + 2.9, w[0], 1e-3);
        assertEquals(2e6 + 1e4 + 119 * 1e2 + 14.0, w[w.length - 1], 1e-1);
        var e = assertThrows(MetricsInputException.class, () -> mean.window(17, 8, 8, 112));
        assertTrue(e.getMessage().contains("clips of 17 frames"), e.getMessage());
    }

    @Test
    void aMissingOrMisshapenMeanIsOneLineNamingTheExpectedShape() throws IOException {
        String expected = "expected an .npz with one array 'mean', float64 (3, 16, 128, 171), BGR";
        Path none = dir.resolve("none.npz");
        assertTrue(message(none).startsWith("C3D mean clip file not found: " + none), message(none));
        Path flat = dir.resolve("flat.npz");
        Npz.write(flat, Map.of("mean", NpyArray.of(new double[] {1, 2, 3}, 3, 1, 1, 1)));
        assertEquals(flat + ": array 'mean' has shape [3, 1, 1, 1]; " + expected
                + " — the C3D UCF101 mean clip mean2.npz", message(flat));
        Path other = dir.resolve("other.npz");
        Npz.write(other, Map.of("avg", NpyArray.of(new double[] {1}, 1)));
        assertTrue(message(other).contains("has no array 'mean' (it has [avg])"), message(other));
        Path junk = Files.writeString(dir.resolve("junk.npz"), "not a zip");
        assertTrue(message(junk).contains("is not a .npz (zip) archive"), message(junk));
    }

    private static String message(Path f) {
        return assertThrows(MetricsInputException.class, () -> C3dMeanClip.load(f)).getMessage();
    }
}

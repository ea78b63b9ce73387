package io.ndevid.training.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticVideosTest {

    /** Per-frame statistics of the shape, found as the pixels whose mean over channels is above 0. */
    record Track(double[] cx, double[] cy, double[] area, double[] angle) {}

    static Track track(float[] clip, ClipShape s) {
        int t = s.frames();
        int h = s.height();
        int w = s.width();
        double[] cx = new double[t];
        double[] cy = new double[t];
        double[] area = new double[t];
        double[] angle = new double[t];
        for (int f = 0; f < t; f++) {
            double n = 0;
            double sx = 0;
            double sy = 0;
            double sxx = 0;
            double syy = 0;
            double sxy = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double mean = 0;
                    for (int c = 0; c < s.channels(); c++) {
                        mean += clip[((c * t + f) * h + y) * w + x];
                    }
                    if (mean > 0) {
                        n++;
                        sx += x;
                        sy += y;
                        sxx += (double) x * x;
                        syy += (double) y * y;
                        sxy += (double) x * y;
                    }
                }
            }
            assertTrue(n > 0, "frame " + f + " shows no shape");
            cx[f] = sx / n;
            cy[f] = sy / n;
            area[f] = n;
            double mxx = sxx / n - cx[f] * cx[f];
            double myy = syy / n - cy[f] * cy[f];
            double mxy = sxy / n - cx[f] * cy[f];
            // Principal axis angle in image coordinates (y down): increasing means clockwise on screen.
            angle[f] = 0.5 * Math.atan2(2 * mxy, mxx - myy);
        }
        return new Track(cx, cy, area, angle);
    }

    static double totalTurn(double[] angle) {
        double turn = 0;
        for (int f = 1; f < angle.length; f++) {
            double d = angle[f] - angle[f - 1];
            while (d > Math.PI / 2) {
                d -= Math.PI; // the axis of a bar is defined modulo π
            }
            while (d < -Math.PI / 2) {
                d += Math.PI;
            }
            turn += d;
        }
        return turn;
    }

    /** The property that defines each class; every clip of the class must have it (and the others must not). */
    static boolean hasMotion(SyntheticMotion m, Track k, int size) {
        int last = k.cx().length - 1;
        double dx = k.cx()[last] - k.cx()[0];
        double dy = k.cy()[last] - k.cy()[0];
        double drift = Math.hypot(dx, dy);
        double growth = k.area()[last] / k.area()[0];
        double travel = 0.25 * size;
        return switch (m) {
            case MOVE_RIGHT -> dx > travel && Math.abs(dy) < 1.5 && monotone(k.cx(), +1);
            case MOVE_LEFT -> dx < -travel && Math.abs(dy) < 1.5 && monotone(k.cx(), -1);
            case MOVE_DOWN -> dy > travel && Math.abs(dx) < 1.5 && monotone(k.cy(), +1);
            case MOVE_UP -> dy < -travel && Math.abs(dx) < 1.5 && monotone(k.cy(), -1);
            case GROW -> growth > 2 && drift < 1.5;
            case SHRINK -> growth < 0.5 && drift < 1.5;
            case ROTATE_CW -> {
                double turn = totalTurn(k.angle());
                yield drift < 1.5 && growth > 0.75 && growth < 1.33 && turn > Math.PI / 4 && turn < 3 * Math.PI / 4;
            }
            case BOUNCE -> Math.abs(dx) < 1.5 && growth > 0.75 && growth < 1.33 && turnsBack(k.cy(), 0.1 * size);
        };
    }

    /** Some frame m is an extremum: the track moves by more than {@code d} towards it before and away from it after. */
    static boolean turnsBack(double[] v, double d) {
        for (int m = 1; m < v.length - 1; m++) {
            double maxBefore = Double.NEGATIVE_INFINITY;
            double minBefore = Double.POSITIVE_INFINITY;
            for (int i = 0; i < m; i++) {
                maxBefore = Math.max(maxBefore, v[i]);
                minBefore = Math.min(minBefore, v[i]);
            }
            double maxAfter = Double.NEGATIVE_INFINITY;
            double minAfter = Double.POSITIVE_INFINITY;
            for (int j = m + 1; j < v.length; j++) {
                maxAfter = Math.max(maxAfter, v[j]);
                minAfter = Math.min(minAfter, v[j]);
            }
            if ((v[m] - minBefore > d && v[m] - minAfter > d) || (maxBefore - v[m] > d && maxAfter - v[m] > d)) {
                return true;
            }
        }
        return false;
    }

    /** No step goes against {@code sign} by more than the centroid's pixel jitter. */
    static boolean monotone(double[] v, int sign) {
        for (int f = 1; f < v.length; f++) {
            if (sign * (v[f] - v[f - 1]) < -0.6) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest(name = "{0}px, {1} channel(s)")
    @CsvSource({"32, 1", "32, 3", "64, 3"})
    void everyClipShowsItsClassMotionAndNoOtherClassMotion(int size, int channels) {
        SyntheticVideos set = SyntheticVideos.builder().size(size).channels(channels).seed(11).range(0, 160).build();
        assertEquals(8, set.numClasses());
        for (int i = 0; i < set.size(); i++) {
            SyntheticMotion motion = SyntheticMotion.ofLabel(set.labelOf(i));
            Track k = track(set.clip(i), set.clipShape());
            for (SyntheticMotion other : SyntheticMotion.values()) {
                if (other == SyntheticMotion.ROTATE_CW && motion != other) {
                    continue; // a static disc or square has no defined axis: the rotation test is for bars only
                }
                assertEquals(other == motion, hasMotion(other, k, size),
                        "clip " + i + " of class " + motion + " judged against " + other + ": cx="
                                + Arrays.toString(k.cx()) + " cy=" + Arrays.toString(k.cy()) + " area="
                                + Arrays.toString(k.area()));
            }
        }
    }

    @Test
    void sixteenPixelClipsStillMoveInTheirDirection() {
        SyntheticVideos set = SyntheticVideos.builder().size(16).seed(5).range(0, 80).build();
        for (int i = 0; i < set.size(); i++) {
            SyntheticMotion motion = SyntheticMotion.ofLabel(set.labelOf(i));
            Track k = track(set.clip(i), set.clipShape());
            double dx = k.cx()[15] - k.cx()[0];
            double dy = k.cy()[15] - k.cy()[0];
            switch (motion) {
                case MOVE_RIGHT -> assertTrue(dx > 3, "right " + dx);
                case MOVE_LEFT -> assertTrue(dx < -3, "left " + dx);
                case MOVE_DOWN -> assertTrue(dy > 3, "down " + dy);
                case MOVE_UP -> assertTrue(dy < -3, "up " + dy);
                case GROW -> assertTrue(k.area()[15] > 1.8 * k.area()[0], "grow");
                case SHRINK -> assertTrue(k.area()[0] > 1.8 * k.area()[15], "shrink");
                default -> { }
            }
        }
    }

    @Test
    void sameSeedAndIndexGiveTheSameClipEverywhere() {
        SyntheticVideos a = SyntheticVideos.builder().size(32).channels(3).noise(0.05).seed(42).range(0, 1000).build();
        SyntheticVideos b = SyntheticVideos.builder().size(32).channels(3).noise(0.05).seed(42).range(0, 1000).build();
        for (int i : new int[] {0, 1, 7, 999}) {
            assertArrayEquals(a.clip(i), b.clip(i), "clip " + i);
        }
        // A split by index range is a view of the same global indices.
        assertArrayEquals(a.clip(500), a.range(500, 10).clip(0));
        // Another seed gives other clips.
        SyntheticVideos other = SyntheticVideos.builder().size(32).channels(3).noise(0.05).seed(43).build();
        assertFalse(Arrays.equals(a.clip(3), other.clip(3)));
        // Golden values: the generator is pure JVM arithmetic (StrictMath, SplittableRandom), so these hold on any
        // machine; a change here means clips changed and every stored result made from them is no longer comparable.
        float[] golden = a.clip(7);
        double sum = 0;
        for (float v : golden) {
            sum += v;
        }
        assertEquals(GOLDEN_SUM, sum, 1e-9, "sum of clip 7 (seed 42, 32px RGB, noise 0.05)");
        assertEquals(GOLDEN_PIXEL, golden[2 * 16 * 32 * 32 + 9 * 32 * 32 + 17 * 32 + 5], 0f);
    }

    static final double GOLDEN_SUM = -35182.551428920226;
    static final float GOLDEN_PIXEL = -0.9256742f;

    @Test
    void valuesStayInRangeAndAppearanceVaries() {
        SyntheticVideos set = SyntheticVideos.builder().size(32).channels(3).noise(0.1).seed(3).range(0, 64).build();
        double[] bgOfClass0 = new double[8];
        double[] acrossOfClass0 = new double[8];
        int n = 0;
        for (int i = 0; i < set.size(); i++) {
            float[] clip = set.clip(i);
            for (float v : clip) {
                assertTrue(v >= -1f && v <= 1f, "value " + v);
            }
            if (set.labelOf(i) == 0) {
                bgOfClass0[n] = clip[0]; // top-left pixel of frame 0 is background
                // Class 0 moves right: its row is free to be anywhere the shape fits.
                acrossOfClass0[n] = track(SyntheticVideos.builder().size(32).seed(3).range(i, 1).build().clip(0),
                        new ClipShape(1, 16, 32, 32)).cy()[0];
                n++;
            }
        }
        assertEquals(8, n, "8 classes are balanced over 64 consecutive indices");
        assertTrue(std(bgOfClass0) > 0.1, "background level varies within a class: " + Arrays.toString(bgOfClass0));
        assertTrue(std(acrossOfClass0) > 3, "position varies within a class: " + Arrays.toString(acrossOfClass0));
    }

    static double std(double[] v) {
        double m = Arrays.stream(v).average().orElseThrow();
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
    }

    @Test
    void batchesAreFloat32BcthwWithLabels() {
        TorchRuntime.engine();
        SyntheticVideos set = SyntheticVideos.builder().size(16).frames(8).channels(3).numClasses(6).seed(1).build();
        HostBatch hb = set.randomBatch(5, new SplittableRandom(9));
        assertEquals(hb, set.randomBatch(5, new SplittableRandom(9)), "same rng state, same batch");
        assertArrayEquals(new long[] {5, 3, 8, 16, 16}, hb.shape());
        for (int b = 0; b < 5; b++) {
            assertEquals(set.labelOf(hb.indices()[b]), hb.labels()[b]);
            assertTrue(hb.labels()[b] >= 0 && hb.labels()[b] < 6);
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             VideoBatch vb = hb.toVideoBatch(m)) {
            NDArray v = vb.videos();
            assertEquals(new Shape(5, 3, 8, 16, 16), v.getShape());
            assertEquals(DataType.FLOAT32, v.getDataType());
            assertTrue(v.max().getFloat() <= 1f && v.min().getFloat() >= -1f);
            assertArrayEquals(set.clip(hb.indices()[2]),
                    Arrays.copyOfRange(v.toFloatArray(), 2 * 3 * 8 * 256, 3 * 3 * 8 * 256));
        }
        assertThrows(IllegalArgumentException.class, () -> SyntheticVideos.builder().numClasses(9).build());
        assertThrows(IllegalArgumentException.class, () -> SyntheticVideos.builder().channels(2).build());
        assertThrows(IndexOutOfBoundsException.class, () -> set.clip(set.size()));
    }
}

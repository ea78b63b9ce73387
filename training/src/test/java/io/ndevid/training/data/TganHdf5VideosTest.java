package io.ndevid.training.data;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.DatasetCreationOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes tiny TGAN-layout files — {@code image (F, 3, 8, 12)} uint8, three clips of 10, 20 and 5 frames — with jhdf's
 * writer (contiguous and chunked + deflate) and, when Debian's python3-h5py is there, with h5py as TGAN's own script
 * does; then checks every value read against the pattern that was written.
 */
class TganHdf5VideosTest {

    static final int C = 3;
    static final int H = 8;
    static final int W = 12;
    static final long[][] CLIPS = {{0, 10}, {10, 30}, {30, 35}};
    static final String[] CATEGORIES = {"Bowling", "Archery", "Bowling"};
    static final int TOTAL = 35;

    @TempDir
    Path dir;

    /** The stored byte at (frame, channel, row, column). */
    static int pattern(int f, int c, int y, int x) {
        return (f * 7 + c * 50 + y * 3 + x * 11) & 0xFF;
    }

    static byte[][][][] image() {
        byte[][][][] img = new byte[TOTAL][C][H][W];
        for (int f = 0; f < TOTAL; f++) {
            for (int c = 0; c < C; c++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        img[f][c][y][x] = (byte) pattern(f, c, y, x);
                    }
                }
            }
        }
        return img;
    }

    /** The clip table as TGAN's script writes it: pandas to_json(orient='records'). */
    static void writeJson(Path json) throws IOException {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < CLIPS.length; i++) {
            sb.append(i > 0 ? "," : "").append("{\"start\":").append(CLIPS[i][0]).append(",\"end\":")
                    .append(CLIPS[i][1]).append(",\"category\":\"").append(CATEGORIES[i]).append("\"}");
        }
        Files.writeString(json, sb.append(']').toString(), StandardCharsets.UTF_8);
    }

    Path writeWithJhdf(String name, DatasetCreationOptions opts) throws IOException {
        Path h5 = dir.resolve(name + ".h5");
        try (WritableHdfFile w = HdfFile.write(h5)) {
            w.putDataset("image", image(), opts);
        }
        writeJson(dir.resolve(name + ".json"));
        return h5;
    }

    /** Checks every value of many random windows against the pattern; returns the window starts seen. */
    static Set<Long> checkWindows(TganHdf5Videos set, int frames) {
        assertEquals(2, set.size(), "the 5-frame clip is left out");
        assertEquals(1, set.shortClips());
        assertEquals(List.of("Archery", "Bowling"), set.classNames());
        Set<Long> starts = new HashSet<>();
        ClipShape s = set.clipShape();
        assertEquals(new ClipShape(3, frames, 8, 8), s);
        for (int seed = 0; seed < 20; seed++) {
            for (int index = 0; index < 2; index++) {
                float[] clip = new float[s.floats()];
                assertEquals(index == 0 ? 1 : 0, set.readClip(index, new SplittableRandom(seed), clip, 0), "label");
                // Find the window start from the first value, then check all of them.
                long first = -1;
                for (long f = CLIPS[index][0]; f <= CLIPS[index][1] - frames; f++) {
                    if ((pattern((int) f, 0, 0, 2) - 128) / 128f == clip[0]) {
                        first = f;
                    }
                }
                assertTrue(first >= 0, "window start inside clip " + index);
                for (int c = 0; c < 3; c++) {
                    for (int t = 0; t < frames; t++) {
                        for (int y = 0; y < 8; y++) {
                            for (int x = 0; x < 8; x++) {
                                float expected = (pattern((int) first + t, c, y, x + 2) - 128) / 128f;
                                assertEquals(expected, clip[((c * frames + t) * 8 + y) * 8 + x], 0f,
                                        "clip " + index + " c" + c + " t" + t + " y" + y + " x" + x);
                            }
                        }
                    }
                }
                starts.add(first);
            }
        }
        return starts;
    }

    @Test
    void contiguousFileReadsTheRightWindowsAndColumns() throws IOException {
        Path h5 = writeWithJhdf("contiguous", DatasetCreationOptions.builder().unsigned().build());
        try (TganHdf5Videos set = TganHdf5Videos.open(h5, null, TganHdf5Videos.Options.defaults().withFrames(8).withSize(8))) {
            assertEquals("contiguous", set.readPath());
            Set<Long> starts = checkWindows(set, 8);
            assertTrue(starts.size() > 8, "random windows: " + starts);
            assertTrue(starts.contains(0L) || starts.contains(1L), "early windows appear: " + starts);
        }
    }

    @Test
    void chunkedDeflatedFileReadsTheSameByChunks() throws IOException {
        // Chunks of 4 whole frames: windows cross chunk boundaries.
        Path h5 = writeWithJhdf("chunked",
                DatasetCreationOptions.builder().unsigned().chunkDimensions(4, C, H, W).deflate().build());
        try (TganHdf5Videos set = TganHdf5Videos.open(h5, dir.resolve("chunked.json"),
                TganHdf5Videos.Options.defaults().withFrames(8).withSize(8))) {
            assertEquals("chunked", set.readPath());
            checkWindows(set, 8);
        }
        // Chunks that cut frames apart take the slow getData route, with the same values.
        Path odd = writeWithJhdf("odd",
                DatasetCreationOptions.builder().unsigned().chunkDimensions(3, 1, 4, 12).build());
        try (TganHdf5Videos set = TganHdf5Videos.open(odd, null, TganHdf5Videos.Options.defaults().withFrames(8).withSize(8))) {
            assertEquals("getData (slow)", set.readPath());
            checkWindows(set, 8);
        }
    }

    @Test
    void smallerFramesAverageBlocksAndOneChannelIsLuma() throws IOException {
        Path h5 = writeWithJhdf("pool", DatasetCreationOptions.builder().unsigned().build());
        try (TganHdf5Videos set = TganHdf5Videos.open(h5, null,
                TganHdf5Videos.Options.defaults().withFrames(10).withSize(4).withChannels(1)
                        .withClassNames(List.of("Bowling", "Archery")))) {
            assertEquals(List.of("Bowling", "Archery"), set.classNames());
            float[] clip = new float[set.clipShape().floats()];
            assertEquals(0, set.readClip(0, new SplittableRandom(0), clip, 0), "Bowling is class 0 now");
            // Clip 0 has exactly 10 frames: the window starts at 0.
            for (int t = 0; t < 10; t++) {
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 4; x++) {
                        double sum = 0;
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                int yy = 2 * y + dy;
                                int xx = 2 + 2 * x + dx;
                                sum += 0.299 * pattern(t, 0, yy, xx) + 0.587 * pattern(t, 1, yy, xx)
                                        + 0.114 * pattern(t, 2, yy, xx);
                            }
                        }
                        assertEquals((sum / 4 - 128) / 128, clip[(t * 4 + y) * 4 + x], 1e-5, "t" + t + " y" + y);
                    }
                }
            }
        }
    }

    @Test
    void missingFilesAndBadLayoutsGiveClearErrors() throws IOException {
        DatasetException none = assertThrows(DatasetException.class,
                () -> TganHdf5Videos.open(dir.resolve("nope.h5"), null, TganHdf5Videos.Options.defaults()));
        assertTrue(none.getMessage().contains("nope.h5") && none.getMessage().contains("not found"));
        Path noTable = dir.resolve("notable.h5");
        try (WritableHdfFile w = HdfFile.write(noTable)) {
            w.putDataset("image", image(), DatasetCreationOptions.builder().unsigned().build());
        }
        DatasetException table = assertThrows(DatasetException.class,
                () -> TganHdf5Videos.open(noTable, null, TganHdf5Videos.Options.defaults().withFrames(8).withSize(8)));
        assertTrue(table.getMessage().contains("no clip table"), table.getMessage());
        Path h5 = writeWithJhdf("big", DatasetCreationOptions.builder().unsigned().build());
        assertThrows(DatasetException.class,
                () -> TganHdf5Videos.open(h5, null, TganHdf5Videos.Options.defaults().withSize(3)));
        assertThrows(DatasetException.class,
                () -> TganHdf5Videos.open(h5, null, TganHdf5Videos.Options.defaults().withFrames(21).withSize(8)),
                "no clip is long enough");
    }

    static boolean h5pyAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import h5py").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The layout as TGAN's conversion script writes it with h5py (and a variant with the table inside the file). */
    @Test
    void filesWrittenByH5pyRead() throws Exception {
        Assumptions.assumeTrue(h5pyAvailable(), "/usr/bin/python3 with h5py not available (apt-get install python3-h5py)");
        Path script = dir.resolve("write.py");
        Files.writeString(script, String.join("\n",
                "import sys, json, h5py, numpy as np",
                "out = sys.argv[1]",
                "f, c, y, x = np.meshgrid(np.arange(35), np.arange(3), np.arange(8), np.arange(12), indexing='ij')",
                "img = ((f * 7 + c * 50 + y * 3 + x * 11) & 0xFF).astype(np.uint8)",
                "clips = [(0, 10, 'Bowling'), (10, 30, 'Archery'), (30, 35, 'Bowling')]",
                "with h5py.File(out + '/plain.h5', 'w') as h:",
                "    d = h.create_dataset('image', (35, 3, 8, 12), dtype=np.uint8)",
                "    for s, e, _ in clips:",
                "        d[s:e] = img[s:e]",
                "json.dump([{'start': s, 'end': e, 'category': k} for s, e, k in clips], open(out + '/plain.json', 'w'))",
                "with h5py.File(out + '/inside.h5', 'w') as h:",
                "    h.create_dataset('image', data=img, chunks=(4, 3, 8, 12), compression='gzip')",
                "    h.create_dataset('start', data=np.array([s for s, _, _ in clips], dtype=np.int64))",
                "    h.create_dataset('end', data=np.array([e for _, e, _ in clips], dtype=np.int64))",
                "    h.create_dataset('category', data=np.array([k.encode() for _, _, k in clips], dtype='S16'))",
                ""), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "h5py script failed: " + log);
        try (TganHdf5Videos set = TganHdf5Videos.open(dir.resolve("plain.h5"), null,
                TganHdf5Videos.Options.defaults().withFrames(8).withSize(8))) {
            assertEquals("contiguous", set.readPath());
            checkWindows(set, 8);
        }
        try (TganHdf5Videos set = TganHdf5Videos.open(dir.resolve("inside.h5"), null,
                TganHdf5Videos.Options.defaults().withFrames(8).withSize(8))) {
            assertEquals("chunked", set.readPath());
            checkWindows(set, 8);
        }
    }
}

package io.ndevid.training.data;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes a miniature UCF101 (three classes, tiny 4:3 videos, official-style split files with CRLF line ends, one
 * corrupt and one empty video, one listed video missing) and reads it back.
 */
class Ucf101VideosTest {

    static final int W = 80;
    static final int H = 60;
    static final int FRAMES = 24;

    @TempDir
    static Path tmp;
    static Path root;
    static Path splits;

    /** Grey level of frame f: a ramp, so a decoded window tells where it started. */
    static int level(int f) {
        return 30 + 8 * f;
    }

    /**
     * Writes an .avi (MJPEG, highest quality) whose frame f is flat grey {@link #level}(f), except a pure red band in
     * the leftmost {@code band} columns.
     */
    static void writeVideo(Path file, int frames, int band, String codec) throws IOException {
        Files.createDirectories(file.getParent());
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), W, H)) {
            rec.setFormat("avi");
            if (codec.equals("mjpeg")) {
                rec.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
                rec.setPixelFormat(avutil.AV_PIX_FMT_YUVJ444P);
            } else {
                rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
                rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            }
            rec.setVideoQuality(1);
            rec.setFrameRate(25);
            rec.start();
            for (int f = 0; f < frames; f++) {
                Frame frame = new Frame(W, H, Frame.DEPTH_UBYTE, 3);
                ByteBuffer buf = (ByteBuffer) frame.image[0];
                int stride = frame.imageStride;
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        boolean red = x < band;
                        int p = y * stride + x * 3; // BGR
                        buf.put(p, (byte) (red ? 0 : level(f)));
                        buf.put(p + 1, (byte) (red ? 0 : level(f)));
                        buf.put(p + 2, (byte) (red ? 255 : level(f)));
                    }
                }
                rec.record(frame, avutil.AV_PIX_FMT_BGR24);
            }
            rec.stop();
        }
    }

    @BeforeAll
    static void writeMiniUcf() throws IOException {
        FfmpegNatives.ensureLoaded();
        root = tmp.resolve("UCF-101");
        splits = tmp.resolve("ucfTrainTestlist"); // as the official split archive unpacks (lower-case l)
        writeVideo(root.resolve("ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi"), FRAMES, 6, "mjpeg");
        writeVideo(root.resolve("ApplyEyeMakeup/v_ApplyEyeMakeup_g02_c01.avi"), FRAMES, 6, "mpeg4");
        writeVideo(root.resolve("Basketball/v_Basketball_g01_c01.avi"), FRAMES, 6, "mjpeg");
        // UCF101's own quirk: folder HandstandPushups, file names HandStandPushups.
        writeVideo(root.resolve("HandstandPushups/v_HandStandPushups_g01_c01.avi"), 10, 6, "mjpeg");
        Files.write(root.resolve("Basketball/v_Basketball_g02_c01.avi"),
                randomBytes(new SplittableRandom(1), 5000)); // corrupt
        Files.write(root.resolve("Basketball/v_Basketball_g03_c01.avi"), new byte[0]); // empty
        byte[] whole = Files.readAllBytes(root.resolve("ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi"));
        Files.write(root.resolve("ApplyEyeMakeup/v_ApplyEyeMakeup_g03_c01.avi"),
                java.util.Arrays.copyOf(whole, whole.length * 2 / 5)); // truncated mid-stream
        Files.createDirectories(splits);
        Files.writeString(splits.resolve("classInd.txt"),
                "1 ApplyEyeMakeup\r\n2 Basketball\r\n3 HandstandPushups\r\n", StandardCharsets.UTF_8);
        Files.writeString(splits.resolve("trainlist01.txt"), String.join("\r\n",
                "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi 1",
                "Basketball/v_Basketball_g02_c01.avi 2",
                "Basketball/v_Basketball_g03_c01.avi 2",
                "Basketball/v_Basketball_g01_c01.avi 2",
                "Basketball/v_Basketball_g09_c01.avi 2",
                "HandstandPushups/v_HandStandPushups_g01_c01.avi 3",
                "ApplyEyeMakeup/v_ApplyEyeMakeup_g02_c01.avi 1") + "\r\n", StandardCharsets.UTF_8);
        Files.writeString(splits.resolve("trainlist02.txt"), "ApplyEyeMakeup/v_ApplyEyeMakeup_g03_c01.avi 1\n",
                StandardCharsets.UTF_8);
        Files.writeString(splits.resolve("testlist01.txt"),
                "Basketball/v_Basketball_g01_c01.avi\r\nHandstandPushups/v_HandStandPushups_g01_c01.avi\r\n",
                StandardCharsets.UTF_8);
    }

    static byte[] randomBytes(SplittableRandom rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rng.nextInt(256);
        }
        return b;
    }

    static Ucf101Videos open(String list, Ucf101Videos.Options o) {
        return Ucf101Videos.open(root, splits, list, o);
    }

    /** Frame index whose grey level is nearest to v (in [−1, 1], TGAN scaling). */
    static int frameOf(float v) {
        double grey = v * 128 + 128;
        return (int) Math.round((grey - 30) / 8);
    }

    @Test
    void splitListsGiveLabelsAndMissingFilesAreLeftOut() {
        Ucf101Videos train = open("trainlist01.txt", Ucf101Videos.Options.defaults().withSize(16).withFrames(8));
        assertEquals(List.of("ApplyEyeMakeup", "Basketball", "HandstandPushups"), train.classNames());
        assertEquals(6, train.size(), "the missing g09 video is left out");
        assertEquals(List.of("Basketball/v_Basketball_g09_c01.avi"), train.missingFiles());
        assertEquals(List.of(0, 1, 1, 1, 2, 0), train.entries().stream().map(Ucf101Split.Entry::label).toList());
        assertEquals("ucf101-trainlist01-16px-3ch-8f", train.name());
        Ucf101Videos test = open("testlist01.txt", Ucf101Videos.Options.defaults().withSize(16).withFrames(8));
        assertEquals(List.of(1, 2), test.entries().stream().map(Ucf101Split.Entry::label).toList());
    }

    @Test
    void clipsAreRandomConsecutiveWindowsScaledLikeTgan() {
        Ucf101Videos set = open("trainlist01.txt", Ucf101Videos.Options.defaults().withSize(16).withFrames(8));
        ClipShape s = set.clipShape();
        assertEquals(new ClipShape(3, 8, 16, 16), s);
        Set<Integer> starts = new HashSet<>();
        for (int seed = 0; seed < 12; seed++) {
            for (int index : new int[] {0, 5}) { // the MJPEG and the MPEG-4 video
                float[] clip = new float[s.floats()];
                assertEquals(0, set.readClip(index, new SplittableRandom(seed), clip, 0));
                int start = frameOf(clip[(1 * 8) * 256 + 8 * 16 + 8]); // green, frame 0, centre pixel
                assertTrue(start >= 0 && start <= FRAMES - 8, "window start " + start);
                for (int f = 0; f < 8; f++) {
                    for (int ch = 0; ch < 3; ch++) {
                        float v = clip[(ch * 8 + f) * 256 + 8 * 16 + 8];
                        assertEquals((level(start + f) - 128) / 128f, v, 4 / 128f,
                                "video " + index + " frame " + f + " channel " + ch + " of a window from " + start);
                    }
                }
                for (float v : clip) {
                    assertTrue(v >= -1f && v <= 1f);
                }
                if (index == 0) {
                    starts.add(start);
                }
            }
            // The same rng state gives the same clip.
            float[] a = new float[s.floats()];
            float[] b = new float[s.floats()];
            set.readClip(3, new SplittableRandom(seed), a, 0);
            set.readClip(3, new SplittableRandom(seed), b, 0);
            assertArrayEquals(a, b);
        }
        assertTrue(starts.size() >= 4, "window starts vary with the rng: " + starts);
    }

    @Test
    void tganCropDropsTheSideColumnsThatStretchKeeps() {
        Ucf101Videos.Options base = Ucf101Videos.Options.defaults().withSize(16).withFrames(4);
        float[] crop = new float[new ClipShape(3, 4, 16, 16).floats()];
        float[] stretch = new float[crop.length];
        open("trainlist01.txt", base).readClip(0, new SplittableRandom(0), crop, 0);
        open("trainlist01.txt", base.withResize(Ucf101Videos.Resize.STRETCH))
                .readClip(0, new SplittableRandom(0), stretch, 0);
        // The red band covers 6/80 of the width: ~1.2 columns at 16 px (stretch); TGAN's crop removes 2 of 21.
        float redStretch = stretch[8 * 16]; // red, frame 0, row 8, column 0
        float redCrop = crop[8 * 16];
        float greenStretch = stretch[(4) * 256 + 8 * 16];
        assertTrue(redStretch > 0.9f && greenStretch < -0.8f, "stretch keeps the red band in column 0: r="
                + redStretch + " g=" + greenStretch);
        assertTrue(redCrop < 0.2f, "the TGAN crop cuts it away: r=" + redCrop);
    }

    @Test
    void unreadableVideosAreSkippedCountedAndSubstituted() {
        Ucf101Videos set = open("trainlist01.txt", Ucf101Videos.Options.defaults().withSize(16).withFrames(8));
        ClipShape s = set.clipShape();
        float[] clip = new float[s.floats()];
        // Index 1 is corrupt, 2 empty: the read moves on to index 3 (Basketball g01), label 1.
        assertEquals(1, set.readClip(1, new SplittableRandom(0), clip, 0));
        assertEquals(Set.of("Basketball/v_Basketball_g02_c01.avi", "Basketball/v_Basketball_g03_c01.avi"),
                set.skippedFiles());
        assertEquals(2, set.readClip(4, new SplittableRandom(0), clip, 0), "a 10-frame clip still reads");
        HostBatch batch = set.batch(new int[] {0, 1, 2, 3, 4, 5}, new SplittableRandom(3));
        assertEquals(2, set.skippedCount(), "known-bad files are counted once");
        assertArrayEquals(new int[] {0, 1, 1, 1, 2, 0}, batch.labels());
        assertArrayEquals(new long[] {6, 3, 8, 16, 16}, batch.shape());
    }

    @Test
    void aTruncatedVideoGivesTheFramesItStillHas() {
        Ucf101Videos set = open("trainlist02.txt", Ucf101Videos.Options.defaults().withSize(16).withFrames(8));
        float[] clip = new float[set.clipShape().floats()];
        for (int seed = 0; seed < 5; seed++) {
            assertEquals(0, set.readClip(0, new SplittableRandom(seed), clip, 0));
            int start = frameOf(clip[8 * 16 + 8]);
            int last = frameOf(clip[7 * 256 + 8 * 16 + 8]);
            assertTrue(last < FRAMES - 1 || start + 7 == last, "frames " + start + "…" + last);
            for (int f = 1; f < 8; f++) {
                int prev = frameOf(clip[(f - 1) * 256 + 8 * 16 + 8]);
                int cur = frameOf(clip[f * 256 + 8 * 16 + 8]);
                assertTrue(cur == prev + 1 || cur == prev, "consecutive or repeated last frame: " + prev + "→" + cur);
            }
        }
        assertEquals(0, set.skippedCount());
    }

    @Test
    void shortClipsRepeatTheirLastFrameAndGreyWorks() {
        Ucf101Videos set = open("trainlist01.txt",
                Ucf101Videos.Options.defaults().withSize(16).withFrames(12).withChannels(1));
        float[] clip = new float[set.clipShape().floats()];
        assertEquals(2, set.readClip(4, new SplittableRandom(0), clip, 0)); // 10 frames
        for (int f = 0; f < 12; f++) {
            int expected = level(Math.min(f, 9));
            assertEquals((expected - 128) / 128f, clip[f * 256 + 8 * 16 + 8], 4 / 128f, "frame " + f);
        }
    }

    @Test
    void aUcf101RootWithEitherSplitFolderSpellingOpens(@TempDir Path other) throws IOException {
        // The official layout (written above): UCF-101/ and ucfTrainTestlist/ side by side.
        assertEquals(splits, Ucf101Split.folderIn(tmp));
        VideoDataset real = Datasets.open("ucf101=" + tmp, 2, 8, 16, 3);
        assertEquals(6, real.size(), real.name());
        // The other spelling in circulation, ucfTrainTestList/, is found too.
        Path alt = Files.createDirectories(other.resolve(Ucf101Split.FOLDER_ALT));
        for (String f : List.of("classInd.txt", "trainlist01.txt")) {
            Files.copy(splits.resolve(f), alt.resolve(f));
        }
        assertEquals(alt, Ucf101Split.folderIn(other));
        // Neither: the error names the official spelling.
        DatasetException none = assertThrows(DatasetException.class,
                () -> Ucf101Videos.open(root, Ucf101Split.folderIn(tmp.resolve("nothing-here")), "trainlist01.txt",
                        Ucf101Videos.Options.defaults()));
        assertTrue(none.getMessage().contains("ucfTrainTestlist"), none.getMessage());
    }

    @Test
    void missingPathsGiveClearErrors() {
        DatasetException noRoot = assertThrows(DatasetException.class,
                () -> Ucf101Videos.open(tmp.resolve("nope"), splits, "trainlist01.txt",
                        Ucf101Videos.Options.defaults()));
        assertTrue(noRoot.getMessage().contains("video folder not found") && noRoot.getMessage().contains("nope"),
                noRoot.getMessage());
        DatasetException noList = assertThrows(DatasetException.class,
                () -> Ucf101Videos.open(root, splits, "trainlist03.txt", Ucf101Videos.Options.defaults()));
        assertTrue(noList.getMessage().contains("trainlist03.txt"), noList.getMessage());
        DatasetException wrongRoot = assertThrows(DatasetException.class,
                () -> Ucf101Videos.open(splits, splits, "trainlist01.txt", Ucf101Videos.Options.defaults()));
        assertTrue(wrongRoot.getMessage().contains("none of the"), wrongRoot.getMessage());
    }
}

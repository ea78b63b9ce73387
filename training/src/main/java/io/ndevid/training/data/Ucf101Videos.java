package io.ndevid.training.data;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * UCF101 read straight from its {@code .avi} files with FFmpeg (javacv), following an official split list.
 *
 * <p>Each read decodes a random window of {@code frames} consecutive frames (the start drawn from the clip's rng),
 * resized by FFmpeg (bicubic, as TGAN's cv2 preprocessing) and scaled as TGAN's loader does: {@code (x − 128)/128}.
 * {@link Resize#TGAN_CROP} (default) resizes each frame to {@code size × round(size·4/3)} and keeps the centre
 * {@code size} columns — at 64 px exactly TGAN's HDF5 layout (64×85, columns 10:74); {@link Resize#STRETCH} resizes
 * straight to {@code size × size}.
 *
 * <p>A video that cannot be decoded (corrupt, truncated, empty) is skipped: a warning names the file once, it is
 * counted in {@link #skippedFiles()}, and the read moves on to the next listed video (so a batch keeps its size; the
 * label returned is the substitute's). Listed files that do not exist are dropped when the set is opened, with one
 * warning ({@link #missingFiles()}). A missing video folder or split file is an error that says what was expected.
 *
 * <p>Decoding is sequential from the first frame (exact for every codec; UCF101 clips are short, ≈ 7 s).
 */
public final class Ucf101Videos implements VideoDataset {

    private static final Logger LOG = LoggerFactory.getLogger(Ucf101Videos.class);

    /** How a 4:3 UCF101 frame becomes square. */
    public enum Resize {
        /** Resize to {@code size × round(size·4/3)}, keep the centre {@code size} columns (TGAN). */
        TGAN_CROP,
        /** Resize straight to {@code size × size} (aspect not kept). */
        STRETCH
    }

    /**
     * @param frames         frames per clip (T)
     * @param size           output height and width
     * @param channels       3 (RGB) or 1 (FFmpeg's grey conversion)
     * @param resize         see {@link Resize}
     * @param maxSubstitutes how many following videos to try when one is unreadable before giving up
     */
    public record Options(int frames, int size, int channels, Resize resize, int maxSubstitutes) {
        public Options {
            if (frames < 1 || size < 4 || (channels != 1 && channels != 3) || maxSubstitutes < 0) {
                throw new IllegalArgumentException("bad UCF101 options: " + frames + " frames, " + size + " px, "
                        + channels + " channels, " + maxSubstitutes + " substitutes");
            }
        }

        /** 16 frames, 64×64 RGB, TGAN crop, up to 64 substitutes. */
        public static Options defaults() {
            return new Options(16, 64, 3, Resize.TGAN_CROP, 64);
        }

        public Options withFrames(int t) {
            return new Options(t, size, channels, resize, maxSubstitutes);
        }

        public Options withSize(int px) {
            return new Options(frames, px, channels, resize, maxSubstitutes);
        }

        public Options withChannels(int c) {
            return new Options(frames, size, c, resize, maxSubstitutes);
        }

        public Options withResize(Resize r) {
            return new Options(frames, size, channels, r, maxSubstitutes);
        }
    }

    private final Path videoRoot;
    private final String splitName;
    private final Options options;
    private final ClipShape clip;
    private final List<String> classNames;
    private final List<Ucf101Split.Entry> entries;
    private final List<String> missing;
    private final Set<String> skipped = ConcurrentHashMap.newKeySet();
    private final int decodeWidth;
    private final int cropX;

    private Ucf101Videos(Path videoRoot, String splitName, Ucf101Split split, Options options) {
        this.videoRoot = videoRoot;
        this.splitName = splitName;
        this.options = options;
        this.clip = new ClipShape(options.channels(), options.frames(), options.size(), options.size());
        this.classNames = split.classNames();
        List<Ucf101Split.Entry> present = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (Ucf101Split.Entry e : split.entries()) {
            if (Files.isRegularFile(videoRoot.resolve(e.path()))) {
                present.add(e);
            } else {
                absent.add(e.path());
            }
        }
        if (present.isEmpty()) {
            throw new DatasetException("none of the " + split.entries().size() + " videos listed in " + splitName
                    + " exists under " + videoRoot.toAbsolutePath() + " (e.g. " + absent.get(0)
                    + "): is this the folder that holds the class folders (UCF-101/ApplyEyeMakeup/…)?");
        }
        if (!absent.isEmpty()) {
            LOG.warn("UCF101 {}: {} of {} listed videos are missing under {} and are left out (first: {})", splitName,
                    absent.size(), split.entries().size(), videoRoot, absent.subList(0, Math.min(5, absent.size())));
        }
        this.entries = List.copyOf(present);
        this.missing = List.copyOf(absent);
        this.decodeWidth = options.resize() == Resize.TGAN_CROP
                ? (int) Math.round(options.size() * 4.0 / 3.0) : options.size();
        this.cropX = (decodeWidth - options.size()) / 2; // 64 px: width 85, columns 10…73 as TGAN's 10:74
    }

    /**
     * Opens a split.
     *
     * @param videoRoot the folder holding the class folders ({@code UCF-101/})
     * @param splitDir  the folder holding {@code classInd.txt} and the split lists ({@code ucfTrainTestlist/})
     * @param splitFile e.g. {@code trainlist01.txt} or {@code testlist01.txt}
     * @throws DatasetException if a path is missing or no listed video exists
     */
    public static Ucf101Videos open(Path videoRoot, Path splitDir, String splitFile, Options options) {
        if (!Files.isDirectory(videoRoot)) {
            throw new DatasetException("UCF101 video folder not found: " + videoRoot.toAbsolutePath()
                    + " (expected the unpacked UCF101.rar: <root>/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi, …)");
        }
        if (!Files.isDirectory(splitDir)) {
            throw new DatasetException("UCF101 split folder not found: " + splitDir.toAbsolutePath()
                    + " (expected the unpacked UCF101TrainTestSplits-RecognitionTask.zip: ucfTrainTestlist/)");
        }
        Ucf101Split split = Ucf101Split.read(splitDir, splitFile);
        FfmpegNatives.ensureLoaded();
        return new Ucf101Videos(videoRoot, splitFile, split, options);
    }

    @Override
    public String name() {
        String stem = splitName.endsWith(".txt") ? splitName.substring(0, splitName.length() - 4) : splitName;
        return String.format(Locale.ROOT, "ucf101-%s-%dpx-%dch-%df", stem, options.size(), options.channels(),
                options.frames());
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public ClipShape clipShape() {
        return clip;
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    public List<Ucf101Split.Entry> entries() {
        return entries;
    }

    /** Listed videos whose files did not exist when the set was opened. */
    public List<String> missingFiles() {
        return missing;
    }

    /** Videos found unreadable so far (relative paths). */
    public Set<String> skippedFiles() {
        return Set.copyOf(skipped);
    }

    public int skippedCount() {
        return skipped.size();
    }

    @Override
    public int readClip(int index, SplittableRandom rng, float[] dst, int offset) {
        for (int attempt = 0; attempt <= options.maxSubstitutes(); attempt++) {
            Ucf101Split.Entry e = entries.get(Math.floorMod(index + attempt, entries.size()));
            if (skipped.contains(e.path())) {
                continue;
            }
            String problem = decode(videoRoot.resolve(e.path()), rng, dst, offset);
            if (problem == null) {
                return e.label();
            }
            if (skipped.add(e.path())) {
                LOG.warn("UCF101 {}: skipping unreadable video {} ({}); {} skipped so far", splitName,
                        videoRoot.resolve(e.path()), problem, skipped.size());
            }
        }
        throw new DatasetException("UCF101 " + splitName + ": no readable video among clip " + index + " and the "
                + options.maxSubstitutes() + " after it (" + skipped.size() + " unreadable so far)");
    }

    /** Decodes a window into dst; returns null on success, else why the video is unusable. */
    private String decode(Path file, SplittableRandom rng, float[] dst, int offset) {
        int t = options.frames();
        int s = options.size();
        int c = options.channels();
        int frameBytes = s * s * c;
        byte[][] ring = new byte[t][frameBytes];
        int decoded = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setImageWidth(decodeWidth);
            grabber.setImageHeight(s);
            grabber.setPixelFormat(c == 3 ? avutil.AV_PIX_FMT_RGB24 : avutil.AV_PIX_FMT_GRAY8);
            grabber.setImageScalingFlags(swscale.SWS_BICUBIC);
            grabber.start();
            int length = grabber.getLengthInFrames();
            int start = length > t ? rng.nextInt(length - t + 1) : 0;
            Frame frame;
            while (decoded < start + t && (frame = grabber.grabImage()) != null) {
                copyCropped(frame, ring[decoded % t]);
                decoded++;
            }
            grabber.stop();
        } catch (Exception e) { // missing natives (an Error) are not a property of the video: they propagate
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (decoded == 0) {
            return "no video frame could be decoded";
        }
        // The last min(decoded, t) frames are in the ring; a clip shorter than the window repeats its last frame.
        int first = Math.max(0, decoded - t);
        int plane = s * s;
        for (int f = 0; f < t; f++) {
            byte[] px = ring[Math.min(first + f, decoded - 1) % t];
            for (int ch = 0; ch < c; ch++) {
                int base = offset + (ch * t + f) * plane;
                for (int i = 0; i < plane; i++) {
                    dst[base + i] = ((px[i * c + ch] & 0xFF) - 128) / 128f;
                }
            }
        }
        return null;
    }

    /** Frame (decodeWidth × size, interleaved) → centre {@code size} columns, interleaved, tightly packed. */
    private void copyCropped(Frame frame, byte[] out) {
        ByteBuffer buf = (ByteBuffer) frame.image[0];
        int c = options.channels();
        int s = options.size();
        int stride = frame.imageStride;
        // Not frame.imageChannels: javacv derives it as stride / width, and pads rows (21 px RGB gave "9 channels").
        if (frame.imageWidth != decodeWidth || frame.imageHeight != s || stride < decodeWidth * c) {
            throw new IllegalStateException("FFmpeg returned " + frame.imageWidth + "×" + frame.imageHeight
                    + " with row stride " + stride + ", asked for " + decodeWidth + "×" + s + "×" + c);
        }
        for (int y = 0; y < s; y++) {
            buf.get(y * stride + cropX * c, out, y * s * c, s * c);
        }
    }
}

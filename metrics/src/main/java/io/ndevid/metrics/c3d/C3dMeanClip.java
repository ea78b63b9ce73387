package io.ndevid.metrics.c3d;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.Sha256;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.metrics.npy.NpyFormatException;
import io.ndevid.metrics.npy.Npz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The training mean clip of the Caffe C3D model fine-tuned on UCF101 ({@code mean2.npz} in the paper authors' and
 * TGAN's repositories): an {@code .npz} with one array {@code mean}, float64, shape {@value #CHANNELS} × {@value
 * #FRAMES} × {@value #HEIGHT} × {@value #WIDTH} (channel, frame, row, column), channels in BGR order, values on the
 * [0, 255] pixel scale. Every reference evaluation subtracts (a window of) it before C3D; the windows each route takes
 * are in {@link C3dPreprocessing}.
 */
public final class C3dMeanClip {

    public static final int CHANNELS = 3;
    public static final int FRAMES = 16;
    public static final int HEIGHT = 128;
    public static final int WIDTH = 171;

    /** What a mean file must hold, for messages. */
    public static final String EXPECTED = "an .npz with one array 'mean', float64 (" + CHANNELS + ", " + FRAMES + ", "
            + HEIGHT + ", " + WIDTH + "), BGR — the C3D UCF101 mean clip mean2.npz";

    private final Path file;
    private final String sha256;
    private final double[] values;

    private C3dMeanClip(Path file, String sha256, double[] values) {
        this.file = file;
        this.sha256 = sha256;
        this.values = values;
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws MetricsInputException (one line: the file, what is wrong, {@link #EXPECTED}) if it is missing, not an
     *                               .npz, has no array {@code mean}, or the array has another shape or is not float
     */
    public static C3dMeanClip load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new MetricsInputException("C3D mean clip file not found: " + file + " (expected " + EXPECTED + ")");
        }
        Map<String, NpyArray> arrays;
        try {
            arrays = Npz.read(file);
        } catch (NpyFormatException e) {
            throw new MetricsInputException(file + ": unreadable array (" + e.getMessage() + "); expected " + EXPECTED);
        }
        NpyArray mean = arrays.get("mean");
        if (mean == null) {
            throw new MetricsInputException(file + " has no array 'mean' (it has " + arrays.keySet() + "); expected "
                    + EXPECTED);
        }
        int[] want = {CHANNELS, FRAMES, HEIGHT, WIDTH};
        if (!Arrays.equals(mean.shape(), want)) {
            throw new MetricsInputException(file + ": array 'mean' has shape " + Arrays.toString(mean.shape())
                    + "; expected " + EXPECTED);
        }
        if (mean.dtype() != io.ndevid.metrics.npy.NpyDtype.FLOAT64
                && mean.dtype() != io.ndevid.metrics.npy.NpyDtype.FLOAT32) {
            throw new MetricsInputException(file + ": array 'mean' has dtype " + mean.dtype() + "; expected "
                    + EXPECTED);
        }
        return new C3dMeanClip(file.toAbsolutePath(), Sha256.of(file), mean.toDoubles());
    }

    /** The file it was read from (absolute). */
    public Path file() {
        return file;
    }

    /** SHA-256 (hex) of the file. */
    public String sha256() {
        return sha256;
    }

    /**
     * The window {@code [3, frames, size, size]} starting at row {@code top} and column {@code left}, the first
     * {@code frames} frames, as float32 (both references cast the mean to float32 or subtract it from float32 clips).
     *
     * @throws MetricsInputException if {@code frames} exceeds {@value #FRAMES} or the window leaves the clip
     */
    public float[] window(int frames, int top, int left, int size) {
        if (frames < 1 || frames > FRAMES) {
            throw new MetricsInputException("the C3D mean clip has " + FRAMES + " frames; clips of " + frames
                    + " frames cannot be scored with it (at most " + FRAMES + ")");
        }
        if (top < 0 || left < 0 || top + size > HEIGHT || left + size > WIDTH) {
            throw new IllegalArgumentException("window " + size + "x" + size + " at (" + top + ", " + left
                    + ") leaves the " + HEIGHT + "x" + WIDTH + " mean clip");
        }
        float[] out = new float[CHANNELS * frames * size * size];
        int k = 0;
        for (int c = 0; c < CHANNELS; c++) {
            for (int t = 0; t < frames; t++) {
                for (int y = 0; y < size; y++) {
                    int base = ((c * FRAMES + t) * HEIGHT + top + y) * WIDTH + left;
                    for (int x = 0; x < size; x++) {
                        out[k++] = (float) values[base + x];
                    }
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return file.getFileName() + "@sha256:" + sha256.substring(0, 12);
    }
}

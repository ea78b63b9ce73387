package io.ndevid.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.viz.VideoGrids;

import java.nio.file.Path;
import java.util.Map;

/**
 * Writes {@code samples/fakes-<iter>.gif}: a grid of videos from fixed latents (the same seed every time, so the
 * grids show one set of samples evolving), scaled up so small CPU-preset frames are visible.
 */
public final class SampleHook implements TrainerLoop.Hook {

    /** The seed of the sample grid's latents: fixed so successive grids are comparable. */
    public static final long GRID_SEED = 424242L;

    private final RunFolder run;
    private final long interval;
    private final int count;

    public SampleHook(RunFolder run, long interval, int count) {
        this.run = run;
        this.interval = interval;
        this.count = count;
    }

    @Override
    public long interval() {
        return interval;
    }

    @Override
    public Map<String, Object> run(VideoGan gan, long iteration) throws Exception {
        run.checkFence();
        Path file = run.samples().resolve(String.format("fakes-%06d.gif", iteration + 1));
        write(gan, file, count);
        return Map.of();
    }

    /** A GIF grid of {@code n} samples of {@code gan} at {@code file}. */
    public static void write(VideoGan gan, Path file, int n) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray videos = gan.sample(m, n, GRID_SEED);
            int size = gan.spec().frameSize();
            int scale = Math.max(1, 64 / size);
            VideoGrids.writeGif(videos, file, VideoGrids.Options.cols((int) Math.ceil(Math.sqrt(n))).withScale(scale));
        }
    }
}

package io.ndevid.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ndevid.training.checkpoint.CheckpointIO;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.viz.VideoGrids;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Continuous-time renders of a checkpoint: {@code samples} videos at latent {@code times} the model was never
 * trained on (a higher frame rate, before frame 0; {@link VideoGan#render}) written as one GIF grid — the report's
 * figures. The one way they are drawn and written, whether in the report's process ({@link #render}) or by a
 * cluster's sample renderers ({@link #writeGif} on their own copy of the generator), so the same weights give the
 * same file.
 */
public final class ContinuousRenders {

    private ContinuousRenders() {}

    /** Loads {@code checkpoint} on this process's CPU and writes its render; returns the rendered tensor's shape. */
    public static long[] render(Path checkpoint, int samples, long seed, double[] times, Path gif) throws IOException {
        try (NDManager m = NDManager.newBaseManager(); VideoGan gan = Trials.load(checkpoint, m, "cpu")) {
            return writeGif(gan, samples, seed, times, gif);
        }
    }

    /** The spec a checkpoint was written for. */
    public static TrialSpec specOf(Path checkpoint) {
        return SpecIO.parse(CheckpointIO.read(checkpoint).specJson());
    }

    /**
     * Renders {@code gan} and writes the GIF: up to 4 videos a row, frames scaled to at least 64 px, 50 ms a frame.
     *
     * @return the rendered tensor's shape {@code [samples, C, len(times), H, W]}
     */
    public static long[] writeGif(VideoGan gan, int samples, long seed, double[] times, Path gif) throws IOException {
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray videos = gan.render(scope, samples, seed, times);
            VideoGrids.writeGif(videos, gif, VideoGrids.Options.cols(Math.min(4, samples))
                    .withScale(Math.max(1, 64 / gan.spec().frameSize())).withDelayMs(50));
            return videos.getShape().getShape();
        }
    }
}

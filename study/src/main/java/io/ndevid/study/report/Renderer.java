package io.ndevid.study.report;

import io.ndevid.training.run.ContinuousRenders;

import java.nio.file.Path;

/**
 * Renders a trained generator at chosen latent times into a GIF — the report's continuous-time figures. Whoever
 * writes the report hands one in: {@link #inProcess()} here, or a pool of solver workers on a cluster.
 */
@FunctionalInterface
public interface Renderer {

    /**
     * Renders {@code videos} videos (latents drawn with {@code seed}) of the generator in {@code checkpoint} at
     * {@code times} (in the trained clip's [0, 1]; values outside extrapolate) and writes them as one GIF grid.
     */
    void renderGif(Path checkpoint, int videos, long seed, double[] times, Path gif) throws Exception;

    /** Loads the checkpoint in this process, on the CPU ({@link ContinuousRenders#render}). */
    static Renderer inProcess() {
        return (checkpoint, videos, seed, times, gif) -> ContinuousRenders.render(checkpoint, videos, seed, times, gif);
    }
}

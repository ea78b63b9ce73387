package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * G_t: turns a per-video latent into one latent per frame, z_t for t at the frame times.
 *
 * <p>{@code forward(ps, NDList(z), training)} returns {@code [B, frames, latentDim]} at the default frame times
 * t_i = i / (frames − 1) on [0, 1] (the paper integrates over linspace(0, 1, 16)). Continuous-time generators also
 * render at any times — a finer grid for a higher frame rate, or t &lt; 0 for what came before frame 0.
 */
public interface TemporalGenerator extends Block {

    TemporalKind kind();

    /** Dimension of each z_t. */
    int latentDim();

    /** Frames produced by {@code forward}. */
    int frames();

    /**
     * z_t at {@code times}: {@code [B, len(times), latentDim]}.
     *
     * @param noiseSeed seeds the SDE's Brownian paths (ignored by deterministic generators); the same seed and
     *                  input give the same path at any set of times
     * @throws UnsupportedOperationException for a generator that only knows its own frame grid
     */
    NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training);

    /**
     * Asks for the noise of a later {@link #generate} of a batch of {@code batch} float32 latents at these times with
     * this seed to be made ahead of time, where the generator draws noise and was given somewhere to make it (an SDE
     * with a {@link io.ndevid.solvers.sde.NoisePrefetch}); changes no value. Default: nothing.
     */
    default void prefetchNoise(long batch, double[] times, long noiseSeed) {}

    /** The default frame times: {@code frames} points on [0, 1]. */
    static double[] frameTimes(int frames) {
        double[] t = new double[frames];
        for (int i = 0; i < frames; i++) {
            t[i] = frames == 1 ? 0 : (double) i / (frames - 1);
        }
        return t;
    }

    /** {@code frames} frames at {@code factor}× the frame rate, from {@code tStart} to {@code tEnd}. */
    static double[] renderTimes(int frames, int factor, double tStart, double tEnd) {
        if (factor < 1) {
            throw new IllegalArgumentException("frame-rate factor must be ≥ 1, got " + factor);
        }
        if (!(tEnd > tStart)) {
            throw new IllegalArgumentException("need t-end > t-start, got " + tStart + " .. " + tEnd);
        }
        double dt = 1.0 / ((frames - 1) * (double) factor);
        int n = (int) Math.floor((tEnd - tStart) / dt + 1e-9) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = tStart + i * dt;
        }
        return t;
    }
}

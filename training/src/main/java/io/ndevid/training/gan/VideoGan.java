package io.ndevid.training.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalGenerator;

import java.util.Map;

/**
 * One video GAN of the study — TGAN, MoCoGAN or TGANv2 with any temporal generator — as the trainer sees it: its
 * networks and optimizer states (for checkpoints), one training iteration, and sampling.
 *
 * <p>Contract: every random draw of iteration i derives from (spec seed, i) through
 * {@link io.ndevid.training.util.Randomness}, never from the engine's global generator, so that training k steps,
 * checkpointing, restarting and training k more gives bit-identical losses on CPU. An implementation opens its own
 * gradient collectors (one at a time: the engine allows one per JVM) and closes every NDManager it opens.
 */
public interface VideoGan extends AutoCloseable {

    TrialSpec spec();

    /**
     * One iteration: the discriminator update(s), then the generator update.
     *
     * @param real      a batch of real videos [B, C, T, H, W] in [−1, 1] (B = spec batch size)
     * @param iteration 0-based; seeds this iteration's noise
     * @return the losses and diagnostics to log (e.g. {@code d_loss}, {@code g_loss}, {@code gp})
     */
    Map<String, Double> step(NDArray real, long iteration);

    /**
     * {@code n} generated videos [n, C, T, H, W] in [−1, 1] at the frame times, in inference mode; the same seed
     * gives the same videos. The result lives in {@code into}.
     */
    NDArray sample(NDManager into, int n, long seed);

    /**
     * {@code n} videos rendered at arbitrary latent times (a higher frame rate, before frame 0), [n, C, len(times),
     * H, W], from the same latents {@link #sample} draws for the seed.
     *
     * @throws UnsupportedOperationException if the temporal generator is discrete ({@code original})
     */
    NDArray render(NDManager into, int n, long seed, double[] times);

    /** The networks by name ({@code G}, {@code D}, …), for checkpoints; their parameters are initialized. */
    Map<String, Block> networks();

    /** Optimizer states by name ({@code G}, {@code D}, …), as bytes, for checkpoints. */
    Map<String, byte[]> optimizerStates();

    /** Restores what {@link #optimizerStates} saved. */
    void loadOptimizerStates(Map<String, byte[]> states);

    TemporalGenerator temporal();

    /**
     * Trainable parameters of G_t as built, and of the base model's original G_t at the same sizes (for f = matched;
     * −1 where the original cannot be built at these sizes, e.g. TGAN's with a frame count that is not a power of 2).
     */
    long temporalParameterCount();

    long originalTemporalParameterCount();

    @Override
    void close();
}

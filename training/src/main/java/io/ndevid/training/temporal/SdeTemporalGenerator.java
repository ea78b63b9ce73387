package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.solvers.sde.Sde;
import io.ndevid.solvers.sde.SdeMethod;
import io.ndevid.solvers.sde.SdeOptions;
import io.ndevid.solvers.sde.SdeType;
import io.ndevid.solvers.sde.Sdeint;

/**
 * G_t as a latent neural SDE (the paper's Section 3.2): dz = μ(z) dt + σ(z) ∘ dW, Itô, diagonal noise, with drift μ one
 * of the f(x) variants and diffusion σ = act(Linear(z)) with act tanh (the authors' TGAN-SDE) or sigmoid (positive),
 * integrated with a fixed step (the authors: Euler, dt = 0.025). The Brownian path comes from the noise seed, so a
 * sample rendered at a higher frame rate or over a longer span follows the same path. With a {@link NoisePrefetch}
 * the increments of the solves asked for by {@link #prefetchNoise} are made on its thread ahead of time (same values).
 */
public final class SdeTemporalGenerator extends AbstractTemporalGenerator {

    private final SdeMethod method;
    private final double dt;
    private final Block drift;
    private final Block diffusion;
    private final NoisePrefetch prefetch;

    /** The diffusion activations {@code act} may name. */
    public static final java.util.List<String> DIFFUSIONS = java.util.List.of("tanh", "sigmoid");

    /**
     * @param diffusionActivation tanh or sigmoid ({@link #DIFFUSIONS})
     * @param mlpWidth            width of the MLP before the SDE, or 0 for none
     * @param mlpLayers           hidden layers of that MLP
     */
    public SdeTemporalGenerator(int latentDim, int frames, Block drift, String diffusionActivation, int mlpWidth,
                                int mlpLayers, SdeMethod method, double dt) {
        this(latentDim, frames, drift, diffusionActivation, mlpWidth, mlpLayers, method, dt, null);
    }

    /** As above; {@code prefetch} (null: none, not owned here) makes the noise {@link #prefetchNoise} asks for. */
    public SdeTemporalGenerator(int latentDim, int frames, Block drift, String diffusionActivation, int mlpWidth,
                                int mlpLayers, SdeMethod method, double dt, NoisePrefetch prefetch) {
        super(latentDim, frames, mlpWidth, mlpLayers);
        this.method = method;
        this.dt = dt;
        this.prefetch = prefetch;
        this.drift = addChildBlock("drift", drift);
        this.diffusion = addChildBlock("diffusion", new SequentialBlock()
                .add(Linear.builder().setUnits(latentDim).build()).add(switch (diffusionActivation) {
                    case "tanh" -> Activation.tanhBlock();
                    case "sigmoid" -> Activation.sigmoidBlock();
                    default -> throw new IllegalArgumentException("SDE diffusion activation must be one of "
                            + DIFFUSIONS + ", got " + diffusionActivation);
                }));
        method.checkSolves(SdeType.ITO, io.ndevid.solvers.sde.NoiseType.DIAGONAL);
    }

    @Override
    public TemporalKind kind() {
        return TemporalKind.SDE;
    }

    @Override
    public NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training) {
        NDArray z0 = initialLatent(ps, z, training);
        Sde sde = Sde.of(SdeType.ITO,
                new BlockField(drift, ps, training, 1),
                new BlockField(diffusion, ps, training, 1));
        SdeOptions o = SdeOptions.builder().method(method).dt(dt).seed(noiseSeed).prefetch(prefetch).build();
        NDArray ys = Sdeint.solve(sde, z0, times, o); // [T, B, d]
        return ys.transpose(1, 0, 2);
    }

    @Override
    public void prefetchNoise(long batch, double[] times, long noiseSeed) {
        if (prefetch != null) {
            prefetch.request(noiseSeed, new Shape(batch, latentDim()), DataType.FLOAT32, times, dt);
        }
    }

    /** Parameters outside the drift (MLP, diffusion): what parameter matching must leave to f. */
    public long parametersOutsideF() {
        return Blocks.parameterCount(this) - Blocks.parameterCount(drift);
    }

    @Override
    void initializeDynamics(NDManager manager, DataType dataType, Shape latent, Shape... inputShapes) {
        drift.initialize(manager, dataType, latent);
        diffusion.initialize(manager, dataType, latent);
    }
}

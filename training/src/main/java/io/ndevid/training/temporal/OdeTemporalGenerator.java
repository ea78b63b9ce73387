package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.Odeint;

import java.util.ArrayList;
import java.util.List;

/**
 * G_t as a latent neural ODE of order 1, 2 or 3 (the paper's Section 3.1):
 * z0 = MLP(z) (optional, the authors' best TGAN-ODE), the initial derivatives z0^(j) = E_j(z0) from one Linear(d,d)
 * encoder per extra order, then z^(k) = f(z, …, z^(k−1)) integrated over the frame times.
 */
public final class OdeTemporalGenerator extends AbstractBlock implements TemporalGenerator {

    private final int latentDim;
    private final int frames;
    private final int order;
    private final OdeOptions solver;
    private final Block mlp;
    private final List<Block> encoders = new ArrayList<>();
    private final Block f;

    /**
     * @param f        maps [B, order·latentDim] → [B, latentDim] (see {@link VectorFieldNet})
     * @param mlpWidth width of the MLP before the ODE, or 0 for none (then the input must be latentDim wide)
     */
    public OdeTemporalGenerator(int latentDim, int frames, int order, Block f, int mlpWidth, OdeOptions solver) {
        if (order < 1 || order > 3) {
            throw new IllegalArgumentException("ODE order must be 1, 2 or 3, got " + order);
        }
        this.latentDim = latentDim;
        this.frames = frames;
        this.order = order;
        this.solver = solver.toBuilder().order(order).build();
        this.mlp = mlpWidth > 0 ? addChildBlock("mlp", Blocks.mlp(mlpWidth, latentDim)) : null;
        for (int j = 1; j < order; j++) {
            encoders.add(addChildBlock("encoder" + j, Linear.builder().setUnits(latentDim).build()));
        }
        this.f = addChildBlock("f", f);
    }

    @Override
    public TemporalKind kind() {
        return TemporalKind.values()[order]; // ODE1..ODE3
    }

    @Override
    public int latentDim() {
        return latentDim;
    }

    @Override
    public int frames() {
        return frames;
    }

    /** Parameters outside f (MLP, encoders): what parameter matching must leave to f. */
    public long parametersOutsideF() {
        return Blocks.parameterCount(this) - Blocks.parameterCount(f);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(generate(ps, inputs.head(), TemporalGenerator.frameTimes(frames), 0L, training));
    }

    @Override
    public NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training) {
        NDArray z0 = mlp == null ? z : mlp.forward(ps, new NDList(z), training).singletonOrThrow();
        NDArray y0 = z0;
        if (order > 1) {
            NDList parts = new NDList(z0.expandDims(0));
            for (Block e : encoders) {
                parts.add(e.forward(ps, new NDList(z0), training).singletonOrThrow().expandDims(0));
            }
            y0 = NDArrays.concat(parts, 0);
        }
        NDArray ts = z.getManager().create(times);
        NDArray ys = Odeint.solve(new BlockField(f, ps, training, order), y0, ts, solver); // [T, B, d]
        return ys.transpose(1, 0, 2);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), frames, latentDim)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long b = inputShapes[0].get(0);
        Shape latent = new Shape(b, latentDim);
        if (mlp != null) {
            mlp.initialize(manager, dataType, inputShapes[0]);
        } else if (inputShapes[0].get(1) != latentDim) {
            throw new IllegalArgumentException("without an MLP the ODE's input must be the latent size " + latentDim
                    + ", got " + inputShapes[0]);
        }
        for (Block e : encoders) {
            e.initialize(manager, dataType, latent);
        }
        f.initialize(manager, dataType, new Shape(b, (long) order * latentDim));
    }
}

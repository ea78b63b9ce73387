package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.Odeint;

import java.util.ArrayList;
import java.util.List;

/**
 * G_t as a latent neural ODE of order 1, 2 or 3 (the paper's Section 3.1), after the optional MLP (the authors' best
 * TGAN-ODE). Stacked form: z0 = MLP(z), the initial derivatives z0^(j) = E_j(z0) from one Linear(d,d) encoder per
 * extra order, then z^(k) = f(z, …, z^(k−1)) integrated over the frame times. The authors' form (their
 * {@code NOODEFunc}): every initial state, z0 included, is its own Linear(d,d) encoding of MLP(z), and
 * z^(k) = f(z^(k−1)) — f sees the highest derivative only. Order 1 is the same in both.
 */
public final class OdeTemporalGenerator extends AbstractTemporalGenerator {

    private final int order;
    private final OdeOptions solver;
    private final List<Block> encoders = new ArrayList<>();
    private final Block f;
    private final boolean authorsForm;

    public OdeTemporalGenerator(int latentDim, int frames, int order, Block f, int mlpWidth, int mlpLayers,
                                OdeOptions solver) {
        this(latentDim, frames, order, f, mlpWidth, mlpLayers, false, solver);
    }

    /**
     * @param f        maps [B, order·latentDim] → [B, latentDim] (see {@link VectorFieldNet})
     * @param mlpWidth  width of the MLP before the ODE, or 0 for none (then the input must be latentDim wide)
     * @param mlpLayers hidden layers of that MLP
     * @param authorsForm the authors' order-k form (see above); then f maps [B, latentDim] → [B, latentDim]
     */
    public OdeTemporalGenerator(int latentDim, int frames, int order, Block f, int mlpWidth, int mlpLayers,
                                boolean authorsForm, OdeOptions solver) {
        super(latentDim, frames, mlpWidth, mlpLayers);
        this.authorsForm = authorsForm && order > 1;
        if (order < 1 || order > 3) {
            throw new IllegalArgumentException("ODE order must be 1, 2 or 3, got " + order);
        }
        this.order = order;
        this.solver = solver.toBuilder().order(order).build();
        for (int j = this.authorsForm ? 0 : 1; j < order; j++) {
            encoders.add(addChildBlock("encoder" + j, Linear.builder().setUnits(latentDim).build()));
        }
        this.f = addChildBlock("f", f);
    }

    @Override
    public TemporalKind kind() {
        return TemporalKind.values()[order]; // ODE1..ODE3
    }

    /** Parameters outside f (MLP, encoders): what parameter matching must leave to f. */
    public long parametersOutsideF() {
        return Blocks.parameterCount(this) - Blocks.parameterCount(f);
    }

    @Override
    public NDArray generate(ParameterStore ps, NDArray z, double[] times, long noiseSeed, boolean training) {
        NDArray z0 = initialLatent(ps, z, training);
        NDArray y0 = z0;
        if (order > 1) {
            NDList parts = new NDList(order);
            if (!authorsForm) {
                parts.add(z0.expandDims(0));
            }
            for (Block e : encoders) {
                parts.add(e.forward(ps, new NDList(z0), training).singletonOrThrow().expandDims(0));
            }
            y0 = NDArrays.concat(parts, 0);
        }
        NDArray ts = z.getManager().create(times);
        NDArray ys = Odeint.solve(new BlockField(f, ps, training, order, authorsForm), y0, ts, solver); // [T, B, d]
        return ys.transpose(1, 0, 2);
    }

    @Override
    void initializeDynamics(NDManager manager, DataType dataType, Shape latent, Shape... inputShapes) {
        for (Block e : encoders) {
            e.initialize(manager, dataType, latent);
        }
        f.initialize(manager, dataType, new Shape(latent.get(0), (authorsForm ? 1L : order) * latent.get(1)));
    }
}

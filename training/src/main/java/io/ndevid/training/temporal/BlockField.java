package io.ndevid.training.temporal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.solvers.VectorField;

import java.util.ArrayList;
import java.util.List;

/**
 * A DJL block as the vector field of a latent ODE. For order k the solver's state is [k, B, d]; f sees the
 * derivatives side by side, [B, k·d] — or, with {@code highestOnly} (the authors' form), only z^(k−1), [B, d] —
 * and returns z^(k) as [B, d]. Autonomous: f does not read t (as in the paper).
 */
final class BlockField implements VectorField {

    private final Block f;
    private final ParameterStore ps;
    private final boolean training;
    private final int order;
    private final boolean highestOnly;

    BlockField(Block f, ParameterStore ps, boolean training, int order) {
        this(f, ps, training, order, false);
    }

    BlockField(Block f, ParameterStore ps, boolean training, int order, boolean highestOnly) {
        this.f = f;
        this.ps = ps;
        this.training = training;
        this.order = order;
        this.highestOnly = highestOnly;
    }

    @Override
    public NDArray eval(NDArray t, NDArray y) {
        NDArray x = y;
        if (order > 1 && highestOnly) {
            x = y.get(order - 1);
        } else if (order > 1) {
            long b = y.getShape().get(1);
            x = y.transpose(1, 0, 2).reshape(b, -1);
        }
        return f.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    @Override
    public boolean readsTime() {
        return false;
    }

    @Override
    public List<NDArray> parameters() {
        List<NDArray> out = new ArrayList<>();
        for (Pair<String, Parameter> p : f.getParameters()) {
            out.add(p.getValue().getArray());
        }
        return out;
    }
}

package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

import java.util.List;

/**
 * z^(k) = f(t, z, z', …, z^(k-1)) rewritten as a first-order system on the stacked state Y = (z, …, z^(k-1)):
 * dY/dt = (z', …, z^(k-1), f(t, Y)).
 */
final class HigherOrderField implements VectorField {

    private final VectorField highest;
    private final int order;

    HigherOrderField(VectorField highest, int order) {
        this.highest = highest;
        this.order = order;
    }

    @Override
    public NDArray eval(NDArray t, NDArray y) {
        NDArray top = highest.eval(t, y);
        NDArray lower = y.get(new NDIndex("1:"));
        if (!top.getShape().equals(lower.getShape().slice(1))) {
            throw new IllegalArgumentException("order-" + order + " vector field returned shape " + top.getShape()
                    + ", expected the shape of z: " + lower.getShape().slice(1));
        }
        return NDArrays.concat(new NDList(lower, top.expandDims(0)), 0);
    }

    @Override
    public List<NDArray> parameters() {
        return highest.parameters();
    }

    @Override
    public boolean readsTime() {
        return highest.readsTime();
    }
}

package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * The right-hand side of an ODE, dy/dt = f(t, y).
 *
 * <p>{@code t} is a 0-d NDArray of {@code y}'s data type on {@code y}'s device; the result must have {@code y}'s
 * shape. For an {@link OdeOptions#order() order-k} problem {@code y} is the stacked state (z, z', …, z^(k-1)) with a
 * leading axis of size k, and the field returns the highest derivative z^(k), shaped like {@code y[0]}.
 *
 * <p>Implementations must not call {@code mul/div/add(Number)} on tensors that take part in autograd (see
 * docs/ENGINE.md: DJL frees the scalar too early); build scalars with {@link Scalars}.
 */
@FunctionalInterface
public interface VectorField {

    NDArray eval(NDArray t, NDArray y);

    /**
     * Whether {@link #eval} reads {@code t}. An autonomous field returns false, and fixed-step solvers then pass one
     * placeholder tensor (NaN, so a field that reads it anyway turns non-finite and is caught) instead of making a
     * 0-d tensor of every stage's time.
     */
    default boolean readsTime() {
        return true;
    }

    /**
     * The trainable tensors the field reads (each with {@code setRequiresGradient(true)}), for the adjoint method,
     * which must accumulate dL/dθ into their gradients. A field without parameters returns an empty list.
     */
    default List<NDArray> parameters() {
        return List.of();
    }
}

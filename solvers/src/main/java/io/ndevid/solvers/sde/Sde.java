package io.ndevid.solvers.sde;

import ai.djl.ndarray.NDArray;
import io.ndevid.solvers.Scalars;
import io.ndevid.solvers.VectorField;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A stochastic differential equation with diagonal noise, dY = μ(t, Y) dt + σ(t, Y) ∘ dW, where W has one
 * independent Brownian motion per element of Y and σ ∘ dW is the element-wise product.
 *
 * <p>{@code t} is a 0-d NDArray of {@code y}'s data type on {@code y}'s device. {@link #drift} and
 * {@link #diffusion} must return tensors of {@code y}'s shape and data type.
 *
 * <p>Two rules keep long solves correct and flat in memory:
 * <ul>
 *   <li>never call {@code mul/div/add/sub(Number)} on tensors that take part in autograd (DJL frees the scalar
 *       too early, docs/ENGINE.md); build scalars as tensors that own their memory ({@link Scalars}; in DJL 0.36
       {@code toType(sameType, true)} does not copy, so for float64 use {@code manager.create(v).duplicate()}
       until {@code Scalars} clones in that case);</li>
 *   <li>compute from {@code y} first ({@code y.matMul(w)}, not {@code w.matMul(y)}): DJL attaches an op's result to
 *       its first operand's manager, and the solver closes each step's intermediates by putting {@code y} in a
 *       per-step sub-manager. Results that start from a parameter land in the parameter's manager and stay there
 *       until it closes.</li>
 * </ul>
 */
public interface Sde {

    /** μ(t, y), shaped like y. */
    NDArray drift(NDArray t, NDArray y);

    /** The diagonal of σ(t, y), shaped like y: element i scales the increment of the i-th Brownian motion. */
    NDArray diffusion(NDArray t, NDArray y);

    /** The calculus the equation is written in; it decides which methods may solve it. */
    SdeType type();

    /** The structure of the noise; {@link NoiseType#DIAGONAL} unless the SDE promises more. */
    default NoiseType noiseType() {
        return NoiseType.DIAGONAL;
    }

    /**
     * Whether {@link #diffusionDerivative} is implemented. If so, Milstein uses the exact σ ∂σ/∂y instead of its
     * derivative-free finite difference (unless {@link SdeOptions#milsteinDerivativeFree()} asks otherwise).
     */
    default boolean hasDiffusionDerivative() {
        return false;
    }

    /** ∂σ_i/∂y_i(t, y), shaped like y; only called when {@link #hasDiffusionDerivative()} is true. */
    default NDArray diffusionDerivative(NDArray t, NDArray y) {
        throw new UnsupportedOperationException(getClass().getName() + " does not supply dσ/dy");
    }

    /**
     * Whether drift, diffusion or its derivative read {@code t}; when not, the solver passes one NaN placeholder
     * instead of a 0-d tensor per step ({@link VectorField#readsTime}).
     */
    default boolean readsTime() {
        return true;
    }

    /** The trainable tensors that drift and diffusion read (each with {@code setRequiresGradient(true)}). */
    default List<NDArray> parameters() {
        return List.of();
    }

    /**
     * An SDE from two {@link VectorField}s (drift and diffusion) with diagonal noise; its parameters are the
     * fields' parameters, each listed once.
     */
    static Sde of(SdeType type, VectorField drift, VectorField diffusion) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(diffusion, "diffusion");
        return new Sde() {
            @Override
            public NDArray drift(NDArray t, NDArray y) {
                return drift.eval(t, y);
            }

            @Override
            public NDArray diffusion(NDArray t, NDArray y) {
                return diffusion.eval(t, y);
            }

            @Override
            public SdeType type() {
                return type;
            }

            @Override
            public boolean readsTime() {
                return drift.readsTime() || diffusion.readsTime();
            }

            @Override
            public List<NDArray> parameters() {
                Set<NDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
                List<NDArray> out = new ArrayList<>();
                for (NDArray p : drift.parameters()) {
                    if (seen.add(p)) {
                        out.add(p);
                    }
                }
                for (NDArray p : diffusion.parameters()) {
                    if (seen.add(p)) {
                        out.add(p);
                    }
                }
                return List.copyOf(out);
            }
        };
    }
}

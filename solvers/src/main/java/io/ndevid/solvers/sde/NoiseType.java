package io.ndevid.solvers.sde;

/**
 * The structure of the diffusion term. ndevid's SDEs have one independent Brownian motion per state element, so
 * the diffusion is a tensor shaped like the state that multiplies dW element-wise.
 */
public enum NoiseType {
    /** σ_i(t, y) multiplies dW_i: each element has its own Brownian motion, with a state-dependent scale. */
    DIAGONAL,
    /**
     * Diagonal noise whose scale does not depend on the state, σ_i(t). A special case of {@link #DIAGONAL} for which
     * Itô and Stratonovich coincide, Milstein's correction vanishes and Euler–Maruyama is strong order 1. Declaring
     * it is a promise the solver does not check.
     */
    ADDITIVE
}

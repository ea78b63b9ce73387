package io.ndevid.solvers;

/** How gradients flow through an integration. */
public enum GradientMode {
    /** Record every solver step in the autograd graph (memory grows with the number of steps; exact gradients). */
    BACKPROP,
    /**
     * Keep no graph in the forward pass; gradients come from integrating the adjoint system backwards in time
     * ({@link OdeAdjoint}): memory constant in the number of steps, gradients accurate to the solver's tolerance.
     */
    ADJOINT
}

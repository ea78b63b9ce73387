package io.ndevid.solvers;

import ai.djl.ndarray.NDArray;

/**
 * The solution at the requested times plus the work it took.
 *
 * @param ys             shape {@code [len(ts), ...z.shape]} (for order k, z is y0[0])
 * @param nfe            evaluations of the vector field
 * @param acceptedSteps  solver steps kept
 * @param rejectedSteps  adaptive steps rejected by the error test (0 for fixed-step methods)
 */
public record OdeResult(NDArray ys, long nfe, long acceptedSteps, long rejectedSteps) {}

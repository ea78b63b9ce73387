/**
 * Stochastic differential equations with diagonal noise, for temporal generators whose latent path is an SDE.
 *
 * <ul>
 *   <li>{@link io.ndevid.solvers.sde.Sde}: drift μ(t, y), diagonal diffusion σ(t, y), and the calculus it is
 *       written in ({@link io.ndevid.solvers.sde.SdeType}).</li>
 *   <li>{@link io.ndevid.solvers.sde.Sdeint#solve}: fixed-step Euler–Maruyama, Milstein (Itô) and Heun
 *       (Stratonovich) landing on every output time, differentiable by backpropagation through the steps.</li>
 *   <li>{@link io.ndevid.solvers.sde.BrownianInterval}: the noise as a pure function of a seed, so a sample can be
 *       reproduced, re-rendered at a higher frame rate, or extended in time.</li>
 *   <li>{@link io.ndevid.solvers.sde.NoisePrefetch}: a solve's increments made ahead on a background thread by a
 *       caller that knows its next seeds (the same values; the solve does not wait for the Brownian tree).</li>
 * </ul>
 */
package io.ndevid.solvers.sde;

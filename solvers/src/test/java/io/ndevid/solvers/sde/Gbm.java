package io.ndevid.solvers.sde;

import io.ndevid.solvers.Scalars;
import ai.djl.ndarray.NDArray;

/**
 * Geometric Brownian motion dY = μY dt + σY dW (Itô), with exact solution Y_T = Y_0 exp((μ − σ²/2)T + σW_T). Its
 * Stratonovich form with the same solution has drift (μ − σ²/2)Y.
 */
final class Gbm implements ExactSde {

    final double mu;
    final double sigma;
    private final SdeType type;
    private final boolean exactDerivative;

    private Gbm(double mu, double sigma, SdeType type, boolean exactDerivative) {
        this.mu = mu;
        this.sigma = sigma;
        this.type = type;
        this.exactDerivative = exactDerivative;
    }

    /** The Itô SDE; {@code exactDerivative}: supply ∂σ/∂y = σ for Milstein. */
    static Gbm ito(double mu, double sigma, boolean exactDerivative) {
        return new Gbm(mu, sigma, SdeType.ITO, exactDerivative);
    }

    /** The Stratonovich SDE with the same solution as {@code ito(mu, sigma)}. */
    static Gbm stratonovich(double mu, double sigma) {
        return new Gbm(mu, sigma, SdeType.STRATONOVICH, false);
    }

    @Override
    public NDArray drift(NDArray t, NDArray y) {
        double a = type == SdeType.ITO ? mu : mu - 0.5 * sigma * sigma;
        return y.mul(Scalars.of(y, a));
    }

    @Override
    public NDArray diffusion(NDArray t, NDArray y) {
        return y.mul(Scalars.of(y, sigma));
    }

    @Override
    public SdeType type() {
        return type;
    }

    @Override
    public boolean hasDiffusionDerivative() {
        return exactDerivative;
    }

    @Override
    public NDArray diffusionDerivative(NDArray t, NDArray y) {
        return y.onesLike().mul(Scalars.of(y, sigma));
    }

    @Override
    public double exact(double y0, double t, double w) {
        return y0 * Math.exp((mu - 0.5 * sigma * sigma) * t + sigma * w);
    }
}

package io.ndevid.solvers.sde;

import io.ndevid.solvers.Scalars;
import ai.djl.ndarray.NDArray;

/**
 * A nonlinear SDE with a closed-form solution: Y = sinh(aW + asinh Y_0) solves the Itô SDE
 * dY = ½a²Y dt + a√(1 + Y²) dW (Itô's formula with f(w) = sinh(aw + c)). Its Stratonovich form has zero drift. Unlike
 * GBM, σ(y) = a√(1 + y²) is not linear, so the derivative-free Milstein term differs from the exact σσ' = a²y
 * and Heun differs from Milstein.
 */
final class SinhSde implements ExactSde {

    private final double a;
    private final SdeType type;
    private final boolean exactDerivative;

    SinhSde(double a, SdeType type, boolean exactDerivative) {
        this.a = a;
        this.type = type;
        this.exactDerivative = exactDerivative;
    }

    @Override
    public NDArray drift(NDArray t, NDArray y) {
        if (type == SdeType.STRATONOVICH) {
            return y.zerosLike();
        }
        return y.mul(Scalars.of(y, 0.5 * a * a));
    }

    @Override
    public NDArray diffusion(NDArray t, NDArray y) {
        return y.square().add(Scalars.of(y, 1.0)).sqrt().mul(Scalars.of(y, a));
    }

    @Override
    public SdeType type() {
        return type;
    }

    @Override
    public boolean hasDiffusionDerivative() {
        return exactDerivative;
    }

    /** ∂σ/∂y = a y / √(1 + y²). */
    @Override
    public NDArray diffusionDerivative(NDArray t, NDArray y) {
        return y.mul(Scalars.of(y, a)).div(y.square().add(Scalars.of(y, 1.0)).sqrt());
    }

    @Override
    public double exact(double y0, double t, double w) {
        double c = Math.log(y0 + Math.sqrt(1 + y0 * y0));
        return Math.sinh(a * w + c);
    }
}

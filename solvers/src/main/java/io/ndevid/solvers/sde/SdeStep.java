package io.ndevid.solvers.sde;

import ai.djl.ndarray.NDArray;

/**
 * One fixed step of each {@link SdeMethod}, as a pure function of the step's inputs. Every tensor here lives in the
 * step's sub-manager (y is temporarily attached to it), so whatever these functions create is closed with the step
 * unless the caller keeps the result.
 */
final class SdeStep {

    private SdeStep() {}

    /**
     * The inputs of one step from t0 to t1 = t0 + h.
     *
     * @param t0     0-d tensor of the step's start time, y's type
     * @param t1     0-d tensor of the step's end time
     * @param h      0-d tensor t1 − t0
     * @param sqrtH  0-d tensor √h (derivative-free Milstein)
     * @param halfH  0-d tensor h/2 (Heun)
     * @param half   0-d tensor ½
     * @param dW     W(t1) − W(t0), y's shape, no gradient
     */
    record Inputs(Sde sde, NDArray y, NDArray t0, NDArray t1, double t0Value, double t1Value, NDArray h,
                  NDArray sqrtH, NDArray halfH, NDArray half, NDArray dW, boolean derivativeFree) {}

    static NDArray step(SdeMethod method, Inputs in) {
        return switch (method) {
            case EULER -> eulerMaruyama(in);
            case MILSTEIN -> milstein(in);
            case HEUN -> heun(in);
        };
    }

    /** y + μ h + σ ΔW. */
    static NDArray eulerMaruyama(Inputs in) {
        NDArray f = drift(in, in.t0(), in.t0Value(), in.y());
        NDArray g = diffusion(in, in.t0(), in.t0Value(), in.y());
        return in.y().add(f.mul(in.h())).add(g.mul(in.dW()));
    }

    /**
     * Itô Milstein for diagonal noise: y + μ h + σ ΔW + ½ σ ∂σ/∂y (ΔW² − h). Without an exact ∂σ/∂y, σ ∂σ/∂y is the
     * forward difference of σ along σ√h (Kloeden–Platen's derivative-free scheme, also used by torchsde; their
     * variant adds μh to the support point, which changes only O(h^{3/2}) terms).
     */
    static NDArray milstein(Inputs in) {
        NDArray y = in.y();
        NDArray f = drift(in, in.t0(), in.t0Value(), y);
        NDArray g = diffusion(in, in.t0(), in.t0Value(), y);
        NDArray em = y.add(f.mul(in.h())).add(g.mul(in.dW()));
        if (in.sde().noiseType() == NoiseType.ADDITIVE) {
            return em;
        }
        NDArray gdg;
        if (in.sde().hasDiffusionDerivative() && !in.derivativeFree()) {
            NDArray dg = checked(in, "diffusionDerivative", in.sde().diffusionDerivative(in.t0(), y), y,
                    in.t0Value());
            gdg = g.mul(dg);
        } else {
            NDArray support = y.add(g.mul(in.sqrtH()));
            NDArray gSupport = diffusion(in, in.t0(), in.t0Value(), support);
            gdg = gSupport.sub(g).div(in.sqrtH());
        }
        NDArray iterated = in.dW().square().sub(in.h());
        return em.add(gdg.mul(in.half()).mul(iterated));
    }

    /**
     * Stochastic Heun: predictor y' = y + μ(t0, y) h + σ(t0, y) ΔW, then the trapezoid
     * y + (μ(t0, y) + μ(t1, y')) h/2 + (σ(t0, y) + σ(t1, y')) ΔW/2, which converges to the Stratonovich solution.
     */
    static NDArray heun(Inputs in) {
        NDArray y = in.y();
        NDArray f0 = drift(in, in.t0(), in.t0Value(), y);
        NDArray g0 = diffusion(in, in.t0(), in.t0Value(), y);
        NDArray predictor = y.add(f0.mul(in.h())).add(g0.mul(in.dW()));
        NDArray f1 = drift(in, in.t1(), in.t1Value(), predictor);
        NDArray g1 = diffusion(in, in.t1(), in.t1Value(), predictor);
        return y.add(f0.add(f1).mul(in.halfH())).add(g0.add(g1).mul(in.half()).mul(in.dW()));
    }

    private static NDArray drift(Inputs in, NDArray t, double tValue, NDArray y) {
        return checked(in, "drift", in.sde().drift(t, y), y, tValue);
    }

    private static NDArray diffusion(Inputs in, NDArray t, double tValue, NDArray y) {
        return checked(in, "diffusion", in.sde().diffusion(t, y), y, tValue);
    }

    /** Diagonal noise means every term is shaped and typed like y; say which term broke that, and when. */
    private static NDArray checked(Inputs in, String what, NDArray out, NDArray y, double t) {
        if (out == null) {
            throw new IllegalArgumentException("SDE " + what + " returned null at t=" + t);
        }
        if (!out.getShape().equals(y.getShape())) {
            throw new IllegalArgumentException("SDE " + what + " returned shape " + out.getShape() + " at t=" + t
                    + " but y has shape " + y.getShape() + " (diagonal noise: " + what
                    + " must be shaped like y; broadcast it explicitly)");
        }
        if (out.getDataType() != y.getDataType()) {
            throw new IllegalArgumentException("SDE " + what + " returned " + out.getDataType() + " at t=" + t
                    + " but y is " + y.getDataType());
        }
        return out;
    }
}

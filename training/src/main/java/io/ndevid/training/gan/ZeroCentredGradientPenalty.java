package io.ndevid.training.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.Scalars;
import io.ndevid.training.gan.nets.FrozenRelu;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * TGANv2's zero-centred gradient penalty on real data, R = λ·Σ_b Σ_i (∂D(x_b)/∂x_{b,i})² — summed over the batch and
 * every input element, no ½, no mean: the formula of the authors' {@code zero_centered_gp} and of TGANv2's
 * {@code DiracUpdater} (docs/FIDELITY.md). A multi-level D sums R over its levels (one call per level). Computed
 * without double backward.
 *
 * <p>A backward pass with create-graph leaks the graph into every parameter's {@code .grad} in DJL (≈ 25 MB per
 * step on a GAN D, measured with DJL 0.36), so the penalty's parameter gradient is formed from first-order passes
 * only: ∇θ R = 2λ·Σ_b (∂²D/∂θ∂x)·g_b with g = ∇ₓD(x) held fixed, and that Hessian–vector product is the central
 * difference [∇θ Σ D(x + εg) − ∇θ Σ D(x − εg)] / 2ε taken with every ReLU's on/off pattern frozen to the one at x
 * ({@link FrozenRelu}). D must be piecewise linear in its input with its kinks in {@link FrozenRelu}s (TGANv2's D:
 * convolutions, average pools, ReLUs, a sum, a linear head): then D is affine in x on those passes and the difference
 * is exact for any ε, so ε is set for round-off alone — the largest perturbation one input unit. Without the freeze,
 * ReLUs crossing zero inside ±εg made the gradient wrong by 4× its size at float32 (the golden test against
 * PyTorch's double backward on TGANv2's ResNet-3D D, {@code PenaltyGoldenTest}); other tests show memory stays flat
 * over hundreds of steps.
 *
 * <p>D must be deterministic between the three passes (no dropout, no batch statistics: TGANv2's D has neither).
 */
public final class ZeroCentredGradientPenalty {

    private ZeroCentredGradientPenalty() {}

    /**
     * Call first in a D step: zeroes D's gradients, then accumulates ∇θR into them and returns R. The caller's
     * adversarial loss backward comes after and adds to the same gradients.
     */
    public static double accumulate(GradientCollector gc, UnaryOperator<NDArray> d, List<NDArray> dParams,
                                    NDArray xReal, double lambda) {
        zero(dParams);
        NDArray x = xReal.stopGradient();
        x.setRequiresGradient(true);
        List<NDArray> masks = new ArrayList<>();
        gc.backward(FrozenRelu.recording(masks, () -> d.apply(x).sum()));
        NDArray g = x.getGradient().duplicate();
        zero(dParams); // that pass polluted θ's gradients with ∇θ ΣD(x): not part of the penalty
        double penalty = lambda * g.square().sum().toType(DataType.FLOAT64, false).getDouble();
        double maxAbs = g.abs().max().toType(DataType.FLOAT64, false).getDouble();
        if (maxAbs == 0 || lambda == 0) {
            return penalty;
        }
        double eps = 1.0 / maxAbs; // exact for any ε (see above): the largest perturbation is one input unit
        NDArray plus = xReal.stopGradient().add(g.mul(Scalars.of(g, eps)));
        NDArray minus = xReal.stopGradient().sub(g.mul(Scalars.of(g, eps)));
        NDArray diff = FrozenRelu.replaying(masks, () -> d.apply(plus).sum())
                .sub(FrozenRelu.replaying(masks, () -> d.apply(minus).sum()));
        // ∇θR = 2λ·H g = 2λ·diff / 2ε
        gc.backward(diff.mul(Scalars.of(diff, lambda / eps)));
        return penalty;
    }

    private static void zero(List<NDArray> params) {
        for (NDArray p : params) {
            NDArray g;
            try {
                g = p.getGradient();
            } catch (IllegalStateException none) {
                continue;
            }
            g.subi(g);
            g.close();
        }
    }
}

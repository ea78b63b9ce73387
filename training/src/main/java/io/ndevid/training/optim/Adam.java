package io.ndevid.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;

import java.util.List;
import java.util.Map;

/**
 * Adam with PyTorch's semantics ({@code torch.optim.Adam}, not AdamW): with {@code g = grad + weightDecay·θ} (L2
 * added to the gradient),
 * <pre>
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 * State names as PyTorch's: {@code exp_avg}, {@code exp_avg_sq}.
 */
public final class Adam extends Optimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    private Adam(List<Slot> slots, Builder b) {
        super(slots, b.lr);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
    }

    /** Defaults as PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0. */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private double lr = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay = 0;

        private Builder() {}

        public Builder learningRate(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder betas(double b1, double b2) {
            this.beta1 = b1;
            this.beta2 = b2;
            return this;
        }

        public Builder eps(double e) {
            this.eps = e;
            return this;
        }

        /** L2 penalty added to the gradient (PyTorch's {@code weight_decay}). */
        public Builder weightDecay(double wd) {
            this.weightDecay = wd;
            return this;
        }

        /** Over a block's trainable parameters. */
        public Adam build(Block block) {
            return new Adam(slotsOf(block), check());
        }

        /** Over named parameters (those that do not require a gradient are skipped). */
        public Adam build(PairList<String, Parameter> parameters) {
            return new Adam(slotsOf(parameters), check());
        }

        /** Over named raw arrays that require gradients. */
        public Adam build(Map<String, NDArray> arrays) {
            return new Adam(slotsOf(arrays), check());
        }

        private Builder check() {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1): " + beta1 + ", " + beta2);
            }
            if (!(eps > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("need eps > 0 and weight decay ≥ 0");
            }
            return this;
        }
    }

    @Override
    protected String kind() {
        return "adam";
    }

    @Override
    protected List<String> stateKinds() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    protected boolean usesParameterValues() {
        return weightDecay != 0;
    }

    @Override
    protected NDArray direction(NDArray param, NDArray grad, long step, Map<String, NDArray> state) {
        NDArray g = weightDecay == 0 ? grad : grad.add(param.mul(fixed(param, weightDecay)));
        NDArray m = state.get("exp_avg");
        NDArray v = state.get("exp_avg_sq");
        m.muli(fixed(m, beta1)).addi(g.mul(fixed(g, 1 - beta1)));
        v.muli(fixed(v, beta2)).addi(g.mul(g).muli(fixed(g, 1 - beta2)));
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        NDArray denom = v.sqrt().divi(constant(v, Math.sqrt(bc2))).addi(fixed(v, eps));
        return m.div(denom).muli(constant(m, learningRate() / bc1));
    }
}

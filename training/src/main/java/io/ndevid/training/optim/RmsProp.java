package io.ndevid.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RMSprop with PyTorch's semantics ({@code torch.optim.RMSprop}; TGAN's Chainer RMSprop is the default,
 * non-centred, momentum-free case): with {@code g = grad + weightDecay·θ},
 * <pre>
 *   s ← α·s + (1 − α)·g²
 *   centred:  a ← α·a + (1 − α)·g,  d = √(s − a²) + ε;   otherwise d = √s + ε
 *   momentum μ &gt; 0:  b ← μ·b + g / d,  θ ← θ − lr·b;   otherwise θ ← θ − lr·g / d
 * </pre>
 * State names as PyTorch's: {@code square_avg}, {@code grad_avg} (centred), {@code momentum_buffer} (momentum).
 */
public final class RmsProp extends Optimizer {

    private final double alpha;
    private final double eps;
    private final double weightDecay;
    private final double momentum;
    private final boolean centered;

    private RmsProp(List<Slot> slots, Builder b) {
        super(slots, b.lr);
        this.alpha = b.alpha;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.momentum = b.momentum;
        this.centered = b.centered;
    }

    /** Defaults as PyTorch's: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, no momentum, not centred. */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private double lr = 1e-2;
        private double alpha = 0.99;
        private double eps = 1e-8;
        private double weightDecay = 0;
        private double momentum = 0;
        private boolean centered = false;

        private Builder() {}

        public Builder learningRate(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder alpha(double a) {
            this.alpha = a;
            return this;
        }

        public Builder eps(double e) {
            this.eps = e;
            return this;
        }

        public Builder weightDecay(double wd) {
            this.weightDecay = wd;
            return this;
        }

        public Builder momentum(double mu) {
            this.momentum = mu;
            return this;
        }

        public Builder centered(boolean c) {
            this.centered = c;
            return this;
        }

        public RmsProp build(Block block) {
            return new RmsProp(slotsOf(block), check());
        }

        public RmsProp build(PairList<String, Parameter> parameters) {
            return new RmsProp(slotsOf(parameters), check());
        }

        public RmsProp build(Map<String, NDArray> arrays) {
            return new RmsProp(slotsOf(arrays), check());
        }

        private Builder check() {
            if (!(alpha >= 0 && alpha < 1) || !(eps > 0) || !(weightDecay >= 0) || !(momentum >= 0)) {
                throw new IllegalArgumentException("need alpha in [0, 1), eps > 0, weight decay ≥ 0, momentum ≥ 0");
            }
            return this;
        }
    }

    @Override
    protected String kind() {
        return "rmsprop";
    }

    @Override
    protected List<String> stateKinds() {
        List<String> k = new ArrayList<>(List.of("square_avg"));
        if (centered) {
            k.add("grad_avg");
        }
        if (momentum > 0) {
            k.add("momentum_buffer");
        }
        return k;
    }

    @Override
    protected boolean usesParameterValues() {
        return weightDecay != 0;
    }

    @Override
    protected NDArray direction(NDArray param, NDArray grad, long step, Map<String, NDArray> state) {
        NDArray g = weightDecay == 0 ? grad : grad.add(param.mul(fixed(param, weightDecay)));
        NDArray s = state.get("square_avg");
        s.muli(fixed(s, alpha)).addi(g.mul(g).muli(fixed(g, 1 - alpha)));
        NDArray d;
        if (centered) {
            NDArray a = state.get("grad_avg");
            a.muli(fixed(a, alpha)).addi(g.mul(fixed(g, 1 - alpha)));
            d = s.sub(a.mul(a)).sqrt().addi(fixed(s, eps));
        } else {
            d = s.sqrt().addi(fixed(s, eps));
        }
        NDArray lr = constant(grad, learningRate());
        if (momentum > 0) {
            NDArray b = state.get("momentum_buffer");
            b.muli(fixed(b, momentum)).addi(g.div(d));
            return b.mul(lr);
        }
        return g.div(d).muli(lr);
    }
}

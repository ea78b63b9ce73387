package io.ndevid.training.temporal;

import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/**
 * The network f of a latent ODE (or the drift of an SDE) for each {@link FVariant}: f maps the stacked state
 * (z, z′, …) of width {@code in} to the highest derivative of width {@code out}.
 */
public final class VectorFieldNet {

    private VectorFieldNet() {}

    /** f for the variant; {@code hidden} is used by DEEP and MATCHED; g∘h ends in tanh. */
    public static SequentialBlock build(FVariant variant, int out, int hidden) {
        return build(variant, out, hidden, true);
    }

    /**
     * f for the variant; {@code hidden} is used by DEEP and MATCHED. g∘h is Linear–tanh–Linear, followed by a tanh
     * when {@code ghOutputTanh} (the seed paper: g and h each "a single learned layer with a nonlinearity"; the
     * authors' code has none after the second layer).
     */
    public static SequentialBlock build(FVariant variant, int out, int hidden, boolean ghOutputTanh) {
        return switch (variant) {
            case LINEAR -> Blocks.linearTanh(out);
            case DEEP, MATCHED -> {
                if (hidden < 1) {
                    throw new IllegalArgumentException("g∘h needs a hidden width ≥ 1, got " + hidden);
                }
                yield new SequentialBlock().add(Blocks.linearTanh(hidden))
                        .add(ghOutputTanh ? Blocks.linearTanh(out) : Linear.builder().setUnits(out).build());
            }
        };
    }

    /** Parameters of f: one layer in·out + out; g∘h: H·(in + 1) + H·out + out. */
    public static long parameterCount(FVariant variant, int in, int out, int hidden) {
        return switch (variant) {
            case LINEAR -> (long) in * out + out;
            case DEEP, MATCHED -> (long) hidden * (in + 1) + (long) hidden * out + out;
        };
    }

    /**
     * The hidden width H of g∘h that brings the whole temporal generator to {@code target} parameters, given
     * {@code rest} parameters outside f (derivative encoders, the optional MLP): the H minimising
     * |rest + H·(in + 1 + out) + out − target|.
     *
     * @throws IllegalArgumentException if even H = 1 overshoots the target by more than 5 %
     */
    public static int matchedHidden(long target, long rest, int in, int out) {
        double h = (double) (target - rest - out) / (in + 1 + out);
        int best = (int) Math.max(1, Math.round(h));
        long total = rest + parameterCount(FVariant.MATCHED, in, out, best);
        if (Math.abs(total - target) > 0.05 * target) {
            throw new IllegalArgumentException(String.format("cannot match %,d parameters: with hidden width %d "
                    + "G_t has %,d (the parts outside f alone have %,d)", target, best, total, rest));
        }
        return best;
    }
}

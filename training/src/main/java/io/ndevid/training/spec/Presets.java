package io.ndevid.training.spec;

import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.List;

/**
 * Named starting points. {@code gpu-paper} is the authors' runs (docs/FIDELITY.md: 64×64, 16 frames, their
 * scripts' hyperparameters cell by cell; {@link AuthorsRuns} lists what still differs and why); the CPU presets
 * shrink sizes and widths — and raise learning rates — so that a trial learns visibly in minutes on
 * two cores. Results at CPU presets are not comparable with the paper's numbers, only with each other.
 */
public final class Presets {

    public static final List<String> NAMES = List.of("cpu-tiny", "cpu-small", "gpu-paper");

    /** The g∘h hidden width of the authors' MoCoGAN ODE2/ODE3 runs ({@code VideoGeneratorNOODE(dim_hidden=49)}). */
    public static final int AUTHORS_MOCOGAN_ORDER_HIDDEN = 49;

    private Presets() {}

    public static TrialSpec of(String preset, ModelFamily model, TemporalKind temporal, FVariant f) {
        String name = new TrialPoint(model, temporal, f).id();
        return switch (preset) {
            case "cpu-tiny" -> new TrialSpec(name, preset, model, temporal, f, 0, false, 16, 3,
                    8, 16, 1, 8, 4, 4, 4, true, false, false, "patch", "scaled", "original", "stacked", true, "rk4",
                    0.05, "euler", "sigmoid", 6, lrG(model, true), lrD(model, true), 3, 16, 3, 3, "synthetic",
                    "synthetic", 6, 1, "cpu");
            case "cpu-small" -> new TrialSpec(name, preset, model, temporal, f, 0, false, 64, 3,
                    16, 16, 1, 16, 8, 8, 16, true, false, false, "patch", "scaled", "original", "stacked", true, "rk4",
                    sdeDt(model), "euler", "sigmoid", 600, lrG(model, true), lrD(model, true), 100, 256, 100, 100,
                    "synthetic", "synthetic", 6, 1, "auto");
            // The authors' runs, cell by cell (docs/FIDELITY.md; AuthorsRuns holds their values and the reasons
            // for what still differs): batch 32, two-pass D, fresh latents for the G update, torchdiffeq's rk4
            // (the 3/8 rule), IS every 1000 iterations.
            case "gpu-paper" -> new TrialSpec(name, preset, model, temporal, f, fHidden(model, temporal, f),
                    mlpBeforeOde(model, temporal, f),
                    model == ModelFamily.MOCOGAN ? 64 : 512, model == ModelFamily.MOCOGAN ? 1 : 3,
                    16, model == ModelFamily.TGANV2 ? 192 : 64, 3, latent(model), 50, 64, 32, false, true,
                    false, "authors", "authors", "authors", "authors", false, "rk4_38", sdeDt(model), "euler", "tanh",
                    100_000, lrG(model, false), lrD(model, false), 1000, 2048, 1000, 1000, "synthetic", "synthetic", 6,
                    1, "gpu"); // GPU slots only: never silently on a CPU
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "'; known: " + NAMES);
        };
    }

    /**
     * The g∘h width of f = deep at gpu-paper: MoCoGAN's order-2/3 scripts build {@code VideoGeneratorNOODE(
     * dim_hidden=49, order=k)}, g∘h of hidden width 49 (their parameter-matched order-1 width); elsewhere 0, the
     * variant's rule (hidden = the latent dimension). The study grid runs those cells with f = deep
     * ({@code StudyGrid.orderF}).
     */
    private static int fHidden(ModelFamily model, TemporalKind temporal, FVariant f) {
        boolean authorsOrderRun = model == ModelFamily.MOCOGAN && temporal.order() > 1 && f == FVariant.DEEP;
        return authorsOrderRun ? AUTHORS_MOCOGAN_ORDER_HIDDEN : 0;
    }

    /**
     * The authors' MLP before the ODE/SDE: every TGAN ODE/SDE script has it; of MoCoGAN's only the order-1 scripts
     * with f = Linear+tanh or g∘h hidden 16 (the parameter-matched and higher-order ones build without it).
     */
    private static boolean mlpBeforeOde(ModelFamily model, TemporalKind temporal, FVariant f) {
        return switch (model) {
            case TGAN -> temporal != TemporalKind.ORIGINAL;
            case MOCOGAN -> temporal == TemporalKind.ODE1 && f != FVariant.MATCHED;
            case TGANV2 -> false;
        };
    }

    private static int latent(ModelFamily m) {
        return switch (m) {
            case TGAN -> 100;
            case MOCOGAN -> 16; // the authors' ODE code used 16 (MoCoGAN: 10)
            case TGANV2 -> 256;
        };
    }

    private static double sdeDt(ModelFamily m) {
        return m == ModelFamily.TGANV2 ? 0.05 : 0.025;
    }

    private static double lrG(ModelFamily m, boolean cpu) {
        return switch (m) {
            case TGAN -> cpu ? 2e-4 : 5e-5;
            case MOCOGAN -> 2e-4;
            case TGANV2 -> cpu ? 2e-4 : 1e-4;
        };
    }

    private static double lrD(ModelFamily m, boolean cpu) {
        return lrG(m, cpu);
    }
}

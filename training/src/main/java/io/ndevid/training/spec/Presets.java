package io.ndevid.training.spec;

import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.List;

/**
 * Named starting points. {@code gpu-paper} follows REFERENCE.md (64×64, 16 frames, the original hyperparameters);
 * the CPU presets shrink sizes and widths — and raise learning rates — so that a trial learns visibly in minutes on
 * two cores. Results at CPU presets are not comparable with the paper's numbers, only with each other.
 */
public final class Presets {

    public static final List<String> NAMES = List.of("cpu-tiny", "cpu-small", "gpu-paper");

    private Presets() {}

    public static TrialSpec of(String preset, ModelFamily model, TemporalKind temporal, FVariant f) {
        String name = new TrialPoint(model, temporal, f).id();
        return switch (preset) {
            case "cpu-tiny" -> new TrialSpec(name, preset, model, temporal, f, false, 16,
                    8, 16, 1, 8, 4, 4, 4, "rk4", 0.05, "euler",
                    6, lrG(model, true), lrD(model, true), 3, 16, 3, 3, "synthetic", "synthetic", 6, 1, "cpu");
            case "cpu-small" -> new TrialSpec(name, preset, model, temporal, f, false, 64,
                    16, 16, 1, 16, 8, 8, 16, "rk4", sdeDt(model), "euler",
                    400, lrG(model, true), lrD(model, true), 100, 256, 100, 100, "synthetic", "synthetic", 6, 1,
                    "auto");
            case "gpu-paper" -> new TrialSpec(name, preset, model, temporal, f, model == ModelFamily.TGAN, 512,
                    16, 64, 3, latent(model), 50, 64, model == ModelFamily.TGANV2 ? 32 : 64, "rk4", sdeDt(model),
                    "euler", 100_000, lrG(model, false), lrD(model, false), 2000, 2048, 2000, 2000,
                    "synthetic", "synthetic", 6, 1, "gpu"); // GPU slots only: never silently on a CPU
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "'; known: " + NAMES);
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

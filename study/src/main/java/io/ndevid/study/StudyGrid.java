package io.ndevid.study;

import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialPoint;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The paper's study as one {@link GridSpec} — the only place it is defined. Two tables:
 * <ul>
 *   <li>family × order: each base model × G_t {original, ode1, ode2, ode3, sde}, f = linear — except at
 *       {@code gpu-paper}, whose MoCoGAN ode2/ode3 cells follow the authors' runs: f = deep, of hidden width 49 (the
 *       preset's {@code fHidden}; {@link #orderF}); {@code linearOrders} keeps the seed paper's controlled form,
 *       f = linear in every cell;</li>
 *   <li>f(x) ablation: TGAN and MoCoGAN with ode1 × f {linear, deep, matched} (linear is shared with the first).</li>
 * </ul>
 * TGANv2 joins the family × order table only at {@code gpu-paper}: at the CPU presets its multi-level renderer and
 * 3-D ResNet discriminators make each step 1.2–3.8× as long as TGAN's and MoCoGAN's (measured, BENCHMARKS.md "Step
 * time at cpu-small") and 400 iterations are not enough for it to learn variety ({@link #omitted}).
 */
public final class StudyGrid {

    public static final List<TemporalKind> ORDERS = List.of(TemporalKind.ORIGINAL, TemporalKind.ODE1,
            TemporalKind.ODE2, TemporalKind.ODE3, TemporalKind.SDE);
    public static final List<FVariant> F_VARIANTS = List.of(FVariant.LINEAR, FVariant.DEEP, FVariant.MATCHED);
    /** Base models of the f(x) ablation. */
    public static final List<ModelFamily> F_MODELS = List.of(ModelFamily.TGAN, ModelFamily.MOCOGAN);

    /**
     * Training seeds per cell when the user names none: three, the fewest that give an across-seed std and a Welch
     * interval with at least two degrees of freedom per side. At cpu-small the grid is then 42 trials; from the
     * measured 8.1 min for the 14 trials of one seed on a quiet 2-core box (BENCHMARKS.md) that is an estimated
     * 24 min — an estimate, not a measurement of the 42-trial grid.
     */
    public static final int DEFAULT_SEEDS = 3;

    private StudyGrid() {}

    /** Training seeds {@code 0 … n − 1}. */
    public static List<Long> seeds(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--seeds must be ≥ 1, got " + n);
        }
        return java.util.stream.LongStream.range(0, n).boxed().toList();
    }

    /** The base models of the family × order table at {@code preset}. */
    public static List<ModelFamily> models(String preset) {
        return preset.equals("gpu-paper") ? List.of(ModelFamily.TGAN, ModelFamily.MOCOGAN, ModelFamily.TGANV2)
                : List.of(ModelFamily.TGAN, ModelFamily.MOCOGAN);
    }

    /** What this preset leaves out and why, or an empty string. */
    public static String omitted(String preset) {
        return preset.equals("gpu-paper") ? "" : "TGANv2 is left out at " + preset + " (measured at cpu-small: its "
                + "multi-level renderer and 3-D ResNet discriminators make a step 266-424 ms against 111-216 ms for "
                + "TGAN and MoCoGAN, and after 400 iterations it still lacks variety across latents; BENCHMARKS.md); "
                + "it runs at gpu-paper";
    }

    /**
     * The f of the family × order table's cell: linear, but at {@code gpu-paper} MoCoGAN's ode2 and ode3 run as the
     * authors ran them — f = deep, which the preset gives fHidden 49 there (docs/FIDELITY.md) — unless
     * {@code linearOrders} asks for the seed paper's controlled form (f = linear in every cell).
     */
    public static FVariant orderF(String preset, ModelFamily m, TemporalKind t, boolean linearOrders) {
        boolean authors = !linearOrders && preset.equals("gpu-paper") && m == ModelFamily.MOCOGAN && t.order() > 1;
        return authors ? FVariant.DEEP : FVariant.LINEAR;
    }

    /** The experiment name of the study at {@code preset}. */
    public static String name(String preset) {
        return "ablation-" + preset;
    }

    public static GridSpec forPreset(String preset) {
        return forPreset(preset, Map.of());
    }

    /** The study at {@code preset}, with spec {@code overrides} in every trial (e.g. {@code data}). */
    public static GridSpec forPreset(String preset, Map<String, JsonNode> overrides) {
        return forPreset(preset, overrides, List.of(), seeds(DEFAULT_SEEDS));
    }

    /**
     * The study at {@code preset} restricted to the points in {@code subset} (all of them when empty), named like
     * {@code tgan-ode1-linear} or {@code mocogan-original}, each trained with every one of {@code seeds}.
     *
     * @throws IllegalArgumentException for a point that is not in the study
     */
    public static GridSpec forPreset(String preset, Map<String, JsonNode> overrides, List<String> subset,
                                     List<Long> seeds) {
        return forPreset(preset, overrides, subset, seeds, false);
    }

    /** As {@link #forPreset(String, Map, List, List)}; {@code linearOrders}: f = linear in every order cell. */
    public static GridSpec forPreset(String preset, Map<String, JsonNode> overrides, List<String> subset,
                                     List<Long> seeds, boolean linearOrders) {
        Presets.of(preset, ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR); // unknown preset: an error here
        List<ModelFamily> models = models(preset);
        List<String> only = new ArrayList<>();
        for (ModelFamily m : models) {
            for (TemporalKind t : ORDERS) {
                only.add(new TrialPoint(m, t, orderF(preset, m, t, linearOrders)).id());
            }
        }
        for (ModelFamily m : F_MODELS) {
            for (FVariant f : F_VARIANTS) {
                if (f != FVariant.LINEAR) {
                    only.add(new TrialPoint(m, TemporalKind.ODE1, f).id());
                }
            }
        }
        if (!subset.isEmpty()) {
            List<String> unknown = subset.stream().filter(p -> !only.contains(p)).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("--only " + String.join(",", unknown) + ": not in the study at "
                        + preset + "; its points are " + String.join(", ", only));
            }
            only.retainAll(subset);
        }
        return new GridSpec(name(preset), preset, models, ORDERS, F_VARIANTS, seeds, overrides, Map.of(),
                GridSpec.DEFAULT_MAX_TRIALS, GridSpec.DEFAULT_MAX_FAILURES, only);
    }
}

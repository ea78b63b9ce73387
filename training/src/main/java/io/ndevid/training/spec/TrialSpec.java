package io.ndevid.training.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.ndevid.solvers.Method;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.util.ArrayList;
import java.util.List;

/**
 * One trial of the study: a value from which a run folder is reproduced. Built from a {@link Presets preset} plus
 * overrides ({@link SpecIO}); every field is checked here, once, with a message that names it.
 */
public record TrialSpec(
        @JsonPropertyDescription("trial name, used for its run folder; letters, digits, '-', '_', '.'")
        String name,
        @JsonPropertyDescription("preset the defaults came from: cpu-tiny, cpu-small, gpu-paper")
        String preset,
        @JsonPropertyDescription("base model: tgan, mocogan, tganv2")
        ModelFamily model,
        @JsonPropertyDescription("temporal generator G_t: original, ode1, ode2, ode3, sde")
        TemporalKind temporal,
        @JsonPropertyDescription("f(x) of an ODE/SDE G_t: linear, deep (g∘h), matched (g∘h with the original G_t's parameter count)")
        FVariant f,
        @JsonPropertyDescription("the authors' MLP (3 hidden layers, LeakyReLU 0.2) before the ODE/SDE")
        boolean mlpBeforeOde,
        @JsonPropertyDescription("width of that MLP")
        int mlpWidth,
        @JsonPropertyDescription("frames per video")
        int frames,
        @JsonPropertyDescription("frame height = width in pixels (16, 32, 64, ...)")
        int frameSize,
        @JsonPropertyDescription("colour channels (1 or 3)")
        int channels,
        @JsonPropertyDescription("dimension of z_t (TGAN z_slow, MoCoGAN motion, TGANv2 z)")
        int latentDim,
        @JsonPropertyDescription("MoCoGAN content dimension")
        int contentDim,
        @JsonPropertyDescription("base channel width of generators and discriminators (the paper's networks: 64)")
        int width,
        @JsonPropertyDescription("videos per batch")
        int batchSize,
        @JsonPropertyDescription("ODE method (rk4 as in the paper; any solvers method)")
        String odeMethod,
        @JsonPropertyDescription("SDE step (the paper: 0.025; 0.05 for TGANv2)")
        double sdeDt,
        @JsonPropertyDescription("SDE method: euler (Itô Euler–Maruyama, the paper), milstein")
        String sdeMethod,
        @JsonPropertyDescription("training iterations (one D and one G update each)")
        long iterations,
        @JsonPropertyDescription("generator learning rate")
        double lrG,
        @JsonPropertyDescription("discriminator learning rate")
        double lrD,
        @JsonPropertyDescription("IS evaluation every this many iterations (0: none)")
        int evalInterval,
        @JsonPropertyDescription("samples per periodic IS evaluation (the paper: 2048)")
        int evalSamples,
        @JsonPropertyDescription("checkpoint every this many iterations")
        int checkpointInterval,
        @JsonPropertyDescription("sample GIF every this many iterations")
        int sampleInterval,
        @JsonPropertyDescription("data: synthetic, ucf101=DIR, or hdf5=FILE")
        String data,
        @JsonPropertyDescription("IS/FID evaluator: synthetic (ndevid's C3D trained on the synthetic set, with the "
                + "synthetic data) or c3d=FILE (a user-supplied C3D — .npz with Chainer's names or a DJL .params — "
                + "with real data: ucf101=DIR or hdf5=FILE)")
        String evaluator,
        @JsonPropertyDescription("classes of the synthetic data set")
        int dataClasses,
        @JsonPropertyDescription("trial seed: every random draw derives from it")
        long seed,
        @JsonPropertyDescription("device: cpu (CPU slots only), gpu (GPU slots only) or auto (any slot); a trainer "
                + "sees its slot's GPU as gpu:0, so no other index")
        String device) {

    public TrialSpec {
        List<String> bad = new ArrayList<>();
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,120}")) {
            bad.add("name must be 1-120 of [A-Za-z0-9._-], got '" + name + "'");
        }
        if (model == null) {
            bad.add("model must be one of tgan, mocogan, tganv2");
        }
        if (temporal == null) {
            bad.add("temporal must be one of original, ode1, ode2, ode3, sde");
        }
        if (f == null) {
            bad.add("f must be one of linear, deep, matched");
        }
        positive(bad, "frames", frames, 2);
        positive(bad, "frameSize", frameSize, 8);
        if (frameSize > 0 && Integer.bitCount(frameSize) != 1) {
            bad.add("frameSize must be a power of two (the up-sampling blocks double it), got " + frameSize);
        }
        if (channels != 1 && channels != 3) {
            bad.add("channels must be 1 or 3, got " + channels);
        }
        positive(bad, "latentDim", latentDim, 1);
        positive(bad, "contentDim", contentDim, 1);
        positive(bad, "width", width, 1);
        positive(bad, "batchSize", batchSize, 2);
        positive(bad, "mlpWidth", mlpWidth, 1);
        try {
            Method.parse(odeMethod == null ? "" : odeMethod);
        } catch (IllegalArgumentException e) {
            bad.add("odeMethod: " + e.getMessage());
        }
        if (!(sdeDt > 0 && sdeDt <= 1)) {
            bad.add("sdeDt must be in (0, 1], got " + sdeDt);
        }
        if (sdeMethod == null || !(sdeMethod.equals("euler") || sdeMethod.equals("milstein"))) {
            bad.add("sdeMethod must be euler or milstein, got " + sdeMethod);
        }
        if (iterations < 1) {
            bad.add("iterations must be ≥ 1, got " + iterations);
        }
        if (!(lrG > 0) || !(lrD > 0)) {
            bad.add("lrG and lrD must be > 0, got " + lrG + ", " + lrD);
        }
        if (evalInterval < 0 || checkpointInterval < 1 || sampleInterval < 0) {
            bad.add("evalInterval ≥ 0, checkpointInterval ≥ 1, sampleInterval ≥ 0 needed");
        }
        positive(bad, "evalSamples", evalSamples, 2);
        if (data == null || !(data.equals("synthetic") || data.startsWith("ucf101=") || data.startsWith("hdf5="))) {
            bad.add("data must be synthetic, ucf101=DIR or hdf5=FILE, got " + data);
        }
        if (evaluator == null || !(evaluator.equals("synthetic")
                || (evaluator.startsWith("c3d=") && evaluator.length() > "c3d=".length()))) {
            bad.add("evaluator must be synthetic or c3d=FILE, got " + evaluator);
        }
        positive(bad, "dataClasses", dataClasses, 2);
        if (device == null || !device.trim().toLowerCase(java.util.Locale.ROOT)
                .matches("auto|cpu|gpu|cuda|gpu:0|cuda:0")) {
            bad.add("device must be cpu, gpu or auto, got '" + device + "' (a trainer sees only its slot's GPU, as "
                    + "gpu:0: choose GPUs with the node's CUDA_VISIBLE_DEVICES, not in the trial)");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid trial spec: " + String.join("; ", bad));
        }
    }

    private static void positive(List<String> bad, String field, long v, long min) {
        if (v < min) {
            bad.add(field + " must be ≥ " + min + ", got " + v);
        }
    }

    /** The study point this trial belongs to (its model × G_t × f), which names it. */
    public TrialPoint point() {
        return TrialPoint.of(this);
    }

    /** The identifier the paper's tables use, e.g. {@code tgan / ode1 / linear}: {@link TrialPoint#label()}. */
    public String configId() {
        return point().label();
    }

    public Method odeMethodParsed() {
        return Method.parse(odeMethod);
    }
}

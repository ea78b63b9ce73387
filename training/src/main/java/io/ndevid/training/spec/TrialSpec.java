package io.ndevid.training.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.ndevid.solvers.Method;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.SdeTemporalGenerator;
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
        @JsonPropertyDescription("hidden width of g∘h when f is deep (0: the variant's rule, the latent dimension; "
                + "gpu-paper: 49 in MoCoGAN's ode2/ode3 cells, as the authors' runs); must be 0 for linear and "
                + "matched (which solves its width)")
        int fHidden,
        @JsonPropertyDescription("the authors' MLP before the ODE/SDE (Linear + LeakyReLU 0.2 layers, the last one "
                + "back to the latent size)")
        boolean mlpBeforeOde,
        @JsonPropertyDescription("width of that MLP's hidden layers (the authors: TGAN 512, MoCoGAN 64)")
        int mlpWidth,
        @JsonPropertyDescription("hidden layers of that MLP (the authors: TGAN 3, MoCoGAN 1)")
        int mlpLayers,
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
        @JsonPropertyDescription("TGAN: D sees real and fake videos in one concatenated batch (shared BatchNorm "
                + "statistics); false: two passes, as TGAN's and the authors' code")
        boolean dJointBatch,
        @JsonPropertyDescription("the G update draws new latents, as the authors' scripts do; false: it reuses the "
                + "fake batch of the D update")
        boolean freshFakesForG,
        @JsonPropertyDescription("TGANv2: update G before D in each iteration (TGANv2's DiracUpdater); false: D then "
                + "G (the authors' script)")
        boolean gFirst,
        @JsonPropertyDescription("MoCoGAN's networks: authors (the authors' scripts: patch image D, the full video D "
                + "to one logit, no bias in G or the Ds) or patch (patch image and video Ds, biases on the first and "
                + "last layer of each network)")
        String mocoganNets,
        @JsonPropertyDescription("TGANv2's architecture: authors (their script: a 3×3 seed map of 16·width channels, "
                + "levels at frameSize/8 … frameSize with every 4th frame and the whole batch, five-block ResNet Ds "
                + "of width … 16·width; frameSize 3·2^k, 192 in their script) or scaled (a 4×4 seed map of 8·width "
                + "channels, every 2nd frame and half the batch per level)")
        String tganv2Arch,
        @JsonPropertyDescription("initialisation: authors (the seed paper's authors' scripts: TGAN's D Xavier-normal "
                + "gain √2, MoCoGAN PyTorch's defaults, biases PyTorch's default) or original (TGAN U(±0.01), "
                + "MoCoGAN DCGAN N(0, 0.02), biases 0)")
        String init,
        @JsonPropertyDescription("order-2/3 ODE form: authors (every initial state a Linear encoding, f sees the "
                + "highest derivative only) or stacked (z0 = the input, encoders for the derivatives, f sees them all)")
        String odeForm,
        @JsonPropertyDescription("g∘h (f deep/matched) ends in tanh, as the seed paper words it; false: "
                + "Linear–tanh–Linear, the authors' code")
        boolean ghOutputTanh,
        @JsonPropertyDescription("ODE method (rk4 as in the paper; any solvers method)")
        String odeMethod,
        @JsonPropertyDescription("SDE step (the paper: 0.025; 0.05 for TGANv2)")
        double sdeDt,
        @JsonPropertyDescription("SDE method: euler (Itô Euler–Maruyama, the paper), milstein")
        String sdeMethod,
        @JsonPropertyDescription("SDE diffusion σ(z) = act(Linear(z)): tanh (the authors' TGAN-SDE) or sigmoid "
                + "(positive)")
        String sdeDiffusion,
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
                + "synthetic data) or c3d=FILE,mean=MEAN.npz[,route=…][,dropout=…] (a user-supplied C3D — .npz with "
                + "Chainer's names or a DJL .params — and its mean clip, with real data: ucf101=DIR or hdf5=FILE; "
                + "the metrics module's UserC3dSpec reads the rest)")
        String evaluator,
        @JsonPropertyDescription("classes of the synthetic data set")
        int dataClasses,
        @JsonPropertyDescription("trial seed: every random draw derives from it")
        long seed,
        @JsonPropertyDescription("device: cpu (CPU slots only), gpu (GPU slots only) or auto (any slot); a trainer "
                + "sees its slot's GPU as gpu:0, so no other index")
        String device) {

    /** The initialisations {@code init} may name. */
    public static final List<String> INITS = List.of("authors", "original");

    /** The TGANv2 architectures {@code tganv2Arch} may name. */
    public static final List<String> TGANV2_ARCHS = List.of("authors", "scaled");

    /** The MoCoGAN network sets {@code mocoganNets} may name. */
    public static final List<String> MOCOGAN_NETS = List.of("authors", "patch");

    /** The higher-order ODE forms {@code odeForm} may name. */
    public static final List<String> ODE_FORMS = List.of("authors", "stacked");

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
        if (fHidden < 0) {
            bad.add("fHidden must be ≥ 0 (0: the f variant's rule), got " + fHidden);
        } else if (fHidden > 0 && f != null && f != FVariant.DEEP) {
            bad.add("fHidden sets the g∘h width of f = deep only (linear has none, matched solves its own), got "
                    + fHidden + " with f = " + f.id());
        }
        positive(bad, "frames", frames, 2);
        positive(bad, "frameSize", frameSize, 8);
        boolean v2Authors = model == ModelFamily.TGANV2 && "authors".equals(tganv2Arch);
        if (v2Authors && frameSize > 0 && (frameSize % 3 != 0 || Integer.bitCount(frameSize / 3) != 1)) {
            bad.add("frameSize must be 3·2^k for the authors' TGANv2 (a 3×3 seed map doubled; their script: 192), "
                    + "got " + frameSize);
        } else if (!v2Authors && frameSize > 0 && Integer.bitCount(frameSize) != 1) {
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
        positive(bad, "mlpLayers", mlpLayers, 1);
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
        if (!TGANV2_ARCHS.contains(tganv2Arch)) {
            bad.add("tganv2Arch must be one of " + TGANV2_ARCHS + ", got " + tganv2Arch);
        }
        if (!MOCOGAN_NETS.contains(mocoganNets)) {
            bad.add("mocoganNets must be one of " + MOCOGAN_NETS + ", got " + mocoganNets);
        }
        if (!ODE_FORMS.contains(odeForm)) {
            bad.add("odeForm must be one of " + ODE_FORMS + ", got " + odeForm);
        }
        if (!INITS.contains(init)) {
            bad.add("init must be one of " + INITS + ", got " + init);
        }
        if (!SdeTemporalGenerator.DIFFUSIONS.contains(sdeDiffusion)) {
            bad.add("sdeDiffusion must be one of " + SdeTemporalGenerator.DIFFUSIONS + ", got " + sdeDiffusion);
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
            bad.add("evaluator must be synthetic or c3d=FILE,mean=MEAN.npz[,…], got " + evaluator);
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

    /** True when the spec asks for the authors' initialisation. */
    public boolean authorsInit() {
        return init.equals("authors");
    }

    public Method odeMethodParsed() {
        return Method.parse(odeMethod);
    }
}

package io.ndevid.training.golden;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.training.gan.nets.Discriminators;
import io.ndevid.training.gan.nets.Generators;
import io.ndevid.training.gan.nets.TganImageGenerator;
import io.ndevid.training.gan.nets.TganV2Renderer;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.ConvLstmTemporalGenerator;
import io.ndevid.training.temporal.DeconvTemporalGenerator;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.GruTemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.ndevid.training.golden.Closeness.assertClose;

/**
 * One forward of each GAN's networks at gpu-paper shapes against PyTorch twins ({@code golden.py}) holding the
 * same weights: TGAN's G_t (1-D deconvolutions), image generator and 3-D D; MoCoGAN's GRU G_t (against
 * {@code torch.nn.GRUCell}), image generator, image D and video D; TGANv2's FC + conv-LSTM G_t, multi-level renderer
 * (training path: frame and batch subsampling with fixed offsets; and the full-resolution inference render of one
 * video) and the per-level 3-D ResNet Ds.
 *
 * <p>Widths, latent sizes, frame size and frames come from {@link Presets} {@code gpu-paper} (the twins read them
 * from the config this test writes, and take every width from the exported parameter shapes), so the test follows
 * the preset. The batch is {@value #BATCH} videos (TGANv2's levels: max(1, B/2^l)) to keep the default suite fast;
 * the arithmetic per video is the full-size one. Every parameter is re-drawn (weights U(±√(3/fan-in)), biases
 * U(±0.1), BatchNorm γ ∈ [0.5, 1.5], β ∈ ±0.3, running mean ∈ ±0.2, running variance ∈ [0.5, 2]) so that no layer
 * is an identity. Latents, GRU noise and D inputs are drawn here and sent to Python: randomness is not compared.
 *
 * <p>BatchNorm: each network with BatchNorm runs twice, in inference mode (running statistics) and then in training
 * mode (batch statistics, as in a training step); PyTorch does the same with {@code F.batch_norm}. Tolerance: max
 * |Δ| ≤ {@value #TOL} × max |PyTorch| per tensor, float32. Measured 2026-12-02 (libtorch 2.7.1 in DJL, torch 1.13
 * in Python, one CPU): inference mode ≤ 1e-6, training mode ≤ 8.3e-6 (batch statistics divide by a small batch
 * variance, which amplifies rounding); the Ds agreed to the bit or within 1.4e-6.
 *
 * <p>Gradients ({@link #gradientsMatchPyTorch}): training mode, Σ y² through every D, TGAN's 1-D G_t and MoCoGAN's
 * image generator, with respect to the input and every trainable parameter (BatchNorm γ and β included), against
 * PyTorch's autograd; same tolerance, measured ≤ 6.5e-6.
 */
class ModelForwardGoldenTest extends GoldenTestBase {

    static final int BATCH = 2;
    static final double TOL = 5e-5;
    /** Frames through MoCoGAN's image generator for its gradients. */
    static final int GRADIENT_FRAMES = 4;

    private TensorExchange.Tensors golden;
    private final Map<String, NDArray> IN = new LinkedHashMap<>();
    private final Map<String, Block> NETS = new LinkedHashMap<>();
    /** Every parameter's exported values: a training-mode BatchNorm pass moves the running statistics in place. */
    private final Map<Parameter, float[]> EXPORTED = new LinkedHashMap<>();
    private TrialSpec tgan;
    private TrialSpec moco;
    private TrialSpec v2;
    private int[] v2Batches;
    private int[] v2Offsets;


    @Override
    protected void writeGolden(Path dir) {
        tgan = Presets.of("gpu-paper", ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
        moco = Presets.of("gpu-paper", ModelFamily.MOCOGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
        // The twin mirrors the scaled TGANv2 (4×4 seed map, every 2nd frame, batch halving) at 64 px; gpu-paper's
        // authors' architecture is not twinned here (its D is, in PenaltyGoldenTest).
        v2 = SpecIO.parse("{\"preset\": \"gpu-paper\", \"model\": \"tganv2\", \"tganv2Arch\": \"scaled\", "
                + "\"frameSize\": 64}");
        TensorExchange ex = new TensorExchange();
        long seed = 1;

        // TGAN
        int d = tgan.latentDim();
        int n = BATCH * tgan.frames();
        net(ex, "tgan/temporal", new DeconvTemporalGenerator(d, tgan.frames(), tgan.width()), seed++,
                new Shape(BATCH, d));
        net(ex, "tgan/image", new TganImageGenerator(d, tgan.width(), tgan.frameSize(), tgan.channels()), seed++,
                new Shape(n, d), new Shape(n, d));
        net(ex, "tgan/D", Discriminators.tgan(tgan.frameSize(), tgan.frames(), tgan.width()), seed++,
                video(tgan, BATCH));
        input(ex, "tgan/z_slow", Randomness.uniform(manager, new Shape(BATCH, d), -1, 1, seed++, DataType.FLOAT32));
        input(ex, "tgan/video", Randomness.uniform(manager, video(tgan, BATCH), -1, 1, seed++, DataType.FLOAT32));
        ex.config("tgan", sizes(tgan));

        // MoCoGAN
        int m = moco.latentDim();
        int zDim = moco.contentDim() + m;
        net(ex, "mocogan/temporal", new GruTemporalGenerator(m, m, moco.frames()), seed++, new Shape(BATCH, m));
        net(ex, "mocogan/image", Generators.mocogan(zDim, moco.width(), moco.frameSize(), moco.channels()), seed++,
                new Shape((long) BATCH * moco.frames(), zDim, 1, 1));
        net(ex, "mocogan/DI", Discriminators.mocoganImage(moco.frameSize(), moco.width()), seed++, image(moco));
        net(ex, "mocogan/DV", Discriminators.mocoganVideo(moco.frameSize(), moco.frames(), moco.width()), seed++,
                video(moco, BATCH));
        // mocoganNets authors (gpu-paper): MoCoGAN's full video D to one logit, no biases
        net(ex, "mocogan/DVfull", Discriminators.mocoganVideoFull(moco.frameSize(), moco.frames(), moco.width()),
                seed++, video(moco, BATCH));
        input(ex, "mocogan/z_motion", Randomness.normal(manager, new Shape(BATCH, m), seed++, DataType.FLOAT32));
        input(ex, "mocogan/noise", Randomness.normal(manager, new Shape(BATCH, moco.frames(), m), seed++,
                DataType.FLOAT32));
        input(ex, "mocogan/z_content", Randomness.normal(manager, new Shape(BATCH, moco.contentDim()), seed++,
                DataType.FLOAT32));
        input(ex, "mocogan/image", Randomness.uniform(manager, image(moco), -1, 1, seed++, DataType.FLOAT32));
        input(ex, "mocogan/video", Randomness.uniform(manager, video(moco, BATCH), -1, 1, seed++, DataType.FLOAT32));
        input(ex, "mocogan/image_z", Randomness.normal(manager, new Shape(GRADIENT_FRAMES, zDim, 1, 1), seed++,
                DataType.FLOAT32));
        Map<String, Object> mocoSizes = sizes(moco);
        mocoSizes.put("contentDim", moco.contentDim());
        ex.config("mocogan", mocoSizes);

        // TGANv2: the generator as TganV2 wires it (FC → conv-LSTM over the 4×4 map → renderer levels)
        TganV2Renderer renderer = new TganV2Renderer(v2.latentDim(), v2.width(), v2.frameSize(), v2.channels());
        net(ex, "tganv2/renderer", renderer, seed++, new Shape((long) BATCH * v2.frames(), v2.latentDim()));
        net(ex, "tganv2/temporal", new ConvLstmTemporalGenerator(renderer.baseChannels(), 4, v2.frames()), seed++,
                new Shape(BATCH, 16L * renderer.baseChannels()));
        int levels = renderer.levels();
        v2Batches = new int[levels];
        v2Offsets = new int[levels];
        List<Integer> sizes = new ArrayList<>();
        for (int l = 0; l < levels; l++) {
            v2Batches[l] = Math.max(1, BATCH >> l);
            v2Offsets[l] = l % 2; // level 1 starts at frame 1, level 2 at frame 0, …
            int size = renderer.sizeAt(l);
            sizes.add(size);
            Shape in = new Shape(v2Batches[l], v2.channels(), v2.frames() >> l, size, size);
            net(ex, "tganv2/D" + l, Discriminators.tganv2Level(size, v2.width(), v2.channels()), seed++, in);
            input(ex, "tganv2/video" + l, Randomness.uniform(manager, in, -1, 1, seed++, DataType.FLOAT32));
        }
        input(ex, "tganv2/z", Randomness.uniform(manager, new Shape(BATCH, v2.latentDim()), -1, 1, seed++,
                DataType.FLOAT32));
        input(ex, "tganv2/z_full", Randomness.uniform(manager, new Shape(1, v2.latentDim()), -1, 1, seed++,
                DataType.FLOAT32));
        Map<String, Object> v2Sizes = sizes(v2);
        v2Sizes.put("levelSizes", sizes);
        v2Sizes.put("levelBatches", v2Batches);
        v2Sizes.put("offsets", v2Offsets);
        ex.config("tganv2", v2Sizes);

        golden = GoldenPython.run("models", ex, dir);
    }

    private Map<String, Object> sizes(TrialSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("frames", s.frames());
        m.put("frameSize", s.frameSize());
        m.put("latentDim", s.latentDim());
        m.put("width", s.width());
        m.put("channels", s.channels());
        return m;
    }

    private Shape video(TrialSpec s, long b) {
        return new Shape(b, s.channels(), s.frames(), s.frameSize(), s.frameSize());
    }

    private Shape image(TrialSpec s) {
        return new Shape(BATCH, s.channels(), s.frameSize(), s.frameSize());
    }

    private void net(TensorExchange ex, String name, Block block, long seed, Shape... inputs) {
        block.initialize(manager, DataType.FLOAT32, inputs);
        redraw(block, seed);
        NETS.put(name, block);
        ex.parameters(name, block);
        for (Pair<String, Parameter> p : block.getParameters()) {
            EXPORTED.put(p.getValue(), p.getValue().getArray().toFloatArray());
        }
    }

    /** Each test starts from the weights and running statistics Python received, whatever ran before it. */
    @BeforeEach
    void restoreExportedParameters() {
        EXPORTED.forEach((p, v) -> p.getArray().set(FloatBuffer.wrap(v)));
    }

    private void input(TensorExchange ex, String name, NDArray a) {
        IN.put(name, a);
        ex.tensor(name, a);
    }

    /** Re-draws every parameter so that no layer is an identity (see the class comment). */
    static void redraw(Block block, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            Shape s = a.getShape();
            double lo;
            double hi;
            switch (p.getValue().getType()) {
                case WEIGHT -> {
                    double bound = Math.sqrt(3.0 * s.get(0) / s.size());
                    lo = -bound;
                    hi = bound;
                }
                case GAMMA -> {
                    lo = 0.5;
                    hi = 1.5;
                }
                case BETA -> {
                    lo = -0.3;
                    hi = 0.3;
                }
                case RUNNING_MEAN -> {
                    lo = -0.2;
                    hi = 0.2;
                }
                case RUNNING_VAR -> {
                    lo = 0.5;
                    hi = 2;
                }
                default -> {
                    lo = -0.1;
                    hi = 0.1;
                }
            }
            float[] v = new float[Math.toIntExact(s.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble(lo, hi);
            }
            a.set(FloatBuffer.wrap(v));
        }
    }

    @SuppressWarnings("unchecked")
    private <B extends Block> B net(String name) {
        return (B) NETS.get(name);
    }

    private NDArray forward(Block b, NDManager m, boolean training, NDArray... x) {
        return b.forward(new ParameterStore(m, false), new NDList(x), training).singletonOrThrow();
    }

    /** A copy of an input, owned by {@code m} (so that what is computed from it closes with m). */
    private NDArray in(NDManager m, String name) {
        return copyInto(m, IN.get(name));
    }

    /** [B·T, C, H, W] → [B, C, T, H, W]. */
    private NDArray toVideo(NDArray frames, long b, long t) {
        Shape f = frames.getShape();
        return frames.reshape(b, t, f.get(1), f.get(2), f.get(3)).transpose(0, 2, 1, 3, 4);
    }

    private String mode(boolean training) {
        return training ? "train" : "eval";
    }

    @Test
    void tganGeneratorMatchesItsTwin() {
        GoldenPython.assumeAvailable();
        for (boolean training : new boolean[] {false, true}) {
            try (NDManager m = manager.newSubManager()) {
                NDArray z = in(m, "tgan/z_slow");
                NDArray zt = forward(net("tgan/temporal"), m, training, z);
                assertClose("TGAN G_t z_t (" + mode(training) + ")", golden.get("tgan/z_t/" + mode(training)), zt,
                        TOL);
                long t = zt.getShape().get(1);
                long d = zt.getShape().get(2);
                NDArray slow = z.expandDims(1).repeat(1, t).reshape(BATCH * t, d);
                NDArray frames = forward(net("tgan/image"), m, training, slow, zt.reshape(BATCH * t, d));
                assertClose("TGAN G video (" + mode(training) + ")", golden.get("tgan/video/" + mode(training)),
                        toVideo(frames, BATCH, t), TOL);
            }
        }
    }

    @Test
    void tganDiscriminatorMatchesItsTwin() {
        GoldenPython.assumeAvailable();
        for (boolean training : new boolean[] {false, true}) {
            try (NDManager m = manager.newSubManager()) {
                assertClose("TGAN D (" + mode(training) + ")", golden.get("tgan/D/" + mode(training)),
                        forward(net("tgan/D"), m, training, in(m, "tgan/video")), TOL);
            }
        }
    }

    @Test
    void mocoganGeneratorMatchesItsTwin() {
        GoldenPython.assumeAvailable();
        for (boolean training : new boolean[] {false, true}) {
            try (NDManager m = manager.newSubManager()) {
                NDArray zm = forward(net("mocogan/temporal"), m, training, in(m, "mocogan/z_motion"),
                        in(m, "mocogan/noise"));
                assertClose("MoCoGAN G_t z_M (" + mode(training) + ")", golden.get("mocogan/z_m/" + mode(training)),
                        zm, TOL);
                long t = zm.getShape().get(1);
                NDArray zc = in(m, "mocogan/z_content").expandDims(1).repeat(1, t);
                NDArray z = zc.concat(zm, 2).reshape(BATCH * t, -1, 1, 1);
                NDArray frames = forward(net("mocogan/image"), m, training, z);
                assertClose("MoCoGAN G video (" + mode(training) + ")",
                        golden.get("mocogan/video/" + mode(training)), toVideo(frames, BATCH, t), TOL);
            }
        }
    }

    @Test
    void mocoganDiscriminatorsMatchTheirTwins() {
        GoldenPython.assumeAvailable();
        for (boolean training : new boolean[] {false, true}) {
            try (NDManager m = manager.newSubManager()) {
                assertClose("MoCoGAN image D (" + mode(training) + ")", golden.get("mocogan/DI/" + mode(training)),
                        forward(net("mocogan/DI"), m, training, in(m, "mocogan/image")), TOL);
                assertClose("MoCoGAN video D (" + mode(training) + ")", golden.get("mocogan/DV/" + mode(training)),
                        forward(net("mocogan/DV"), m, training, in(m, "mocogan/video")), TOL);
                assertClose("MoCoGAN full video D (" + mode(training) + ")",
                        golden.get("mocogan/DVfull/" + mode(training)),
                        forward(net("mocogan/DVfull"), m, training, in(m, "mocogan/video")), TOL);
            }
        }
    }

    @Test
    void tganv2GeneratorMatchesItsTwin() {
        GoldenPython.assumeAvailable();
        TganV2Renderer renderer = net("tganv2/renderer");
        for (boolean training : new boolean[] {false, true}) {
            try (NDManager m = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                NDArray map0 = renderer.project(ps, in(m, "tganv2/z"), training);
                NDArray maps = forward(net("tganv2/temporal"), m, training, map0);
                assertClose("TGANv2 G_t maps (" + mode(training) + ")", golden.get("tganv2/maps/" + mode(training)),
                        maps, TOL);
                List<NDArray> videos = renderer.levels(ps, maps, v2Offsets, v2Batches, training);
                for (int l = 0; l < videos.size(); l++) {
                    assertClose("TGANv2 G level " + l + " (" + mode(training) + ")",
                            golden.get("tganv2/level" + l + "/" + mode(training)), videos.get(l), TOL);
                }
            }
        }
    }

    /** The inference render (samples for IS/FID): every frame at full size, one video. */
    @Test
    void tganv2FullRenderMatchesItsTwin() {
        GoldenPython.assumeAvailable();
        TganV2Renderer renderer = net("tganv2/renderer");
        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray maps = forward(net("tganv2/temporal"), m, false, renderer.project(ps, in(m, "tganv2/z_full"),
                    false));
            assertClose("TGANv2 G full render", golden.get("tganv2/full"), renderer.full(ps, maps, false), TOL);
        }
    }

    @Test
    void tganv2DiscriminatorsMatchTheirTwins() {
        GoldenPython.assumeAvailable();
        for (int l = 0; l < v2Batches.length; l++) {
            for (boolean training : new boolean[] {false, true}) {
                try (NDManager m = manager.newSubManager()) {
                    SequentialBlock dl = net("tganv2/D" + l);
                    assertClose("TGANv2 D level " + l + " (" + mode(training) + ")",
                            golden.get("tganv2/D" + l + "/" + mode(training)),
                            forward(dl, m, training, in(m, "tganv2/video" + l)), TOL);
                }
            }
        }
    }

    /**
     * Training-mode gradients of Σ y² (y the network's output) with respect to the input and every trainable
     * parameter, for every D, TGAN's 1-D G_t and MoCoGAN's image generator ({@value #GRADIENT_FRAMES} frames).
     */
    @TestFactory
    Stream<DynamicTest> gradientsMatchPyTorch() {
        return GoldenPython.dynamicTests(() -> {
            List<String[]> nets = new ArrayList<>(List.of(new String[] {"tgan/D", "tgan/video"},
                    new String[] {"mocogan/DI", "mocogan/image"}, new String[] {"mocogan/DV", "mocogan/video"},
                    new String[] {"mocogan/DVfull", "mocogan/video"}, new String[] {"tgan/temporal", "tgan/z_slow"},
                    new String[] {"mocogan/image", "mocogan/image_z"}));
            for (int l = 0; l < v2Batches.length; l++) {
                nets.add(new String[] {"tganv2/D" + l, "tganv2/video" + l});
            }
            return nets.stream().map(n -> DynamicTest.dynamicTest(n[0], () -> checkGradients(n[0], n[1])));
        });
    }

    private void checkGradients(String group, String input) {
        restoreExportedParameters();
        Block net = NETS.get(group);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = in(m, input);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.zeroGradients();
                NDArray y = forward(net, m, true, x);
                gc.backward(y.mul(y).sum());
            }
            assertClose(group + " dL/dx", golden.get(group + "/grad/x"), x.getGradient(), TOL);
            int i = 0;
            for (Pair<String, Parameter> p : net.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    assertClose(group + " dL/d" + p.getKey(), golden.get(group + "/grad/" + i),
                            p.getValue().getArray().getGradient(), TOL);
                }
                i++;
            }
        }
    }
}

package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.gan.nets.Composite;
import io.ndevid.training.gan.nets.Discriminators;
import io.ndevid.training.gan.nets.Init;
import io.ndevid.training.gan.nets.TganV2Renderer;
import io.ndevid.training.optim.Adam;
import io.ndevid.training.optim.Optimizer;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.ConvLstmTemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.util.Randomness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * TGANv2 ("train sparsely, generate densely"; Saito, Saito &amp; Koyama 2020), scaled by the spec (docs/FIDELITY.md
 * lists its open differences). z ~ U(−1, 1) (latentDim); the original G_t is the conv-LSTM
 * ({@link ConvLstmTemporalGenerator}) over
 * the (8·width)×4×4 map FC(z) (zero input after t = 0). An ODE/SDE G_t runs on the latent vector instead and the same
 * FC lifts each z_t to its 4×4 map — so every G_t feeds the image side identically and the conv-LSTM's parameters
 * are what f = matched matches. The image side ({@link TganV2Renderer}) renders {@code L} levels with frame and
 * batch subsampling (factor 2 per level, random frame offset); one 3-D ResNet D per level (no BatchNorm); real videos
 * are average-pooled to each level's size and subsampled the same way (their own offsets).
 *
 * <p>Loss: softplus non-saturating, the mean over all levels' logits together, plus the zero-centred gradient
 * penalty on real data λ·Σ over levels, batch and elements of (∂D/∂x)², λ = 0.5 ({@link ZeroCentredGradientPenalty});
 * Adam (β = 0, 0.9) for G and D; both learning rates decay linearly to 0 over {@code spec.iterations()} (iteration i
 * uses lr·(1 − i/iterations)). Order: D then G (the authors), or G then D on the same batch with {@code gFirst}
 * (TGANv2's updater). Batch at level l:
 * max(1, B / 2^l). Initialisation: Xavier-uniform (gain √2 on the residual convolutions, 1 elsewhere), biases 0;
 * an ODE/SDE G_t Xavier-uniform with gain √2.
 */
public final class TganV2 extends AbstractVideoGan {

    static final double GP_LAMBDA = 0.5;

    private final TganV2Renderer renderer;
    private final List<SequentialBlock> levelDs = new ArrayList<>();
    private final Composite g;
    private final Composite d;
    private final Optimizer optG;
    private final Optimizer optD;
    private final int levels;
    private final int[] batches;
    private final Geometry geo;
    private List<Shape> lastFakeShapes = List.of();
    private List<Shape> lastRealShapes = List.of();

    /**
     * The architecture's numbers. The authors' ({@code tganv2Arch} authors, their {@code Generator_CLSTM} and
     * {@code DisMultiResNet}): a 3×3 seed map of 16·width channels (1024 at width 64) halving down to width/2 (32),
     * every 4th frame per level, the whole batch at every level, the authors' D. Scaled: a 4×4 seed map of 8·width
     * channels halving down to width, every 2nd frame and half the batch per level, the SNGAN-style D.
     */
    record Geometry(boolean authors, int seed, int base, int floor, int stride, boolean halveBatch) {

        static Geometry of(TrialSpec spec) {
            return spec.tganv2Arch().equals("authors")
                    ? new Geometry(true, 3, 16 * spec.width(), Math.max(1, spec.width() / 2), 4, false)
                    : new Geometry(false, 4, 8 * spec.width(), spec.width(), 2, true);
        }
    }

    TganV2(TrialSpec spec, NDManager parent, Device device, NoisePrefetch noise) {
        super(checkFrames(spec), parent, device, noise, m -> TemporalWiring.build(spec, m,
                () -> new ConvLstmTemporalGenerator(Geometry.of(spec).base(), Geometry.of(spec).seed(),
                        spec.frames()),
                new Shape(spec.batchSize(), (long) Geometry.of(spec).seed() * Geometry.of(spec).seed()
                        * Geometry.of(spec).base()),
                b -> Init.apply(b, spec.seed(), "temporal",
                        spec.authorsInit() ? Init.torchDefault() : Init.xavierUniform(1), biases(spec)), noise));
        try {
            geo = Geometry.of(spec);
            levels = TganV2Renderer.levels(spec.frameSize(), geo.seed());
            batches = new int[levels];
            for (int l = 0; l < levels; l++) {
                batches[l] = geo.halveBatch() ? Math.max(1, spec.batchSize() >> l) : spec.batchSize();
            }
            renderer = new TganV2Renderer(spec.latentDim(), geo.seed(), geo.base(), geo.floor(), spec.frameSize(),
                    spec.channels());
            renderer.initialize(manager, DataType.FLOAT32, new Shape((long) spec.batchSize() * spec.frames(),
                    spec.latentDim()));
            initXavier(renderer, "renderer");
            g = new Composite();
            g.add("temporal", temporal.generator());
            g.add("renderer", renderer);
            g.seal(manager);
            d = new Composite();
            long frames = spec.frames();
            for (int l = 0; l < levels; l++) {
                SequentialBlock dl = geo.authors() ? Discriminators.tganv2LevelAuthors(spec.width(), spec.channels())
                        : Discriminators.tganv2Level(renderer.sizeAt(l), spec.width(), spec.channels());
                dl.initialize(manager, DataType.FLOAT32, new Shape(batches[l], spec.channels(),
                        frames, renderer.sizeAt(l), renderer.sizeAt(l)));
                frames = (frames + geo.stride() - 1) / geo.stride();
                initXavier(dl, "D" + l);
                levelDs.add(d.add("level" + l, dl));
            }
            d.seal(manager);
            optG = Adam.builder().learningRate(spec.lrG()).betas(0, 0.9).build(g);
            optD = Adam.builder().learningRate(spec.lrD()).betas(0, 0.9).build(d);
            register("G", g, optG);
            register("D", d, optD);
        } catch (RuntimeException e) {
            close(); // frees what was built so far
            throw e;
        }
    }

    private static TrialSpec checkFrames(TrialSpec spec) {
        Geometry geo = Geometry.of(spec);
        int levels = TganV2Renderer.levels(spec.frameSize(), geo.seed());
        if (geo.stride() == 2 && spec.frames() % (1 << (levels - 1)) != 0) {
            throw new IllegalArgumentException("TGANv2 at " + spec.frameSize() + " px has " + levels + " levels and "
                    + "halves the frames per level: frames must be divisible by " + (1 << (levels - 1)) + ", got "
                    + spec.frames());
        }
        return spec;
    }

    private static Init.Rule biases(TrialSpec spec) {
        return spec.authorsInit() ? Init.TORCH_DEFAULT_BIAS : Init.zeros();
    }

    /**
     * SNGAN/TGANv2 convention: gain √2 inside residual branches, 1 on shortcuts, the FC, renders and the head. With
     * {@code init} authors, as their code: the FC and the render convolutions keep PyTorch's default, and every
     * bias PyTorch's default.
     */
    private void initXavier(ai.djl.nn.Block block, String tag) {
        Init.apply(block, spec.seed(), tag, Init.xavierUniform(1), biases(spec));
        if (spec.authorsInit()) {
            Init.Rule torch = Init.torchDefault();
            for (Pair<String, Parameter> p : block.getParameters()) {
                String k = p.getKey();
                if (p.getValue().getType() == Parameter.Type.WEIGHT && (k.contains("fc") || k.contains("render"))
                        && !tag.startsWith("D")) {
                    NDArray a = p.getValue().getArray();
                    a.set(java.nio.FloatBuffer.wrap(torch.draw(a.getShape(),
                            new SplittableRandom(Randomness.derive(spec.seed(), 0, tag + "/torch/" + k)))));
                }
            }
        }
        Init.Rule residual = Init.xavierUniform(Math.sqrt(2));
        for (Pair<String, Parameter> p : block.getParameters()) {
            String k = p.getKey();
            if (p.getValue().getType() == Parameter.Type.WEIGHT && (k.contains("conv1") || k.contains("conv2"))) {
                NDArray a = p.getValue().getArray();
                a.set(java.nio.FloatBuffer.wrap(residual.draw(a.getShape(),
                        new SplittableRandom(Randomness.derive(spec.seed(), 0, tag + "/residual/" + k)))));
            }
        }
    }

    public int levels() {
        return levels;
    }

    /** Shapes of the fake videos each level's D saw in the last step (for tests and logs). */
    public List<Shape> lastFakeShapes() {
        return lastFakeShapes;
    }

    public List<Shape> lastRealShapes() {
        return lastRealShapes;
    }

    @Override
    protected Map<String, Double> trainStep(NDManager s, ParameterStore ps, NDArray real, long iteration) {
        long seed = spec.seed();
        double decay = Math.max(0, 1 - (double) iteration / spec.iterations());
        optG.setLearningRate(spec.lrG() * decay);
        optD.setLearningRate(spec.lrD() * decay);
        NDArray z = Randomness.uniform(s, new Shape(spec.batchSize(), spec.latentDim()), -1, 1,
                Randomness.derive(seed, iteration, "z"), DataType.FLOAT32);
        long noise = renderNoise(iteration, "sde");
        int[] fakeOffsets = offsets(Randomness.derive(seed, iteration, "offsets_fake"));
        int[] realOffsets = offsets(Randomness.derive(seed, iteration, "offsets_real"));
        Map<String, Double> out = new LinkedHashMap<>();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            List<NDArray> fakes = renderer.levels(ps, maps(ps, z, noise, null, true), fakeOffsets, batches,
                    geo.stride(), true);
            List<NDArray> reals = pyramid(real, realOffsets);
            lastFakeShapes = fakes.stream().map(NDArray::getShape).toList();
            lastRealShapes = reals.stream().map(NDArray::getShape).toList();
            NDArray lossG = null;
            if (spec.gFirst()) { // TGANv2's DiracUpdater: G on this batch, then D on the same batch, detached
                lossG = updateG(gc, ps, fakes);
            }

            // D: the penalty first (it zeroes each level's gradients), then the adversarial loss adds to them.
            double gp = 0;
            for (int l = 0; l < levels; l++) {
                SequentialBlock dl = levelDs.get(l);
                gp += ZeroCentredGradientPenalty.accumulate(gc,
                        x -> dl.forward(ps, new NDList(x), true).singletonOrThrow(), parameters(dl), reals.get(l),
                        GP_LAMBDA);
            }
            List<NDArray> yReal = new ArrayList<>(levels);
            List<NDArray> yFake = new ArrayList<>(levels);
            for (int l = 0; l < levels; l++) {
                yReal.add(forward(l, ps, reals.get(l)));
                yFake.add(forward(l, ps, fakes.get(l).stopGradient()));
            }
            NDArray lossD = softplusOverLevels(yReal, true).add(softplusOverLevels(yFake, false));
            backward(gc, lossD);
            optD.step();

            if (!spec.gFirst()) { // the authors: D then G, G on a new batch from new latents when freshFakesForG
                List<NDArray> fakesG = fakes;
                if (spec.freshFakesForG()) {
                    NDArray zG = Randomness.uniform(s, new Shape(spec.batchSize(), spec.latentDim()), -1, 1,
                            Randomness.derive(seed, iteration, "z/g"), DataType.FLOAT32);
                    fakesG = renderer.levels(ps, maps(ps, zG, renderNoise(iteration, "sde/g"), null,
                            true), offsets(Randomness.derive(seed, iteration, "offsets_fake/g")), batches,
                            geo.stride(), true);
                }
                lossG = updateG(gc, ps, fakesG);
            }

            double adv = Losses.value(lossD);
            out.put("d_loss", adv + gp);
            out.put("g_loss", Losses.value(lossG));
            out.put("d_adv_loss", adv);
            out.put("gp", gp);
            out.put("lr_g", optG.learningRate());
        }
        return out;
    }

    private NDArray updateG(GradientCollector gc, ParameterStore ps, List<NDArray> fakes) {
        optG.zeroGradients();
        List<NDArray> y = new ArrayList<>(levels);
        for (int l = 0; l < levels; l++) {
            y.add(forward(l, ps, fakes.get(l)));
        }
        NDArray lossG = softplusOverLevels(y, true);
        backward(gc, lossG);
        optG.step();
        return lossG;
    }

    /**
     * The softplus loss over every level's logits together: the mean over their concatenation, as the authors'
     * script and TGANv2 take it from the multi-level D's concatenated output.
     */
    private static NDArray softplusOverLevels(List<NDArray> logits, boolean real) {
        return Losses.softplus(NDArrays.concat(new NDList(logits), 0), real);
    }

    private NDArray forward(int level, ParameterStore ps, NDArray x) {
        return levelDs.get(level).forward(ps, new NDList(x), true).singletonOrThrow();
    }

    private static List<NDArray> parameters(SequentialBlock b) {
        List<NDArray> out = new ArrayList<>();
        for (Pair<String, Parameter> p : b.getParameters()) {
            out.add(p.getValue().getArray());
        }
        return out;
    }

    /**
     * Per level l ≥ 1 the frame offset of its every-stride-th-frame subsample, uniform in [0, min(stride, T_{l−1}))
     * as the authors' {@code np.random.randint(min(frames, T))}; entry 0 unused.
     */
    private int[] offsets(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] o = new int[levels];
        long t = spec.frames();
        for (int l = 1; l < levels; l++) {
            o[l] = r.nextInt((int) Math.min(geo.stride(), t));
            t = (t - o[l] + geo.stride() - 1) / geo.stride();
        }
        return o;
    }

    /**
     * Real videos per level: level l keeps the first B_l videos, every stride-th frame of level l − 1 from
     * {@code offsets[l]}, average-pooled from frameSize to the level's size.
     */
    List<NDArray> pyramid(NDArray real, int[] offsets) {
        List<NDArray> out = new ArrayList<>(levels);
        NDArray v = real;
        for (int l = 0; l < levels; l++) {
            if (l > 0) {
                v = v.get(new NDIndex(":" + batches[l] + ", :, " + offsets[l] + "::" + geo.stride()));
            }
            int factor = spec.frameSize() / renderer.sizeAt(l);
            NDArray pooled = v;
            if (factor > 1) {
                Shape k = new Shape(1, factor, factor);
                pooled = Pool.avgPool3d(v, k, k, new Shape(0, 0, 0), false, true);
            }
            out.add(pooled);
        }
        return out;
    }

    /** z [B, d] → the 4×4 maps of every frame, flattened: [B, T, 16·c]. */
    private NDArray maps(ParameterStore ps, NDArray z, long noiseSeed, double[] times, boolean training) {
        if (spec.temporal() == TemporalKind.ORIGINAL) {
            NDArray map0 = renderer.project(ps, z, training);
            return temporal.generator().generate(ps, map0, timesOrFrames(times), noiseSeed, training);
        }
        NDArray zt = temporal.generator().generate(ps, z, timesOrFrames(times), noiseSeed, training);
        long b = zt.getShape().get(0);
        long t = zt.getShape().get(1);
        return renderer.project(ps, zt.reshape(b * t, -1), training).reshape(b, t, -1);
    }

    @Override
    protected NDArray generate(NDManager s, ParameterStore ps, int n, long seed, double[] times) {
        NDArray z = Randomness.uniform(s, new Shape(n, spec.latentDim()), -1, 1,
                Randomness.derive(seed, 0, "sample/z"), DataType.FLOAT32);
        return renderer.full(ps, maps(ps, z, Randomness.derive(seed, 0, "sample/sde"), times, false), false);
    }
}

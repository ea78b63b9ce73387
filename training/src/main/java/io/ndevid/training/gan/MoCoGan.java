package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.ndevid.training.gan.nets.Composite;
import io.ndevid.training.gan.nets.Discriminators;
import io.ndevid.training.gan.nets.Generators;
import io.ndevid.training.gan.nets.Init;
import io.ndevid.training.optim.Adam;
import io.ndevid.training.optim.Optimizer;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.GruTemporalGenerator;
import io.ndevid.solvers.Scalars;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.util.Randomness;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * MoCoGAN (Tulyakov et al. 2018), scaled by the spec (docs/FIDELITY.md): content z_C ~ N(0, 1) (contentDim) repeated
 * over the frames; motion z_M from G_t started at z_M0 ~ N(0, 1) (latentDim) — the original GRU cell fed N(0, 1) noise
 * ({@link GruTemporalGenerator}) or an ODE/SDE; the image generator ({@link Generators#mocogan}) on [z_C, z_M(t)] per
 * frame. Two discriminators: a patch image D on one randomly chosen frame of each video (real and fake alike) and a
 * video D on whole videos — MoCoGAN's full video D to one logit, and no bias in G or the Ds ({@code mocoganNets}
 * authors, gpu-paper, as the authors trained), or a patch video D ({@code patch}, the CPU presets). BCE with logits;
 * per iteration the image D, then the video D, then G are updated; Adam with betas (0.5, 0.999) and weight decay 1e-5.
 * With {@code freshFakesForG} (gpu-paper, the authors' scripts) each of the four terms draws its own sample — the image
 * D's and G's image term single frames rendered alone ({@link #images}); otherwise the D updates see one fake batch
 * detached and G the same batch through the updated Ds (the image terms pick one frame of each video).
 *
 * <p>Initialisation, {@code init} original: DCGAN-style N(0, 0.02) on the image generator's and discriminators' weights
 * (MoCoGAN builds on DCGAN), biases 0; an ODE/SDE G_t Xavier-uniform with gain √2. {@code init} authors (gpu-paper):
 * PyTorch's defaults everywhere, U(±1/√fan_in), the ODE/SDE G_t included. The GRU is PyTorch's GRUCell's
 * U(±1/√latentDim) on weights and biases either way. Not included: MoCoGAN's optional categorical/conditional parts and
 * its input noise on D.
 */
public final class MoCoGan extends AbstractVideoGan {

    private final SequentialBlock image;
    private final SequentialBlock dImage;
    private final SequentialBlock dVideo;
    private final Composite g;
    private final Optimizer optG;
    private final Optimizer optDI;
    private final Optimizer optDV;

    MoCoGan(TrialSpec spec, NDManager parent, Device device, NoisePrefetch noise) {
        super(spec, parent, device, noise, m -> TemporalWiring.build(spec, m,
                () -> new GruTemporalGenerator(spec.latentDim(), spec.latentDim(), spec.frames()),
                new Shape(spec.batchSize(), spec.latentDim()),
                b -> {
                    Init.Rule gru = Init.uniform(1 / Math.sqrt(spec.latentDim()));
                    Init.apply(b, spec.seed(), "temporal", gru, gru);
                }, noise));
        try {
            int zDim = spec.contentDim() + spec.latentDim();
            long n = (long) spec.batchSize() * spec.frames();
            // The authors' MoCoGAN keeps PyTorch's defaults; MoCoGAN builds on DCGAN's N(0, 0.02).
            Init.Rule w = spec.authorsInit() ? Init.torchDefault() : Init.normal(0.02);
            Init.Rule bias = spec.authorsInit() ? Init.TORCH_DEFAULT_BIAS : Init.zeros();
            boolean authorsNets = spec.mocoganNets().equals("authors");
            image = Generators.mocogan(zDim, spec.width(), spec.frameSize(), spec.channels(), !authorsNets);
            image.initialize(manager, DataType.FLOAT32, new Shape(n, zDim, 1, 1));
            Init.apply(image, spec.seed(), "image", w, bias);
            g = new Composite();
            g.add("temporal", temporal.generator());
            g.add("image", image);
            g.seal(manager);
            dImage = Discriminators.mocoganImage(spec.frameSize(), spec.width(), !authorsNets);
            dImage.initialize(manager, DataType.FLOAT32,
                    new Shape(spec.batchSize(), spec.channels(), spec.frameSize(), spec.frameSize()));
            Init.apply(dImage, spec.seed(), "DI", w, bias);
            dVideo = authorsNets ? Discriminators.mocoganVideoFull(spec.frameSize(), spec.frames(), spec.width())
                    : Discriminators.mocoganVideo(spec.frameSize(), spec.frames(), spec.width());
            dVideo.initialize(manager, DataType.FLOAT32,
                    new Shape(spec.batchSize(), spec.channels(), spec.frames(), spec.frameSize(), spec.frameSize()));
            Init.apply(dVideo, spec.seed(), "DV", w, bias);
            optG = adam(spec.lrG()).build(g);
            optDI = adam(spec.lrD()).build(dImage);
            optDV = adam(spec.lrD()).build(dVideo);
            register("G", g, optG);
            register("DI", dImage, optDI);
            register("DV", dVideo, optDV);
        } catch (RuntimeException e) {
            close(); // frees what was built so far
            throw e;
        }
    }

    private static Adam.Builder adam(double lr) {
        return Adam.builder().learningRate(lr).betas(0.5, 0.999).weightDecay(1e-5);
    }

    @Override
    protected Map<String, Double> trainStep(NDManager s, ParameterStore ps, NDArray real, long iteration) {
        long seed = spec.seed();
        int b = spec.batchSize();
        NDArray content = Randomness.normal(s, new Shape(b, spec.contentDim()),
                Randomness.derive(seed, iteration, "z_content"), DataType.FLOAT32);
        NDArray motion0 = Randomness.normal(s, new Shape(b, spec.latentDim()),
                Randomness.derive(seed, iteration, "z_motion"), DataType.FLOAT32);
        long noise = renderNoise(iteration, "motion_noise");
        int[] realFrames = frameIndices(Randomness.derive(seed, iteration, "frames_real"));
        int[] fakeFrames = frameIndices(Randomness.derive(seed, iteration, "frames_fake"));
        Map<String, Double> out = new LinkedHashMap<>();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray realImages = pick(real, realFrames);
            NDArray fake;
            NDArray fakeImagesD;
            NDArray fakeVideosD;
            if (spec.freshFakesForG()) {
                // The authors: every update draws its own sample (image D, video D, G's video term, G's image term).
                fakeImagesD = images(s, ps, iteration, "d_image", fakeFrames);
                fakeVideosD = videos(ps, content, motion0, noise, null, true);
                fake = null;
            } else {
                fake = videos(ps, content, motion0, noise, null, true);
                fakeImagesD = pick(fake, fakeFrames);
                fakeVideosD = fake;
            }

            optDI.zeroGradients();
            NDArray lossDI = Losses.bce(forward(dImage, ps, realImages), true)
                    .add(Losses.bce(forward(dImage, ps, fakeImagesD.stopGradient()), false));
            backward(gc, lossDI);
            optDI.step();

            optDV.zeroGradients();
            NDArray lossDV = Losses.bce(forward(dVideo, ps, real), true)
                    .add(Losses.bce(forward(dVideo, ps, fakeVideosD.stopGradient()), false));
            backward(gc, lossDV);
            optDV.step();

            optG.zeroGradients();
            NDArray fakeVideosG = fake;
            NDArray fakeImagesG = fakeImagesD;
            if (spec.freshFakesForG()) {
                NDArray[] z = latents(s, spec.batchSize(), iteration, "g_video");
                fakeVideosG = videos(ps, z[0], z[1], renderNoise(iteration, "g_video/noise"), null, true);
                fakeImagesG = images(s, ps, iteration, "g_image",
                        frameIndices(Randomness.derive(seed, iteration, "frames_g_image")));
            }
            NDArray lossGI = Losses.bce(forward(dImage, ps, fakeImagesG), true);
            NDArray lossGV = Losses.bce(forward(dVideo, ps, fakeVideosG), true);
            NDArray lossG = lossGI.add(lossGV);
            backward(gc, lossG);
            optG.step();

            double di = Losses.value(lossDI);
            double dv = Losses.value(lossDV);
            out.put("d_loss", di + dv);
            out.put("g_loss", Losses.value(lossG));
            out.put("d_image_loss", di);
            out.put("d_video_loss", dv);
            out.put("g_image_loss", Losses.value(lossGI));
            out.put("g_video_loss", Losses.value(lossGV));
        }
        return out;
    }

    /** Fresh (z_C, z_M0) for {@code purpose}: [B, contentDim] and [B, latentDim], N(0, 1). */
    private NDArray[] latents(NDManager s, int n, long iteration, String purpose) {
        return new NDArray[] {
            Randomness.normal(s, new Shape(n, spec.contentDim()),
                    Randomness.derive(spec.seed(), iteration, purpose + "/z_content"), DataType.FLOAT32),
            Randomness.normal(s, new Shape(n, spec.latentDim()),
                    Randomness.derive(spec.seed(), iteration, purpose + "/z_motion"), DataType.FLOAT32)};
    }

    /**
     * One frame (idx[b]) of each of B fresh videos, rendered alone: the motion path is integrated, the chosen z_t
     * picked, and only those B latents go through the image generator — as MoCoGAN's {@code sample_images}, whose
     * BatchNorm therefore sees B images. [B, C, H, W].
     */
    private NDArray images(NDManager s, ParameterStore ps, long iteration, String purpose, int[] idx) {
        NDArray[] z = latents(s, idx.length, iteration, purpose);
        NDArray zm = temporal.generator().generate(ps, z[1], timesOrFrames(null),
                renderNoise(iteration, purpose + "/noise"), true); // [B, T, m]
        NDArray zz = z[0].concat(zm.get(new NDIndex("{}, {}", rowsOf(zm, idx.length), indices(zm, idx))), 1);
        return image.forward(ps, new NDList(zz.reshape(idx.length, -1, 1, 1)), true).singletonOrThrow();
    }

    private static NDArray forward(SequentialBlock net, ParameterStore ps, NDArray x) {
        return net.forward(ps, new NDList(x), true).singletonOrThrow();
    }

    private int[] frameIndices(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] idx = new int[spec.batchSize()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = r.nextInt(spec.frames());
        }
        return idx;
    }

    /**
     * Frame idx[b] of each video b: [B, C, T, H, W] → [B, C, H, W] (differentiable), one gather as PyTorch's
     * {@code videos[arange(B), :, idx]}.
     */
    static NDArray pick(NDArray videos, int[] idx) {
        return videos.get(new NDIndex("{}, :, {}", rowsOf(videos, idx.length), indices(videos, idx)));
    }

    /** 0 … n−1 as an int64 index tensor next to {@code like}. */
    private static NDArray rowsOf(NDArray like, int n) {
        return like.getManager().arange(0, n, 1, DataType.INT64);
    }

    /** The indices as an int64 tensor in native memory (autograd keeps an index for the backward pass). */
    private static NDArray indices(NDArray like, int[] idx) {
        long[] v = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            v[i] = idx[i];
        }
        return Scalars.owned(like.getManager().create(v), DataType.INT64);
    }

    /** (z_C [B, c], z_M0 [B, m]) → videos [B, C, T, H, W] at the given times (frame times when null). */
    private NDArray videos(ParameterStore ps, NDArray content, NDArray motion0, long noiseSeed, double[] times,
                           boolean training) {
        NDArray zm = temporal.generator().generate(ps, motion0, timesOrFrames(times), noiseSeed, training);
        long b = zm.getShape().get(0);
        long t = zm.getShape().get(1);
        NDArray zc = content.expandDims(1).repeat(1, t);
        NDArray z = zc.concat(zm, 2).reshape(b * t, -1, 1, 1);
        NDArray frames = image.forward(ps, new NDList(z), training).singletonOrThrow();
        Shape f = frames.getShape();
        return frames.reshape(b, t, f.get(1), f.get(2), f.get(3)).transpose(0, 2, 1, 3, 4);
    }

    @Override
    protected NDArray generate(NDManager s, ParameterStore ps, int n, long seed, double[] times) {
        NDArray content = Randomness.normal(s, new Shape(n, spec.contentDim()),
                Randomness.derive(seed, 0, "sample/z_content"), DataType.FLOAT32);
        NDArray motion0 = Randomness.normal(s, new Shape(n, spec.latentDim()),
                Randomness.derive(seed, 0, "sample/z_motion"), DataType.FLOAT32);
        return videos(ps, content, motion0, Randomness.derive(seed, 0, "sample/motion_noise"), times, false);
    }
}

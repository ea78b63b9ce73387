package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.gan.nets.Composite;
import io.ndevid.training.gan.nets.Discriminators;
import io.ndevid.training.gan.nets.Init;
import io.ndevid.training.gan.nets.TganImageGenerator;
import io.ndevid.training.optim.Optimizer;
import io.ndevid.training.optim.RmsProp;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.DeconvTemporalGenerator;
import io.ndevid.training.temporal.TemporalGenerator;
import io.ndevid.training.util.Randomness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TGAN (Saito et al. 2017), scaled by the spec (docs/FIDELITY.md): G_t from z_slow ~ U(−1, 1) — the original 1-D
 * deconvolutions ({@link DeconvTemporalGenerator}) or an ODE/SDE — then the image generator
 * ({@link TganImageGenerator}) on (z_slow, z_t) per frame; a 3-D convolutional D with one score per remaining time
 * step. WGAN loss, one D and one G update per iteration, RMSprop. With {@code freshFakesForG} (gpu-paper, as the
 * authors' scripts) the G update renders a new batch from new latents; otherwise it reuses the D update's batch.
 *
 * <p>{@code dJointBatch} false (gpu-paper): D sees real and fake videos in two passes, as TGAN's and the authors'
 * code — each BatchNorm normalises its batch apart, and the running variance that γ-clipping reads is updated by
 * both. {@code dJointBatch} true (the CPU presets' scale-down): real and fake in one concatenated batch (the fake half
 * detached in the D update), in both updates, so that BatchNorm normalises them with shared statistics; with
 * separate passes at CPU scale (cpu-small, 400 iterations) the run kept the wrong brightness and collapsed to one
 * video for every z, while the joint batch learned the brightness and gave distinct videos per z.
 *
 * <p>Every {@value #SVC_INTERVAL} iterations (iteration % 5 == 0, after the updates) singular value clipping on
 * D's weights and BatchNorm γ clipping ({@link SingularValueClipping}). Only D is clipped: SVC is TGAN's way of
 * keeping the WGAN critic 1-Lipschitz, and nothing in the WGAN argument constrains G (TGAN describes
 * clipping for "each weight" of the critic).
 *
 * <p>Initialisation, {@code init} original: U(±0.01) on every weight of G (original G_t included) and D, as in TGAN,
 * biases 0; an ODE/SDE G_t Xavier-uniform with gain √2. At CPU widths this still trains: BatchNorm follows every
 * generator layer but the last, so the small scale only shrinks the initial outputs. {@code init} authors (gpu-paper,
 * the authors' scripts): D Xavier-normal with gain √2, the image generator U(±0.01), G_t (1-D deconvolutions or
 * ODE/SDE) Xavier-uniform with gain √2, every bias PyTorch's default U(±1/√fan_in).
 */
public final class Tgan extends AbstractVideoGan {

    public static final int SVC_INTERVAL = 5;
    private static final Init.Rule TGAN_INIT = Init.uniform(0.01);

    private final TganImageGenerator image;
    private final SequentialBlock d;
    private final Composite g;
    private final Optimizer optG;
    private final Optimizer optD;
    private SingularValueClipping.Report lastClip;

    Tgan(TrialSpec spec, NDManager parent, Device device, NoisePrefetch noise) {
        super(spec, parent, device, noise, m -> TemporalWiring.build(spec, m,
                () -> new DeconvTemporalGenerator(spec.latentDim(), spec.frames(), spec.width()),
                new Shape(spec.batchSize(), spec.latentDim()),
                b -> Init.apply(b, spec.seed(), "temporal",
                        spec.authorsInit() ? Init.xavierUniform(Math.sqrt(2)) : TGAN_INIT, biases(spec)), noise));
        try {
            int n = spec.batchSize() * spec.frames();
            image = new TganImageGenerator(spec.latentDim(), spec.width(), spec.frameSize(), spec.channels());
            image.initialize(manager, DataType.FLOAT32, new Shape(n, spec.latentDim()), new Shape(n, spec.latentDim()));
            Init.apply(image, spec.seed(), "image", TGAN_INIT, biases(spec));
            g = new Composite();
            g.add("temporal", temporal.generator());
            g.add("image", image);
            g.seal(manager);
            d = Discriminators.tgan(spec.frameSize(), spec.frames(), spec.width());
            d.initialize(manager, DataType.FLOAT32, videoShape(spec.batchSize()));
            Init.apply(d, spec.seed(), "D", spec.authorsInit() ? Init.xavierNormal(Math.sqrt(2)) : TGAN_INIT,
                    biases(spec));
            // Chainer's / PyTorch's RMSprop defaults otherwise (alpha 0.99, eps 1e-8).
            optG = RmsProp.builder().learningRate(spec.lrG()).build(g);
            optD = RmsProp.builder().learningRate(spec.lrD()).build(d);
            register("G", g, optG);
            register("D", d, optD);
        } catch (RuntimeException e) {
            close(); // frees what was built so far
            throw e;
        }
    }

    private static Init.Rule biases(TrialSpec spec) {
        return spec.authorsInit() ? Init.TORCH_DEFAULT_BIAS : Init.zeros();
    }

    private Shape videoShape(long b) {
        return new Shape(b, spec.channels(), spec.frames(), spec.frameSize(), spec.frameSize());
    }

    /** What the last clipping pass did (null before the first). */
    public SingularValueClipping.Report lastClip() {
        return lastClip;
    }

    /**
     * One singular value clipping pass on D (what every {@value #SVC_INTERVAL}th iteration ends with); public so that
     * {@code ndevid plan} can time it apart from the steps.
     */
    public SingularValueClipping.Report clipDiscriminator() {
        lastClip = SingularValueClipping.apply(d);
        return lastClip;
    }

    Block discriminator() {
        return d;
    }

    @Override
    protected Map<String, Double> trainStep(NDManager s, ParameterStore ps, NDArray real, long iteration) {
        long seed = spec.seed();
        long b = spec.batchSize();
        NDArray zSlow = Randomness.uniform(s, new Shape(b, spec.latentDim()), -1, 1,
                Randomness.derive(seed, iteration, "z_slow"), DataType.FLOAT32);
        long noise = renderNoise(iteration, "sde");
        Map<String, Double> out = new LinkedHashMap<>();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray fake = videos(ps, zSlow, noise, null, true);
            optD.zeroGradients();
            NDArray yReal;
            NDArray yFake;
            if (spec.dJointBatch()) {
                NDArray y = d.forward(ps, new NDList(real.concat(fake.stopGradient(), 0)), true).singletonOrThrow();
                yReal = y.get(":" + b).mean();
                yFake = y.get(b + ":").mean();
            } else { // TGAN's and the authors' two passes: BatchNorm normalises real and fake apart
                yReal = d.forward(ps, new NDList(real), true).singletonOrThrow().mean();
                yFake = d.forward(ps, new NDList(fake.stopGradient()), true).singletonOrThrow().mean();
            }
            NDArray lossD = yFake.sub(yReal);
            backward(gc, lossD);
            optD.step();
            optG.zeroGradients();
            NDArray fakeG = fake;
            if (spec.freshFakesForG()) {
                NDArray zG = Randomness.uniform(s, new Shape(b, spec.latentDim()), -1, 1,
                        Randomness.derive(seed, iteration, "z_slow/g"), DataType.FLOAT32);
                fakeG = videos(ps, zG, renderNoise(iteration, "sde/g"), null, true);
            }
            NDArray scores = spec.dJointBatch()
                    ? d.forward(ps, new NDList(real.concat(fakeG, 0)), true).singletonOrThrow().get(b + ":")
                    : d.forward(ps, new NDList(fakeG), true).singletonOrThrow();
            NDArray lossG = scores.mean().neg();
            backward(gc, lossG);
            optG.step();
            out.put("d_loss", Losses.value(lossD));
            out.put("g_loss", Losses.value(lossG));
            out.put("d_real", Losses.value(yReal));
            out.put("d_fake", Losses.value(yFake));
        }
        if (iteration % SVC_INTERVAL == 0) {
            clipDiscriminator();
            out.put("svc_largest_sv", lastClip.largestBefore());
        }
        return out;
    }

    /** z_slow [B, d] → videos [B, C, T, H, W] at the given times (frame times when null). */
    private NDArray videos(ParameterStore ps, NDArray zSlow, long noiseSeed, double[] times, boolean training) {
        TemporalGenerator gt = temporal.generator();
        NDArray zt = gt.generate(ps, zSlow, timesOrFrames(times), noiseSeed, training); // [B, T, d]
        long b = zt.getShape().get(0);
        long t = zt.getShape().get(1);
        long dim = zt.getShape().get(2);
        NDArray slow = zSlow.expandDims(1).repeat(1, t).reshape(b * t, dim);
        NDArray frames = image.forward(ps, new NDList(slow, zt.reshape(b * t, dim)), training).singletonOrThrow();
        Shape f = frames.getShape();
        return frames.reshape(b, t, f.get(1), f.get(2), f.get(3)).transpose(0, 2, 1, 3, 4);
    }

    @Override
    protected NDArray generate(NDManager s, ParameterStore ps, int n, long seed, double[] times) {
        NDArray zSlow = Randomness.uniform(s, new Shape(n, spec.latentDim()), -1, 1,
                Randomness.derive(seed, 0, "sample/z_slow"), DataType.FLOAT32);
        return videos(ps, zSlow, Randomness.derive(seed, 0, "sample/sde"), times, false);
    }
}

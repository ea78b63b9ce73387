package io.ndevid.training.gan;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.solvers.sde.SdeMethod;
import io.ndevid.training.gan.nets.Init;
import io.ndevid.training.gan.nets.Layers;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.OdeTemporalGenerator;
import io.ndevid.training.temporal.SdeTemporalGenerator;
import io.ndevid.training.temporal.TemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.temporal.VectorFieldNet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Builds a model's G_t from the spec: the base model's original, or a latent ODE (order 1–3) / SDE over the model's
 * latent with f = linear, deep (hidden = the spec's fHidden, else the latent dim) or matched (hidden solved so that
 * G_t has as many trainable parameters as the base model's original G_t built at the same sizes — counted, not
 * assumed).
 */
final class TemporalWiring {

    private static final Logger LOG = LoggerFactory.getLogger(TemporalWiring.class);

    /**
     * The initialised G_t, its trainable parameter count, the original's (−1 when the original cannot be built at
     * these sizes, e.g. TGAN's deconvolutions with a frame count that is not a power of two), and the g∘h hidden
     * width (0: none).
     */
    record Built(TemporalGenerator generator, long parameters, long originalParameters, int hidden, String summary) {}

    private TemporalWiring() {}

    /**
     * @param original      makes the base model's own G_t (uninitialised)
     * @param originalInput that G_t's input shape
     * @param originalInit  re-draws the original's weights after DJL's initialisation (per the base model's rule)
     * @param noise         where an SDE G_t makes the noise asked for ahead (null: none; not owned here)
     */
    static Built build(TrialSpec spec, NDManager manager, Supplier<? extends TemporalGenerator> original,
                       Shape originalInput, Consumer<Block> originalInit, NoisePrefetch noise) {
        if (spec.temporal() == TemporalKind.ORIGINAL) {
            if (spec.mlpBeforeOde()) {
                LOG.info("{}: mlpBeforeOde applies to ODE/SDE G_t only; ignored for the original", spec.configId());
            }
            TemporalGenerator orig = original.get();
            orig.initialize(manager, DataType.FLOAT32, originalInput);
            originalInit.accept(orig);
            long n = Layers.trainableParameters(orig);
            String summary = String.format(Locale.ROOT, "%s original: G_t %,d params", spec.model().id(), n);
            LOG.info(summary);
            return new Built(orig, n, n, 0, summary);
        }
        long target = originalCount(spec, manager, original, originalInput);
        int d = spec.latentDim();
        Shape latent = new Shape(spec.batchSize(), d);
        int in = spec.temporal() == TemporalKind.SDE || spec.odeForm().equals("authors") ? d
                : spec.temporal().order() * d;
        int hidden = switch (spec.f()) {
            case LINEAR -> 0;
            case DEEP -> spec.fHidden() > 0 ? spec.fHidden() : d;
            case MATCHED -> {
                if (target < 0) {
                    throw new IllegalArgumentException(spec.configId() + ": f = matched needs the base model's "
                            + "original G_t at these sizes, which cannot be built: " + originalProblem(original));
                }
                long rest;
                try (NDManager tmp = manager.newSubManager()) {
                    TemporalGenerator probe = continuous(spec, FVariant.LINEAR, 0, null);
                    probe.initialize(tmp, DataType.FLOAT32, latent);
                    rest = outsideF(probe);
                }
                try {
                    yield VectorFieldNet.matchedHidden(target, rest, in, d);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(spec.configId() + ": f = matched is impossible here — "
                            + e.getMessage() + (spec.mlpBeforeOde() ? "; the MLP before the ODE alone may be too "
                            + "large: lower mlpWidth or turn mlpBeforeOde off" : ""), e);
                }
            }
        };
        TemporalGenerator g = continuous(spec, spec.f(), hidden, noise);
        g.initialize(manager, DataType.FLOAT32, latent);
        // The authors' TGAN code: Xavier-uniform with gain √2 on every weight of G_t; their MoCoGAN code leaves
        // PyTorch's defaults. Biases: PyTorch's default with the authors' init, else 0.
        boolean torchWeights = spec.authorsInit() && spec.model() == ModelFamily.MOCOGAN;
        Init.apply(g, spec.seed(), "temporal", torchWeights ? Init.torchDefault() : Init.xavierUniform(Math.sqrt(2)),
                spec.authorsInit() ? Init.TORCH_DEFAULT_BIAS : Init.zeros());
        long n = Layers.trainableParameters(g);
        String summary = spec.f() == FVariant.MATCHED
                ? String.format(Locale.ROOT, "%s %s matched: original G_t %,d params, hidden %d → %,d (%+.1f%%)",
                        spec.model().id(), spec.temporal().id(), target, hidden, n, 100.0 * (n - target) / target)
                : String.format(Locale.ROOT, "%s %s %s: G_t %,d params%s (original G_t %s)", spec.model().id(),
                        spec.temporal().id(), spec.f().id(), n, hidden > 0 ? ", hidden " + hidden : "",
                        target < 0 ? "not buildable at these sizes" : String.format(Locale.ROOT, "%,d", target));
        LOG.info(summary);
        return new Built(g, n, target, hidden, summary);
    }

    /** Trainable parameters of the original G_t at the spec's sizes, or −1 if those sizes do not admit it. */
    private static long originalCount(TrialSpec spec, NDManager manager,
                                      Supplier<? extends TemporalGenerator> original, Shape input) {
        TemporalGenerator orig;
        try {
            orig = original.get();
        } catch (IllegalArgumentException e) {
            return -1;
        }
        try (NDManager tmp = manager.newSubManager()) {
            orig.initialize(tmp, DataType.FLOAT32, input);
            return Layers.trainableParameters(orig);
        }
    }

    private static String originalProblem(Supplier<? extends TemporalGenerator> original) {
        try {
            original.get();
            return "(no reason given)";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static TemporalGenerator continuous(TrialSpec spec, FVariant f, int hidden, NoisePrefetch noise) {
        int d = spec.latentDim();
        int mlp = spec.mlpBeforeOde() ? spec.mlpWidth() : 0;
        Block field = VectorFieldNet.build(f, d, hidden, spec.ghOutputTanh());
        if (spec.temporal() == TemporalKind.SDE) {
            return new SdeTemporalGenerator(d, spec.frames(), field, spec.sdeDiffusion(), mlp, spec.mlpLayers(),
                    SdeMethod.parse(spec.sdeMethod()), spec.sdeDt(), noise);
        }
        return new OdeTemporalGenerator(d, spec.frames(), spec.temporal().order(), field, mlp, spec.mlpLayers(),
                spec.odeForm().equals("authors"),
                OdeOptions.builder().method(spec.odeMethodParsed()).build());
    }

    private static long outsideF(TemporalGenerator g) {
        if (g instanceof OdeTemporalGenerator ode) {
            return ode.parametersOutsideF();
        }
        return ((SdeTemporalGenerator) g).parametersOutsideF();
    }
}

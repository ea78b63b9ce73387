package io.ndevid.training.golden;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.ndevid.training.gan.GanFactory;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.ndevid.training.golden.Closeness.assertClose;

/**
 * The latent-ODE G_t of each model as the {@code gpu-paper} preset builds it ({@link GanFactory}: the MLP before the
 * ODE where the preset turns it on, the derivative encoders of orders 2 and 3, f = linear / deep / matched, the
 * preset's ODE method) against a PyTorch twin in {@code golden.py}: the same MLP, encoders and f, integrated over the
 * 16 frame times on torchdiffeq's default fixed grid (one step per frame interval) with the step function the
 * preset's method names — torchdiffeq's {@code rk4} (the 3/8 rule) for {@code rk4_38}, its classical
 * {@code rk4_step_func} for {@code rk4}. Batch {@value #BATCH}; parameters re-drawn as in
 * {@link ModelForwardGoldenTest}. Float32, max |Δ| ≤ {@value #TOL} × max |PyTorch| (measured 2026-12-02: ≤ 4e-7).
 *
 * <p>What this checks is the network and its wiring (MLP, encoders, f, the stacked higher-order state, the frame
 * grid). It cannot tell the two RK4 rules apart: on these tanh-bounded fields with steps of 1/15 they differ by
 * less than float32 rounding (swapping them in the twin moved the error from 3.4e-7 to 2.7e-7).
 * {@link SolverStepGoldenTest} checks the step rules themselves, on a step large enough to separate them.
 */
class OdeGeneratorGoldenTest extends GoldenTestBase {

    static final int BATCH = 2;
    static final double TOL = 1e-5;

    private final List<Case> CASES = new ArrayList<>();
    private TensorExchange.Tensors golden;


    /** One G_t: the spec it was built from, the model holding it, its input. */
    record Case(String id, TrialSpec spec, VideoGan gan, NDArray z) {
        @Override
        public String toString() {
            return spec.configId() + " (" + spec.odeMethod() + (spec.mlpBeforeOde() ? ", MLP before the ODE" : "")
                    + ")";
        }
    }

    @Override
    protected void writeGolden(Path dir) {
        TensorExchange ex = new TensorExchange();
        List<Map<String, Object>> cases = new ArrayList<>();
        add(ModelFamily.TGAN, TemporalKind.ODE1, FVariant.LINEAR, ex, cases);
        add(ModelFamily.TGAN, TemporalKind.ODE3, FVariant.MATCHED, ex, cases);
        add(ModelFamily.MOCOGAN, TemporalKind.ODE1, FVariant.DEEP, ex, cases);
        add(ModelFamily.TGANV2, TemporalKind.ODE2, FVariant.LINEAR, ex, cases);
        ex.config("cases", cases);
        golden = GoldenPython.run("ode_generators", ex, dir);
    }

    private void add(ModelFamily model, TemporalKind kind, FVariant f, TensorExchange ex,
                            List<Map<String, Object>> cases) {
        TrialSpec spec = Presets.of("gpu-paper", model, kind, f);
        VideoGan gan = GanFactory.create(spec, manager, Device.cpu());
        String id = "g" + CASES.size();
        TemporalGenerator gt = gan.temporal();
        ModelForwardGoldenTest.redraw(gt, 100 + CASES.size());
        ex.parameters(id, gt);
        NDArray z = Randomness.uniform(manager, new Shape(BATCH, spec.latentDim()), -1, 1, 200 + CASES.size(),
                DataType.FLOAT32);
        ex.tensor(id + "/z", z);
        CASES.add(new Case(id, spec, gan, z));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("order", kind.order());
        c.put("mlp", spec.mlpBeforeOde());
        c.put("mlpLayers", spec.mlpLayers());
        c.put("authorsForm", kind.order() > 1 && spec.odeForm().equals("authors"));
        c.put("ghOutputTanh", spec.ghOutputTanh());
        c.put("fLayers", f == FVariant.LINEAR ? 1 : 2);
        c.put("method", spec.odeMethodParsed().id());
        c.put("times", TemporalGenerator.frameTimes(spec.frames()));
        cases.add(c);
    }

    @Override
    protected void release() {
        for (Case c : CASES) {
            c.gan().close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyOdeGeneratorMatchesItsTwin() {
        return GoldenPython.dynamicTests(() -> CASES.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            try (NDManager m = manager.newSubManager()) {
                NDArray z = copyInto(m, c.z());
                NDArray zt = c.gan().temporal().generate(new ParameterStore(m, false), z,
                        TemporalGenerator.frameTimes(c.spec().frames()), 0L, false);
                assertClose(c + " z_t", golden.get(c.id() + "/z_t"), zt, TOL);
            }
        })));
    }
}

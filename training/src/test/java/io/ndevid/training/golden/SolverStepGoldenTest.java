package io.ndevid.training.golden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.solvers.Method;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.Odeint;
import io.ndevid.solvers.Scalars;
import io.ndevid.solvers.VectorField;
import io.ndevid.solvers.sde.BrownianInterval;
import io.ndevid.solvers.sde.Sde;
import io.ndevid.solvers.sde.SdeMethod;
import io.ndevid.solvers.sde.SdeOptions;
import io.ndevid.solvers.sde.SdeType;
import io.ndevid.solvers.sde.Sdeint;
import io.ndevid.training.temporal.TemporalGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static io.ndevid.training.golden.Closeness.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The solvers' steps against the formulas of the libraries the authors called, evaluated in PyTorch on the same
 * f, g, step and Brownian increment ({@code golden.py solvers}):
 * <ul>
 *   <li>one {@code rk4_38} step and one {@code rk4} step against torchdiffeq's {@code rk4_alt_step_func} (the 3/8
 *       rule, which its fixed-grid {@code method='rk4'} runs) and {@code rk4_step_func} (classical RK4) — the
 *       two must differ, or the comparison could not tell them apart;</li>
 *   <li>{@code rk4_38} over the paper's 16 frame times [0, 1] with torchdiffeq's default fixed grid (one step per
 *       output interval, what the authors' {@code odeint(func, z0, linspace(0, 1, 16), method='rk4')} does);</li>
 *   <li>one Itô Euler–Maruyama step ({@link SdeMethod#EULER}) against torchsde's {@code Euler.step}: y0 + f(t0, y0)
 *       dt + g(t0, y0) ⊙ ΔW for diagonal noise, with ΔW the solver's own Brownian increment over the step.</li>
 * </ul>
 * The test problem: f(t, y) = tanh(yW + b)(1 + t) − y/2, g(t, y) = 0.2 + sigmoid(y ⊙ a + c)(1 + t)/2 on y [4, 6];
 * t0 = 0.3, dt = 0.5 (large enough for the two RK4 rules to differ by far more than the tolerance). In float64 (tolerance {@value #TOL64} of the largest value) and float32 ({@value #TOL32}).
 */
class SolverStepGoldenTest extends GoldenTestBase {

    static final double TOL64 = 1e-14;
    static final double TOL32 = 1e-6;
    static final double T0 = 0.3;
    static final double DT = 0.5;
    static final Shape Y = new Shape(4, 6);

    private final Map<DataType, Problem> PROBLEMS = new EnumMap<>(DataType.class);


    /** The problem's tensors in one type, and what PyTorch computed from them. */
    record Problem(NDArray y0, NDArray w, NDArray b, NDArray a, NDArray c, NDArray dW, BrownianInterval brownian,
                   TensorExchange.Tensors golden) {

        VectorField drift() {
            return (t, y) -> y.matMul(w).add(b).tanh().mul(t.add(Scalars.of(t, 1)))
                    .sub(y.mul(Scalars.of(y, 0.5)));
        }

        VectorField diffusion() {
            return (t, y) -> y.mul(a).add(c).getNDArrayInternal().sigmoid().mul(t.add(Scalars.of(t, 1)))
                    .mul(Scalars.of(y, 0.5)).add(Scalars.of(y, 0.2));
        }
    }

    @Override
    protected void writeGolden(Path dir) {
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            SplittableRandom r = new SplittableRandom(7);
            TensorExchange ex = new TensorExchange()
                    .config("t0", T0).config("dt", DT).config("frames", TemporalGenerator.frameTimes(16));
            NDArray y0 = tensor(ex, "y0", Y, r, 1, type);
            NDArray w = tensor(ex, "W", new Shape(Y.get(1), Y.get(1)), r, 0.8, type);
            NDArray b = tensor(ex, "b", new Shape(Y.get(1)), r, 0.3, type);
            NDArray a = tensor(ex, "a", new Shape(Y.get(1)), r, 1, type);
            NDArray c = tensor(ex, "c", new Shape(Y.get(1)), r, 0.5, type);
            BrownianInterval bm = BrownianInterval.of(manager, 11, Y, type, T0, T0 + DT);
            NDArray dW = bm.increment(T0, T0 + DT);
            ex.tensor("dW", dW);
            TensorExchange.Tensors golden = GoldenPython.run("solvers", ex,
                    dir.resolve(type.name().toLowerCase(Locale.ROOT)));
            PROBLEMS.put(type, new Problem(y0, w, b, a, c, dW, bm, golden));
        }
    }

    private NDArray tensor(TensorExchange ex, String name, Shape shape, SplittableRandom r, double scale,
                                  DataType type) {
        double[] v = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * r.nextDouble(-1, 1);
        }
        NDArray a = manager.create(v, shape);
        a = type == DataType.FLOAT64 ? a : a.toType(type, false);
        ex.tensor(name, a);
        return a;
    }

    private double tol(DataType type) {
        return type == DataType.FLOAT64 ? TOL64 : TOL32;
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT64", "FLOAT32"})
    void oneRk4StepIsTorchdiffeqsThreeEighthsRuleAndClassicalRk4IsNot(DataType type) {
        GoldenPython.assumeAvailable();
        Problem p = PROBLEMS.get(type);
        try (NDManager m = manager.newSubManager()) {
            NDArray ts = m.create(new double[] {T0, T0 + DT}).toType(type, false);
            for (Method method : new Method[] {Method.RK4_38, Method.RK4}) {
                NDArray ys = Odeint.solve(p.drift(), p.y0(), ts, OdeOptions.builder().method(method).stepSize(DT)
                        .build());
                assertClose(method.id() + " step, " + type, p.golden().get(method.id()), ys.get(1), tol(type));
            }
            double[] rule38 = p.golden().get("rk4_38").values();
            double[] classical = p.golden().get("rk4").values();
            double gap = 0;
            double scale = 0;
            for (int i = 0; i < rule38.length; i++) {
                gap = Math.max(gap, Math.abs(rule38[i] - classical[i]));
                scale = Math.max(scale, Math.abs(rule38[i]));
            }
            assertTrue(gap > 100 * tol(type) * scale, "the 3/8 rule and classical RK4 differ by " + gap
                    + " on this problem, too little to tell them apart");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT64", "FLOAT32"})
    void rk4OverTheFrameTimesFollowsTorchdiffeqsFixedGrid(DataType type) {
        GoldenPython.assumeAvailable();
        Problem p = PROBLEMS.get(type);
        try (NDManager m = manager.newSubManager()) {
            NDArray ts = m.create(TemporalGenerator.frameTimes(16)).toType(type, false);
            NDArray ys = Odeint.solve(p.drift(), p.y0(), ts, OdeOptions.builder().method(Method.RK4_38).build());
            assertClose("rk4_38 over 16 frame times, " + type, p.golden().get("rk4_38_frames"), ys, tol(type));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT64", "FLOAT32"})
    void oneEulerMaruyamaStepIsTorchsdesItoEuler(DataType type) {
        GoldenPython.assumeAvailable();
        Problem p = PROBLEMS.get(type);
        try (NDManager m = manager.newSubManager()) {
            Sde sde = Sde.of(SdeType.ITO, p.drift(), p.diffusion());
            NDArray ys = Sdeint.solve(sde, p.y0(), new double[] {T0, T0 + DT}, SdeOptions.builder()
                    .method(SdeMethod.EULER).dt(DT).brownian(p.brownian()).build());
            ys.attach(m);
            assertClose("Euler–Maruyama step, " + type, p.golden().get("euler_maruyama"), ys.get(1), tol(type));
        }
    }
}

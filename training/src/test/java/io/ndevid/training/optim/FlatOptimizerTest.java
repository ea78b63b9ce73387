package io.ndevid.training.optim;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.ndevid.solvers.Scalars;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The optimizers update whole groups over flat buffers; this checks them bit for bit against the per-parameter form
 * they replaced (written out below as {@link Legacy}: the same tensor operations, one parameter at a time, with state
 * tensors of the parameter's shape), over many steps, in float32 and float64, with weight decay, several shapes, and a
 * parameter that backward does not reach at first (so the group falls back to per-parameter updates). It also checks
 * that a checkpoint in the per-parameter layout loads and continues identically.
 */
class FlatOptimizerTest {

    static final Shape[] SHAPES = {new Shape(4, 3, 2, 2), new Shape(4), new Shape(3, 5), new Shape(1), new Shape(2, 1, 3)};

    private static NDManager manager;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** The update rules as they were before flat buffers: one parameter at a time, state of its shape. */
    static final class Legacy {
        final boolean adam;
        final double lr;
        final double b1;
        final double b2;
        final double eps;
        final double wd;
        final double momentum;
        final boolean centered;
        final List<Map<String, NDArray>> state = new ArrayList<>();
        final long[] steps;

        Legacy(boolean adam, double lr, double b1, double b2, double eps, double wd, double momentum, boolean centered,
               int n) {
            this.adam = adam;
            this.lr = lr;
            this.b1 = b1;
            this.b2 = b2;
            this.eps = eps;
            this.wd = wd;
            this.momentum = momentum;
            this.centered = centered;
            this.steps = new long[n];
            for (int i = 0; i < n; i++) {
                state.add(new LinkedHashMap<>());
            }
        }

        List<String> kinds() {
            if (adam) {
                return List.of("exp_avg", "exp_avg_sq");
            }
            List<String> k = new ArrayList<>(List.of("square_avg"));
            if (centered) {
                k.add("grad_avg");
            }
            if (momentum > 0) {
                k.add("momentum_buffer");
            }
            return k;
        }

        static NDArray c(NDArray like, double v) {
            return Scalars.of(like, v);
        }

        void step(List<NDArray> params, NDManager m) {
            boolean mode = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (NDManager temp = m.newSubManager()) {
                for (int i = 0; i < params.size(); i++) {
                    NDArray param = params.get(i);
                    NDArray grad = JniUtils.getGradient((ai.djl.pytorch.engine.PtNDArray) param);
                    if (grad == null) {
                        continue;
                    }
                    grad.attach(temp);
                    steps[i]++;
                    Map<String, NDArray> st = state.get(i);
                    if (st.isEmpty()) {
                        for (String k : kinds()) {
                            st.put(k, m.zeros(param.getShape(), param.getDataType()));
                        }
                    }
                    NDArray g = wd == 0 ? grad : grad.add(param.mul(c(param, wd)));
                    if (adam) {
                        NDArray mm = st.get("exp_avg");
                        NDArray v = st.get("exp_avg_sq");
                        mm.muli(c(mm, b1)).addi(g.mul(c(g, 1 - b1)));
                        v.muli(c(v, b2)).addi(g.mul(g).muli(c(g, 1 - b2)));
                        double bc1 = 1 - Math.pow(b1, steps[i]);
                        double bc2 = 1 - Math.pow(b2, steps[i]);
                        NDArray denom = v.sqrt().divi(c(v, Math.sqrt(bc2))).addi(c(v, eps));
                        param.subi(mm.div(denom).muli(c(mm, lr / bc1)));
                    } else {
                        NDArray s = st.get("square_avg");
                        s.muli(c(s, b1)).addi(g.mul(g).muli(c(g, 1 - b1)));
                        NDArray d;
                        if (centered) {
                            NDArray a = st.get("grad_avg");
                            a.muli(c(a, b1)).addi(g.mul(c(g, 1 - b1)));
                            d = s.sub(a.mul(a)).sqrt().addi(c(s, eps));
                        } else {
                            d = s.sqrt().addi(c(s, eps));
                        }
                        NDArray lrT = c(param, lr);
                        if (momentum > 0) {
                            NDArray b = st.get("momentum_buffer");
                            b.muli(c(b, momentum)).addi(g.div(d));
                            param.subi(b.mul(lrT));
                        } else {
                            param.subi(g.div(d).muli(lrT));
                        }
                    }
                }
            } finally {
                JniUtils.setGradMode(mode);
            }
        }

        /** The checkpoint the per-parameter optimizer wrote: arrays of updated parameters, in parameter order. */
        OptimizerState state(List<String> names) {
            Map<String, Long> s = new LinkedHashMap<>();
            Map<String, float[]> arrays = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                s.put(names.get(i), steps[i]);
                for (var e : state.get(i).entrySet()) {
                    NDArray a = e.getValue();
                    arrays.put(e.getKey() + "/" + names.get(i), a.toType(DataType.FLOAT32, true).toFloatArray());
                    shapes.put(e.getKey() + "/" + names.get(i), a.getShape().getShape());
                }
            }
            return new OptimizerState(adam ? "adam" : "rmsprop", lr, s, arrays, shapes);
        }
    }

    record Case(String what, Function<Map<String, NDArray>, Optimizer> make, Legacy legacy) {}

    static List<Case> cases(int n) {
        return List.of(
                new Case("adam wd", p -> Adam.builder().learningRate(0.01).betas(0.5, 0.999).weightDecay(1e-2).build(p),
                        new Legacy(true, 0.01, 0.5, 0.999, 1e-8, 1e-2, 0, false, n)),
                new Case("adam", p -> Adam.builder().learningRate(2e-3).betas(0.0, 0.9).build(p),
                        new Legacy(true, 2e-3, 0.0, 0.9, 1e-8, 0, 0, false, n)),
                new Case("rmsprop", p -> RmsProp.builder().learningRate(5e-3).build(p),
                        new Legacy(false, 5e-3, 0.99, 0, 1e-8, 0, 0, false, n)),
                new Case("rmsprop centred momentum wd",
                        p -> RmsProp.builder().learningRate(3e-3).alpha(0.9).weightDecay(0.01).momentum(0.5)
                                .centered(true).build(p),
                        new Legacy(false, 3e-3, 0.9, 0, 1e-8, 0.01, 0.5, true, n)));
    }

    static List<NDArray> params(NDManager m, DataType type, long seed) {
        Random r = new Random(seed);
        List<NDArray> out = new ArrayList<>();
        for (Shape s : SHAPES) {
            float[] v = new float[(int) s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            NDArray p = m.create(v, s).toType(type, true);
            p.setRequiresGradient(true);
            out.add(p);
        }
        return out;
    }

    /** loss = Σ c·θ² + d·θ with step-dependent c, d; with {@code skipLast} the last parameter gets no gradient. */
    static void backward(List<NDArray> params, int step, boolean skipLast) {
        Random r = new Random(1000 + step);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (int i = 0; i < params.size() - (skipLast ? 1 : 0); i++) {
                NDArray p = params.get(i);
                NDManager m = p.getManager();
                NDArray c = m.create((float) (0.5 + r.nextDouble())).toType(p.getDataType(), true);
                NDArray d = m.create(randoms(r, (int) p.getShape().size()), p.getShape()).toType(p.getDataType(), false);
                NDArray term = p.mul(p).mul(c).add(p.mul(d)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    static float[] randoms(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    static Map<String, NDArray> named(List<NDArray> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            out.put("p" + i, params.get(i));
        }
        return out;
    }

    static void assertSame(List<NDArray> expected, List<NDArray> actual, String what) {
        for (int i = 0; i < expected.size(); i++) {
            NDArray e = expected.get(i);
            NDArray a = actual.get(i);
            if (e.getDataType() == DataType.FLOAT64) {
                assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), 0.0, what + " p" + i);
            } else {
                assertArrayEquals(e.toFloatArray(), a.toFloatArray(), 0.0f, what + " p" + i);
            }
        }
    }

    /** One training step of both: the optimizer under test on {@code mine}, the per-parameter form on {@code theirs}. */
    static void stepBoth(Optimizer opt, List<NDArray> mine, Legacy legacy, List<NDArray> theirs, int t, boolean skipLast,
                         NDManager m) {
        opt.zeroGradients();
        backward(mine, t, skipLast);
        opt.step();
        legacyStep(legacy, theirs, t, skipLast, m);
    }

    static void legacyStep(Legacy legacy, List<NDArray> params, int t, boolean skipLast, NDManager m) {
        for (NDArray p : params) {
            JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p);
        }
        backward(params, t, skipLast);
        legacy.step(params, m);
    }

    @Test
    void flatUpdatesAreBitIdenticalToPerParameterOnesOverManyStepsInFloat32AndFloat64() {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            for (boolean lateParameter : new boolean[] {false, true}) {
                for (Case c : cases(SHAPES.length)) {
                    String what = c.what() + " " + type + (lateParameter ? " (last reached from step 10)" : "");
                    try (NDManager m = manager.newSubManager()) {
                        List<NDArray> mine = params(m, type, 7);
                        List<NDArray> theirs = params(m, type, 7);
                        try (Optimizer opt = c.make().apply(named(mine))) {
                            for (int t = 0; t < 60; t++) {
                                stepBoth(opt, mine, c.legacy(), theirs, t, lateParameter && t < 10, m);
                            }
                            assertSame(theirs, mine, what);
                            List<NDArray> start = params(m, type, 7);
                            assertFalse(Arrays.equals(start.get(0).toType(DataType.FLOAT32, false).toFloatArray(),
                                    mine.get(0).toType(DataType.FLOAT32, false).toFloatArray()), what + " moved");
                            assertEquals(c.legacy().state(opt.parameterNames()), opt.state(),
                                    what + ": the checkpoint's state is the per-parameter one");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aCheckpointInThePerParameterLayoutLoadsAndContinuesIdentically() throws IOException {
        for (boolean lateParameter : new boolean[] {false, true}) {
            for (Case c : cases(SHAPES.length)) {
                try (NDManager m = manager.newSubManager()) {
                    List<NDArray> theirs = params(m, DataType.FLOAT32, 3);
                    for (int t = 0; t < 5; t++) {
                        legacyStep(c.legacy(), theirs, t, lateParameter, m);
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    List<String> names = new ArrayList<>(named(theirs).keySet());
                    c.legacy().state(names).writeTo(bytes);
                    OptimizerState written = OptimizerState.readFrom(new ByteArrayInputStream(bytes.toByteArray()));

                    List<NDArray> mine = new ArrayList<>();
                    for (NDArray p : theirs) {
                        NDArray q = p.duplicate();
                        q.setRequiresGradient(true);
                        mine.add(q);
                    }
                    try (Optimizer opt = c.make().apply(named(mine))) {
                        opt.loadState(written);
                        for (int t = 5; t < 25; t++) {
                            stepBoth(opt, mine, c.legacy(), theirs, t, false, m);
                        }
                        assertSame(theirs, mine, c.what() + " resumed" + (lateParameter ? " (one never reached)" : ""));
                    }
                }
            }
        }
    }
}

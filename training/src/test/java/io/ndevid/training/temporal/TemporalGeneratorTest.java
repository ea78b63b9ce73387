package io.ndevid.training.temporal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.solvers.OdeOptions;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemporalGeneratorTest {

    private static final int B = 4;
    private static final int D = 6;
    private static final int T = 5;
    private static NDManager m;

    @BeforeAll
    static void start() {
        TorchRuntime.engine();
        m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    private static OdeTemporalGenerator ode(int order, FVariant v, int hidden, int mlp) {
        OdeTemporalGenerator g = new OdeTemporalGenerator(D, T, order, VectorFieldNet.build(v, D, hidden), mlp,
                3, OdeOptions.defaults());
        Blocks.xavierGainSqrt2(g);
        g.initialize(m, DataType.FLOAT32, new Shape(B, mlp > 0 ? 3 : D));
        return g;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void odeGeneratorRendersFramesHigherRatesAndBeforeFrameZero(int order) {
        try (NDManager s = m.newSubManager()) {
            OdeTemporalGenerator g = ode(order, FVariant.LINEAR, 0, 0);
            assertEquals("ode" + order, g.kind().id());
            ParameterStore ps = new ParameterStore(s, false);
            NDArray z = Randomness.uniform(s, new Shape(B, D), -1, 1, 3, DataType.FLOAT32);
            NDArray frames = g.forward(ps, new NDList(z), false).singletonOrThrow();
            assertEquals(new Shape(B, T, D), frames.getShape());
            assertTrue(frames.get(new NDIndex(":, 0, :")).sub(z).abs().max().getFloat() < 1e-6, "z_0 is the input");
            // 4× the frame rate: the original frames come back up to the solver's discretisation error.
            double[] fine = TemporalGenerator.renderTimes(T, 4, 0, 1);
            assertEquals(4 * (T - 1) + 1, fine.length);
            NDArray dense = g.generate(ps, z, fine, 0, false);
            NDArray shared = dense.get(new NDIndex(":, ::4, :"));
            float diff = shared.sub(frames).abs().max().getFloat();
            assertTrue(diff < 1e-3, "frames agree across frame rates: " + diff);
            assertTrue(dense.get(new NDIndex(":, 1, :")).sub(frames.get(new NDIndex(":, 0, :"))).abs().max()
                    .getFloat() > 0, "in-between frames differ from frame 0");
            // Before frame 0.
            NDArray before = g.generate(ps, z, new double[] {0, -0.25, -0.5}, 0, false);
            assertEquals(new Shape(B, 3, D), before.getShape());
            assertFalse(before.isNaN().any().getBoolean());
        }
    }

    /**
     * The authors' order-k form: k Linear encoders (z0 included) and f on the highest derivative only — so the
     * parameters are k·(d² + d) + (d² + d) against the stacked form's (k − 1)·(d² + d) + (k·d·d + d); frame 0 is
     * E_0(input), not the input; the first frames follow z(t) ≈ z0 + t·z0′ with z0′ = E_1(input).
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void authorsOrderKFormEncodesEveryInitialStateAndFeedsFTheHighestDerivative(int order) {
        try (NDManager s = m.newSubManager()) {
            OdeTemporalGenerator g = new OdeTemporalGenerator(D, T, order, VectorFieldNet.build(FVariant.LINEAR, D, 0),
                    0, 0, true, OdeOptions.defaults());
            Blocks.xavierGainSqrt2(g);
            g.initialize(m, DataType.FLOAT32, new Shape(B, D));
            long layer = (long) D * D + D;
            assertEquals(order * layer + layer, Blocks.parameterCount(g));
            OdeTemporalGenerator stacked = ode(order, FVariant.LINEAR, 0, 0);
            assertEquals((order - 1) * layer + (long) order * D * D + D, Blocks.parameterCount(stacked));
            ParameterStore ps = new ParameterStore(s, false);
            NDArray z = Randomness.uniform(s, new Shape(B, D), -1, 1, 3, DataType.FLOAT32);
            NDArray frames = g.forward(ps, new NDList(z), false).singletonOrThrow();
            assertEquals(new Shape(B, T, D), frames.getShape());
            assertTrue(frames.get(new NDIndex(":, 0, :")).sub(z).abs().max().getFloat() > 1e-3,
                    "z_0 is an encoding of the input");
            NDArray near = g.generate(ps, z, new double[] {0, 1e-3}, 0, false);
            NDArray slope = near.get(new NDIndex(":, 1, :")).sub(near.get(new NDIndex(":, 0, :"))).div(1e-3f);
            NDArray e1 = encoder(g, 1).forward(ps, new NDList(z), false).singletonOrThrow();
            assertTrue(slope.sub(e1).abs().max().getFloat() < 1e-2, "z′(0) = E_1(input)");
        }
    }

    private static ai.djl.nn.Block encoder(OdeTemporalGenerator g, int j) {
        for (Pair<String, ai.djl.nn.Block> c : g.getChildren()) { // DJL prefixes child names with their index
            if (c.getKey().endsWith("encoder" + j)) {
                return c.getValue();
            }
        }
        throw new AssertionError("no encoder" + j + " in " + g.getChildren().keys());
    }

    @Test
    void gradientsReachFMlpAndEncoders() {
        try (NDManager s = m.newSubManager()) {
            OdeTemporalGenerator g = ode(2, FVariant.DEEP, D, 8);
            ParameterStore ps = new ParameterStore(s, false);
            NDArray z = Randomness.uniform(s, new Shape(B, 3), -1, 1, 4, DataType.FLOAT32);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = g.forward(ps, new NDList(z), true).singletonOrThrow();
                gc.backward(out.square().mean());
            }
            for (Pair<String, Parameter> p : g.getParameters()) {
                float norm = p.getValue().getArray().getGradient().abs().sum().getFloat();
                assertTrue(norm > 0, "gradient reaches " + p.getKey());
                p.getValue().getArray().getGradient().subi(p.getValue().getArray().getGradient());
            }
        }
    }

    @Test
    void matchedHiddenWidthHitsTheTargetCount() {
        long target = 200_000;
        for (int order = 1; order <= 3; order++) {
            OdeTemporalGenerator probe = ode(order, FVariant.LINEAR, 0, 0);
            long rest = probe.parametersOutsideF();
            int h = VectorFieldNet.matchedHidden(target, rest, order * D, D);
            OdeTemporalGenerator g = ode(order, FVariant.MATCHED, h, 0);
            long total = Blocks.parameterCount(g);
            assertTrue(Math.abs(total - target) <= 0.05 * target, "order " + order + ": " + total + " vs " + target);
            assertEquals(rest + VectorFieldNet.parameterCount(FVariant.MATCHED, order * D, D, h), total,
                    "the formula counts what the block holds");
        }
        var e = assertThrows(IllegalArgumentException.class, () -> VectorFieldNet.matchedHidden(10, 500, D, D));
        assertTrue(e.getMessage().contains("cannot match"), e.getMessage());
    }

    @Test
    void gruIsReproducibleFromItsSeedAndRefusesOtherTimes() {
        try (NDManager s = m.newSubManager()) {
            GruTemporalGenerator g = new GruTemporalGenerator(D, 3, T);
            g.initialize(m, DataType.FLOAT32, new Shape(B, D));
            ParameterStore ps = new ParameterStore(s, false);
            NDArray h0 = Randomness.normal(s, new Shape(B, D), 1, DataType.FLOAT32);
            double[] frames = TemporalGenerator.frameTimes(T);
            NDArray a = g.generate(ps, h0, frames, 42, false);
            NDArray b = g.generate(ps, h0, frames, 42, false);
            NDArray c = g.generate(ps, h0, frames, 43, false);
            assertEquals(new Shape(B, T, D), a.getShape());
            assertEquals(0f, a.sub(b).abs().max().getFloat());
            assertTrue(a.sub(c).abs().max().getFloat() > 1e-3);
            var e = assertThrows(UnsupportedOperationException.class,
                    () -> g.generate(ps, h0, TemporalGenerator.renderTimes(T, 2, 0, 1), 42, false));
            assertTrue(e.getMessage().contains("ODE or SDE"), e.getMessage());
        }
    }

    @Test
    void sdeFollowsOneBrownianPathAcrossFrameRates() {
        try (NDManager s = m.newSubManager()) {
            SdeTemporalGenerator g = new SdeTemporalGenerator(D, T, VectorFieldNet.build(FVariant.LINEAR, D, 0),
                    "sigmoid", 0, 1, io.ndevid.solvers.sde.SdeMethod.EULER, 1.0 / 64);
            g.initialize(m, DataType.FLOAT32, new Shape(B, D));
            assertEquals("sde", g.kind().id());
            ParameterStore ps = new ParameterStore(s, false);
            NDArray z = Randomness.uniform(s, new Shape(B, D), -1, 1, 5, DataType.FLOAT32);
            double[] frames = TemporalGenerator.frameTimes(T);
            NDArray a = g.generate(ps, z, frames, 11, false);
            NDArray again = g.generate(ps, z, frames, 11, false);
            NDArray other = g.generate(ps, z, frames, 12, false);
            assertEquals(new Shape(B, T, D), a.getShape());
            assertEquals(0f, a.sub(again).abs().max().getFloat(), "same seed, same path");
            assertTrue(a.sub(other).abs().max().getFloat() > 1e-3, "another seed, another path");
            // Frames every 1/4, dt = 1/64: the 2× render's step grid contains the 1× grid, so shared frames match.
            NDArray fine = g.generate(ps, z, TemporalGenerator.renderTimes(T, 2, 0, 1), 11, false);
            assertTrue(fine.get(new NDIndex(":, ::2, :")).sub(a).abs().max().getFloat() < 1e-5,
                    "the 2× render passes through the same frames");
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(g.generate(ps, z, frames, 11, true).square().mean());
            }
            for (Pair<String, Parameter> p : g.getParameters()) {
                assertTrue(p.getValue().getArray().getGradient().abs().sum().getFloat() > 0, "gradient reaches "
                        + p.getKey());
            }
        }
    }

    @Test
    void renderTimesValidate() {
        assertThrows(IllegalArgumentException.class, () -> TemporalGenerator.renderTimes(16, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> TemporalGenerator.renderTimes(16, 2, 1, 0));
        double[] t = TemporalGenerator.renderTimes(16, 2, -0.2, 1);
        assertEquals(-0.2, t[0], 1e-12);
        assertEquals(1.0, t[t.length - 1], 1e-9);
    }
}

package io.ndevid.training.nn;

import ai.djl.Device;
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
import ai.djl.util.PairList;
import io.ndevid.solvers.engine.TorchRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link BatchNorm} against DJL's block with axis 1: bit-identical outputs, gradients and running statistics, the same
 * parameter names, and checkpoints that load either way.
 */
class BatchNormTest {

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

    private static SequentialBlock wrap(Block bn) {
        // Inside a SequentialBlock, as the models use it: the parameter names come from the class's simple name.
        return new SequentialBlock().add(x -> x).add(x -> x).add(bn);
    }

    private static SequentialBlock djl() {
        return wrap(ai.djl.nn.norm.BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build());
    }

    private static SequentialBlock ours() {
        return wrap(BatchNorm.torchDefaults());
    }

    private static NDArray random(NDManager m, Shape shape, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 2 + 0.5);
        }
        return m.create(v, shape);
    }

    /** Sets every trainable parameter to the same random values in both blocks (γ, β away from 1, 0). */
    private static void sameRandomParameters(Block a, Block b) {
        PairList<String, Parameter> pa = a.getParameters();
        PairList<String, Parameter> pb = b.getParameters();
        for (int i = 0; i < pa.size(); i++) {
            NDArray x = pa.get(i).getValue().getArray();
            float[] v = random(manager, x.getShape(), 100 + i).toFloatArray();
            if (pa.get(i).getKey().endsWith("runningVar")) {
                for (int j = 0; j < v.length; j++) {
                    v[j] = Math.abs(v[j]);
                }
            }
            x.set(FloatBuffer.wrap(v));
            pb.get(i).getValue().getArray().set(FloatBuffer.wrap(v));
        }
    }

    @Test
    void bitIdenticalToDjlsBlockInValuesGradientsAndRunningStatistics() {
        for (Shape shape : new Shape[] {new Shape(8, 5), new Shape(4, 6, 7), new Shape(3, 4, 5, 6),
                new Shape(2, 3, 4, 5, 6)}) {
            try (NDManager m = manager.newSubManager()) {
                SequentialBlock a = djl();
                SequentialBlock b = ours();
                a.initialize(m, DataType.FLOAT32, shape);
                b.initialize(m, DataType.FLOAT32, shape);
                List<String> namesA = new ArrayList<>(a.getParameters().keys());
                assertEquals(namesA, b.getParameters().keys(), "parameter names");
                sameRandomParameters(a, b);
                for (int step = 0; step < 3; step++) {
                    NDArray x = random(m, shape, 7 + step);
                    NDArray g = random(m, shape, 70 + step);
                    List<float[]> ra = run(a, x, g, m);
                    List<float[]> rb = run(b, x, g, m);
                    for (int i = 0; i < ra.size(); i++) {
                        assertArrayEquals(ra.get(i), rb.get(i), shape + " step " + step + " item " + i);
                    }
                }
                // Inference mode reads the running statistics.
                NDArray x = random(m, shape, 99);
                assertArrayEquals(a.forward(new ParameterStore(m, false), new NDList(x), false).head().toFloatArray(),
                        b.forward(new ParameterStore(m, false), new NDList(x), false).head().toFloatArray());
            }
        }
    }

    /** Output, d(sum(out·g))/dx, dγ, dβ, then the running mean and variance after the step. */
    private static List<float[]> run(Block block, NDArray x0, NDArray g, NDManager m) {
        List<float[]> out = new ArrayList<>();
        NDArray x = x0.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            NDArray y = block.forward(new ParameterStore(m, false), new NDList(x), true).head();
            out.add(y.toFloatArray());
            gc.backward(y.mul(g).sum());
        }
        out.add(x.getGradient().toFloatArray());
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray v = p.getValue().getArray();
            out.add(p.getValue().requiresGradient() ? v.getGradient().toFloatArray() : v.toFloatArray());
        }
        return out;
    }

    @Test
    void checkpointsLoadEitherWay() throws Exception {
        Shape shape = new Shape(4, 6, 3, 3);
        try (NDManager m = manager.newSubManager()) {
            SequentialBlock a = djl();
            SequentialBlock b = ours();
            a.initialize(m, DataType.FLOAT32, shape);
            b.initialize(m, DataType.FLOAT32, shape);
            sameRandomParameters(a, b);
            SequentialBlock fromA = ours();
            fromA.initialize(m, DataType.FLOAT32, shape);
            fromA.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes(a))));
            SequentialBlock fromB = djl();
            fromB.initialize(m, DataType.FLOAT32, shape);
            fromB.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes(b))));
            assertArrayEquals(bytes(a), bytes(fromB), "DJL's block, written by ours");
            assertArrayEquals(bytes(b), bytes(fromA), "ours, written by DJL's block");
            assertArrayEquals(bytes(a), bytes(b), "the same encoding");
        }
    }

    private static byte[] bytes(Block block) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream os = new DataOutputStream(bos)) {
            block.saveParameters(os);
        }
        return bos.toByteArray();
    }
}

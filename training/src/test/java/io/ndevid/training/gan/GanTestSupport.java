package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.util.Randomness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cpu-tiny specs, real batches and the checks every model's matrix test shares. */
final class GanTestSupport {

    private GanTestSupport() {}

    static TrialSpec tiny(ModelFamily model, TemporalKind kind, FVariant f) {
        return Presets.of("cpu-tiny", model, kind, f);
    }

    /** cpu-tiny with field overrides, e.g. {@code "frames": 6}. */
    static TrialSpec tiny(ModelFamily model, TemporalKind kind, FVariant f, String overrides) {
        return io.ndevid.training.spec.SpecIO.parse("{\"preset\": \"cpu-tiny\", \"model\": \"" + model.id()
                + "\", \"temporal\": \"" + kind.id() + "\", \"f\": \"" + f.id() + "\", " + overrides + "}");
    }

    /** Every (G_t, f) pair: original once, then each ODE/SDE with each f. */
    static List<Object[]> matrix() {
        List<Object[]> out = new ArrayList<>();
        out.add(new Object[] {TemporalKind.ORIGINAL, FVariant.LINEAR});
        for (TemporalKind k : List.of(TemporalKind.ODE1, TemporalKind.ODE2, TemporalKind.ODE3, TemporalKind.SDE)) {
            for (FVariant f : FVariant.values()) {
                out.add(new Object[] {k, f});
            }
        }
        return out;
    }

    /** A deterministic "real" batch in [−1, 1]: smooth moving blobs are not needed to exercise the step. */
    static NDArray realBatch(NDManager m, TrialSpec spec, long iteration) {
        Shape s = new Shape(spec.batchSize(), spec.channels(), spec.frames(), spec.frameSize(), spec.frameSize());
        return Randomness.uniform(m, s, -1, 1, Randomness.derive(99, iteration, "real"), DataType.FLOAT32);
    }

    static List<Map<String, Double>> train(VideoGan gan, NDManager m, long from, long to) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (long it = from; it < to; it++) {
            try (NDManager s = m.newSubManager()) {
                out.add(gan.step(realBatch(s, gan.spec(), it), it));
            }
        }
        return out;
    }

    /** Builds, takes two steps with finite losses, and samples [n, C, T, H, W] in [−1, 1]. */
    static void buildsStepsAndSamples(NDManager m, TrialSpec spec, Consumer<VideoGan> more) {
        long t0 = System.nanoTime();
        try (VideoGan gan = GanFactory.create(spec, m, Device.cpu())) {
            for (Map<String, Double> losses : train(gan, m, 0, 2)) {
                assertTrue(losses.containsKey("d_loss") && losses.containsKey("g_loss"), losses.toString());
                losses.forEach((k, v) -> assertTrue(Double.isFinite(v), spec.configId() + ": " + k + " = " + v));
            }
            try (NDManager s = m.newSubManager()) {
                NDArray v = gan.sample(s, 3, 7);
                assertEquals(new Shape(3, spec.channels(), spec.frames(), spec.frameSize(), spec.frameSize()),
                        v.getShape());
                assertTrue(v.max().getFloat() <= 1f && v.min().getFloat() >= -1f, "sample in [−1, 1]");
                assertTrue(!v.isNaN().any().getBoolean(), "no NaN in samples");
            }
            more.accept(gan);
        }
        System.out.printf("%s: built, 2 steps, sampled in %d ms%n", spec.configId(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The engine with one intra-op thread: on this shared 2-core machine libtorch's two OpenMP threads spin against
     * other processes and tiny steps took 0.03–3 s at random; with one thread they take 30–150 ms steadily.
     */
    static NDManager manager() {
        io.ndevid.solvers.engine.TorchRuntime.engine();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        return NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    /** Copies of every parameter array of a block, by name. */
    static Map<String, float[]> snapshot(ai.djl.nn.Block b) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (var p : b.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Asserts every trainable parameter of {@code b} changed since {@code before}. */
    static void assertAllTrainableChanged(String what, ai.djl.nn.Block b, Map<String, float[]> before) {
        assertAllTrainableChanged(what, b, before, name -> false);
    }

    /** As above, except parameters whose gradient is zero by construction ({@code exempt}). */
    static void assertAllTrainableChanged(String what, ai.djl.nn.Block b, Map<String, float[]> before,
                                          java.util.function.Predicate<String> exempt) {
        int n = 0;
        for (var p : b.getParameters()) {
            if (!p.getValue().requiresGradient() || exempt.test(p.getKey())) {
                continue;
            }
            n++;
            float[] now = p.getValue().getArray().toFloatArray();
            assertTrue(!java.util.Arrays.equals(before.get(p.getKey()), now),
                    what + ": " + p.getKey() + " did not change");
        }
        assertTrue(n > 0, what + " has trainable parameters");
    }

    /** Serialises every network's parameters. */
    static Map<String, byte[]> saveNetworks(VideoGan gan) throws java.io.IOException {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        for (var e : gan.networks().entrySet()) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            e.getValue().saveParameters(new java.io.DataOutputStream(bytes));
            out.put(e.getKey(), bytes.toByteArray());
        }
        return out;
    }

    static void loadNetworks(VideoGan gan, NDManager m, Map<String, byte[]> saved) throws Exception {
        for (var e : gan.networks().entrySet()) {
            e.getValue().loadParameters(m, new java.io.DataInputStream(
                    new java.io.ByteArrayInputStream(saved.get(e.getKey()))));
        }
    }
}

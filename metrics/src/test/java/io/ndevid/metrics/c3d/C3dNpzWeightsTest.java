package io.ndevid.metrics.c3d;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.util.Randomness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class C3dNpzWeightsTest {

    /** Writes every parameter of {@code c3d} as Chainer would name it, optionally renaming or dropping one. */
    private static void writeNpz(C3D c3d, Path file, String skip) throws IOException {
        Path tmp = Files.createTempFile("param", ".npy");
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Pair<String, Parameter> p : c3d.getParameters()) {
                String key = C3dNpzWeights.chainerKey(p.getKey());
                if (key.equals(skip)) {
                    continue;
                }
                NDArray a = p.getValue().getArray();
                int[] shape = Arrays.stream(a.getShape().getShape()).mapToInt(l -> (int) l).toArray();
                Npy.write(tmp, NpyArray.of(a.toType(DataType.FLOAT32, false).toFloatArray(), shape));
                zip.putNextEntry(new ZipEntry("predictor/" + key + ".npy"));
                zip.write(Files.readAllBytes(tmp));
                zip.closeEntry();
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Test
    void chainerNamedNpzLoadsIntoAnIdenticalNetwork(@TempDir Path dir) throws IOException {
        TorchRuntime.engine();
        C3dConfig config = C3dConfig.small(5, 0.125, 8, 16);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            C3D source = new C3D(config).initialize(m);
            Path npz = dir.resolve("c3d.npz");
            writeNpz(source, npz, null);
            C3D loaded = C3dNpzWeights.load(new C3D(config), m, npz);
            NDArray x = Randomness.uniform(m, source.inputShape(2), -100, 100, 3, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray a = source.forwardWithFeatures(ps, x, false).logits();
            NDArray b = loaded.forwardWithFeatures(ps, x, false).logits();
            assertEquals(0f, a.sub(b).abs().max().getFloat(), "same weights, same logits");
            assertEquals("conv1a/W", C3dNpzWeights.chainerKey("01conv1a_weight"));
            assertEquals("fc8/b", C3dNpzWeights.chainerKey("13fc8_bias"));

            Path partial = dir.resolve("partial.npz");
            writeNpz(source, partial, "fc7/W");
            var missing = assertThrows(MetricsInputException.class, () -> C3dNpzWeights.load(new C3D(config), m,
                    partial));
            assertTrue(missing.getMessage().contains("fc7/W"), missing.getMessage());

            C3D other = new C3D(C3dConfig.small(7, 0.125, 8, 16)).initialize(m);
            Path wrongClasses = dir.resolve("seven.npz");
            writeNpz(other, wrongClasses, null);
            var shape = assertThrows(MetricsInputException.class, () -> C3dNpzWeights.load(new C3D(config), m,
                    wrongClasses));
            assertTrue(shape.getMessage().contains("fc8/W") && shape.getMessage().contains("shape"),
                    shape.getMessage());

            Path notZip = dir.resolve("junk.npz");
            Files.writeString(notZip, "not a zip");
            assertThrows(MetricsInputException.class, () -> C3dNpzWeights.load(new C3D(config), m, notZip));
        }
    }

    @Test
    void savedNpzNamesItsOwnWidthAndClasses(@TempDir Path dir) throws IOException {
        TorchRuntime.engine();
        C3dConfig config = new C3dConfig(7, 1.0 / 16, 8, 32, 32, 0.5f);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            C3D source = new C3D(config).initialize(m);
            Path npz = dir.resolve("c3d.npz");
            C3dNpzWeights.save(source, npz);
            C3dConfig inferred = C3dNpzWeights.inferConfig(npz, 8, 32);
            assertEquals(config, inferred);
            C3D loaded = C3dNpzWeights.load(new C3D(inferred), m, npz);
            NDArray x = Randomness.uniform(m, source.inputShape(2), -100, 100, 5, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(m, false);
            assertEquals(0f, source.forwardWithFeatures(ps, x, false).logits()
                    .sub(loaded.forwardWithFeatures(ps, x, false).logits()).abs().max().getFloat());
            var tooLong = assertThrows(MetricsInputException.class, () -> C3dNpzWeights.load(
                    new C3D(C3dNpzWeights.inferConfig(npz, 8, 64)), m, npz));
            assertTrue(tooLong.getMessage().contains("fc6/W"), tooLong.getMessage());
        }
    }
}

package io.ndevid.metrics.c3d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.metrics.npy.Npz;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * C3D weights from a NumPy {@code .npz} archive named as Chainer saves a link ({@code conv1a/W}, {@code conv1a/b},
 * …, {@code fc8/W}, {@code fc8/b}; a {@code predictor/} prefix is accepted) — the layout of the public Chainer
 * conversion of the Caffe C3D UCF101 model that TGAN's evaluation uses. Chainer's layouts equal DJL's:
 * convolutions [out, in, kD, kH, kW], linear layers [out, in], fc6 reading pool5 flattened as (C, D, H, W).
 */
public final class C3dNpzWeights {

    private C3dNpzWeights() {}

    /** Initializes {@code c3d} if needed and overwrites every parameter from {@code npz}. */
    public static C3D load(C3D c3d, NDManager manager, Path npz) throws IOException {
        if (!Files.isRegularFile(npz)) {
            throw new MetricsInputException("C3D .npz weights not found: " + npz);
        }
        if (!c3d.isInitialized()) {
            c3d.initialize(manager);
        }
        Map<String, NpyArray> arrays = Npz.read(npz);
        for (Pair<String, Parameter> p : c3d.getParameters()) {
            String key = chainerKey(p.getKey());
            NpyArray a = arrays.get(key);
            if (a == null) {
                a = arrays.get("predictor/" + key);
            }
            if (a == null) {
                throw new MetricsInputException(npz + " has no array '" + key + "' for C3D parameter " + p.getKey()
                        + " (it has " + arrays.keySet() + ")");
            }
            NDArray target = p.getValue().getArray();
            Shape want = target.getShape();
            Shape got = new Shape(Arrays.stream(a.shape()).mapToLong(i -> i).toArray());
            if (!want.equals(got)) {
                throw new MetricsInputException(npz + ": '" + key + "' has shape " + got + " but this C3D ("
                        + c3d.config() + ") needs " + want);
            }
            target.set(FloatBuffer.wrap(a.toFloats()));
        }
        return c3d;
    }

    /** Writes every parameter of an initialized {@code c3d} to {@code npz} with Chainer's names, as float32. */
    public static void save(C3D c3d, Path npz) throws IOException {
        if (!c3d.isInitialized()) {
            throw new IllegalArgumentException("the C3D block is not initialized");
        }
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : c3d.getParameters()) {
            NDArray a = p.getValue().getArray();
            int[] shape = Arrays.stream(a.getShape().getShape()).mapToInt(l -> (int) l).toArray();
            arrays.put(chainerKey(p.getKey()),
                    NpyArray.of(a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), shape));
        }
        Npz.write(npz, arrays);
    }

    /**
     * The C3D an {@code .npz} holds, for clips of {@code frames} frames at {@code size}×{@code size} after
     * preprocessing: width multiplier from conv1a's output channels (64·w), classes from fc8's outputs. The other
     * shapes are checked when {@link #load} reads them.
     *
     * @throws MetricsInputException if the file is not an .npz holding conv1a/W and fc8/W of C3D shapes
     */
    public static C3dConfig inferConfig(Path npz, int frames, int size) throws IOException {
        if (!Files.isRegularFile(npz)) {
            throw new MetricsInputException("C3D .npz weights not found: " + npz);
        }
        int[] conv1a = shapeOf(npz, "conv1a/W");
        int[] fc8 = shapeOf(npz, "fc8/W");
        if (conv1a.length != 5 || conv1a[1] != 3 || fc8.length != 2) {
            throw new MetricsInputException(npz + ": conv1a/W " + Arrays.toString(conv1a) + " and fc8/W "
                    + Arrays.toString(fc8) + " are not a C3D's ([64·w, 3, 3, 3, 3] and [classes, 4096·w])");
        }
        C3dConfig c = new C3dConfig(fc8[0], conv1a[0] / 64.0, frames, size, size, 0.5f);
        if (c.fcUnits() != fc8[1]) {
            throw new MetricsInputException(npz + ": fc8/W " + Arrays.toString(fc8) + " does not fit conv1a/W "
                    + Arrays.toString(conv1a) + " (a C3D of width " + c.widthMultiplier() + " has "
                    + c.fcUnits() + " fc units)");
        }
        return c;
    }

    /** The shape of one array of the archive (with or without the {@code predictor/} prefix). */
    private static int[] shapeOf(Path npz, String key) throws IOException {
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            ZipEntry e = zip.getEntry(key + ".npy");
            if (e == null) {
                e = zip.getEntry("predictor/" + key + ".npy");
            }
            if (e == null) {
                throw new MetricsInputException(npz + " has no array '" + key + "': not a C3D saved with Chainer's "
                        + "names (conv1a/W, …, fc8/b)");
            }
            Path tmp = Files.createTempFile("ndevid-npz", ".npy");
            try {
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                return Npy.read(tmp).shape();
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (java.util.zip.ZipException z) {
            throw new MetricsInputException(npz + " is not a .npz (zip) archive: " + z.getMessage());
        }
    }

    /** {@code 01conv1a_weight} → {@code conv1a/W}; {@code 13fc8_bias} → {@code fc8/b}. */
    static String chainerKey(String djlName) {
        String n = djlName.replaceFirst("^\\d+", "");
        int cut = n.lastIndexOf('_');
        String layer = n.substring(0, cut);
        String kind = n.substring(cut + 1);
        return layer + "/" + (kind.equals("weight") ? "W" : kind.equals("bias") ? "b" : kind);
    }
}

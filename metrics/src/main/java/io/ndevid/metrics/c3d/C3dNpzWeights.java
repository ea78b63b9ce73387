package io.ndevid.metrics.c3d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
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
        Map<String, NpyArray> arrays = readAll(npz);
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

    /** {@code 01conv1a_weight} → {@code conv1a/W}; {@code 13fc8_bias} → {@code fc8/b}. */
    static String chainerKey(String djlName) {
        String n = djlName.replaceFirst("^\\d+", "");
        int cut = n.lastIndexOf('_');
        String layer = n.substring(0, cut);
        String kind = n.substring(cut + 1);
        return layer + "/" + (kind.equals("weight") ? "W" : kind.equals("bias") ? "b" : kind);
    }

    private static Map<String, NpyArray> readAll(Path npz) throws IOException {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        Path tmp = Files.createTempDirectory("ndevid-npz");
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                Path f = tmp.resolve("a.npy");
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                out.put(e.getName().substring(0, e.getName().length() - 4), Npy.read(f));
                Files.delete(f);
            }
        } catch (java.util.zip.ZipException z) {
            throw new MetricsInputException(npz + " is not a .npz (zip) archive: " + z.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
        }
        return out;
    }
}

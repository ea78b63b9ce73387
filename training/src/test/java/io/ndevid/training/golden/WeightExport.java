package io.ndevid.training.golden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Arrays for a Python twin: each as raw little-endian float64 ({@code NAME.f64}) plus an entry in
 * {@code manifest.json} ({@code {"arrays": [{"name", "shape", "file"}...], ...}}), in the order written; float32
 * arrays are widened exactly. {@link #read} reads such a file back (what the script writes).
 */
final class WeightExport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final ObjectNode manifest = JSON.createObjectNode();
    private final ArrayNode arrays = manifest.putArray("arrays");

    WeightExport(Path dir) {
        this.dir = dir;
    }

    /** Extra manifest fields (settings the script needs). */
    ObjectNode manifest() {
        return manifest;
    }

    void add(String name, NDArray a) throws IOException {
        double[] v = a.toType(DataType.FLOAT64, false).toDoubleArray();
        String file = name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + arrays.size() + ".f64";
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        Files.write(dir.resolve(file), b.array());
        ObjectNode e = arrays.addObject();
        e.put("name", name);
        ArrayNode shape = e.putArray("shape");
        for (long d : a.getShape().getShape()) {
            shape.add(d);
        }
        e.put("file", file);
    }

    void finish() throws IOException {
        Files.writeString(dir.resolve("manifest.json"), JSON.writeValueAsString(manifest));
    }

    static double[] read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(v);
        return v;
    }
}

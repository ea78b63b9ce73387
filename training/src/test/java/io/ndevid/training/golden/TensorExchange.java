package io.ndevid.training.golden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tensors between the Java tests and {@code src/test/python/golden.py}: a folder with {@code manifest.json} and one
 * raw little-endian file per tensor (float32 or float64, C order). The manifest holds {@code config} (settings for the
 * script), {@code tensors} (name → file, dtype, shape) and {@code parameters} (group → a DJL block's parameters in
 * {@link Block#getParameters()} order, each with its DJL name, shape and whether it is trained — BatchNorm's running
 * statistics are not). The same layout, without config and
 * parameters, comes back from Python ({@link #read}).
 *
 * <p>Parameters go by order plus shape, not by name: a PyTorch twin consumes them in its construction order and
 * checks every shape, so a twin that drifts from the Java network fails with the parameter's DJL name.
 */
public final class TensorExchange {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> config = new LinkedHashMap<>();
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();
    /** Group → (DJL name, (trainable, values)). */
    private final Map<String, List<Pair<String, Pair<Boolean, NDArray>>>> parameters = new LinkedHashMap<>();

    /** A setting the script reads (numbers, strings, lists and maps of them). */
    public TensorExchange config(String key, Object value) {
        config.put(key, value);
        return this;
    }

    /** A named tensor; its values are read when {@link #write} runs. */
    public TensorExchange tensor(String name, NDArray array) {
        checkType(name, array);
        tensors.put(name, array);
        return this;
    }

    /**
     * Every parameter of {@code block} (weights, biases, BatchNorm's γ, β and running statistics) under
     * {@code group}, in DJL's order with DJL's names. Their values are read when {@link #write} runs.
     */
    public TensorExchange parameters(String group, Block block) {
        List<Pair<String, Pair<Boolean, NDArray>>> list = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            checkType(group + "/" + p.getKey(), a);
            list.add(new Pair<>(p.getKey(), new Pair<>(p.getValue().requiresGradient(), a)));
        }
        parameters.put(group, list);
        return this;
    }

    private static void checkType(String name, NDArray a) {
        if (a.getDataType() != DataType.FLOAT32 && a.getDataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException(name + ": only float32 and float64 are exchanged, got "
                    + a.getDataType());
        }
    }

    /** Writes the manifest and the tensor files into {@code dir} (created if needed). */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            int[] counter = {0};
            Map<String, Object> tensorEntries = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                tensorEntries.put(e.getKey(), writeTensor(dir, counter, e.getValue()));
            }
            Map<String, Object> parameterEntries = new LinkedHashMap<>();
            for (Map.Entry<String, List<Pair<String, Pair<Boolean, NDArray>>>> e : parameters.entrySet()) {
                List<Object> list = new ArrayList<>();
                for (Pair<String, Pair<Boolean, NDArray>> p : e.getValue()) {
                    Map<String, Object> entry = writeTensor(dir, counter, p.getValue().getValue());
                    entry.put("name", p.getKey());
                    entry.put("trainable", p.getValue().getKey());
                    list.add(entry);
                }
                parameterEntries.put(e.getKey(), list);
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("config", config);
            manifest.put("tensors", tensorEntries);
            manifest.put("parameters", parameterEntries);
            JSON.writeValue(dir.resolve("manifest.json").toFile(), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> writeTensor(Path dir, int[] counter, NDArray a) throws IOException {
        String file = "t" + counter[0]++ + ".bin";
        boolean f64 = a.getDataType() == DataType.FLOAT64;
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(a.size() * (f64 ? 8 : 4))).order(ByteOrder.LITTLE_ENDIAN);
        if (f64) {
            buf.asDoubleBuffer().put(a.toDoubleArray());
        } else {
            buf.asFloatBuffer().put(a.toFloatArray());
        }
        Files.write(dir.resolve(file), buf.array());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("file", file);
        entry.put("dtype", f64 ? "float64" : "float32");
        entry.put("shape", a.getShape().getShape());
        return entry;
    }

    /** Reads a folder written by the script: its {@code tensors}, by name. */
    public static Tensors read(Path dir) {
        try {
            JsonNode root = JSON.readTree(dir.resolve("manifest.json").toFile());
            Map<String, Tensor> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.path("tensors").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode n = e.getValue();
                long[] shape = new long[n.path("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = n.path("shape").get(i).asLong();
                }
                boolean f64 = n.path("dtype").asText().equals("float64");
                ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(n.path("file").asText())))
                        .order(ByteOrder.LITTLE_ENDIAN);
                double[] values = new double[Math.toIntExact(new Shape(shape).size())];
                if (buf.remaining() != values.length * (f64 ? 8 : 4)) {
                    throw new IOException(e.getKey() + ": " + buf.remaining() + " bytes for shape "
                            + new Shape(shape));
                }
                for (int i = 0; i < values.length; i++) {
                    values[i] = f64 ? buf.getDouble() : buf.getFloat();
                }
                out.put(e.getKey(), new Tensor(new Shape(shape), f64 ? DataType.FLOAT64 : DataType.FLOAT32, values));
            }
            return new Tensors(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One tensor from Python, values widened to double. */
    public record Tensor(Shape shape, DataType dataType, double[] values) {}

    /** The tensors of one script run. */
    public record Tensors(Map<String, Tensor> byName) {
        public Tensor get(String name) {
            Tensor t = byName.get(name);
            if (t == null) {
                throw new IllegalArgumentException("golden.py wrote no tensor '" + name + "'; it wrote "
                        + byName.keySet());
            }
            return t;
        }
    }
}

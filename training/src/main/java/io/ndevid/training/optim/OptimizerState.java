package io.ndevid.training.optim;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of an optimizer's state for checkpoints: its kind, learning rate, per-parameter step counts and named
 * float arrays (e.g. {@code exp_avg/<param>}, {@code exp_avg_sq/<param>} for Adam, PyTorch's names).
 *
 * @param kind         {@code adam} or {@code rmsprop}
 * @param learningRate the current learning rate (schedules change it)
 * @param steps        updates applied so far, per parameter name
 * @param arrays       state tensors by name, row-major float32 values
 * @param shapes       the shape of each array in {@code arrays}
 */
public record OptimizerState(String kind, double learningRate, Map<String, Long> steps, Map<String, float[]> arrays,
                             Map<String, long[]> shapes) {

    private static final int MAGIC = 0x4E44_4F50; // "NDOP"
    private static final int VERSION = 1;

    public OptimizerState {
        Objects.requireNonNull(kind, "kind");
        steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
        arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
        shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
        if (!arrays.keySet().equals(shapes.keySet())) {
            throw new IllegalArgumentException("arrays and shapes name different tensors");
        }
        for (var e : arrays.entrySet()) {
            long n = Arrays.stream(shapes.get(e.getKey())).reduce(1, (a, b) -> a * b);
            if (n != e.getValue().length) {
                throw new IllegalArgumentException(e.getKey() + ": " + e.getValue().length + " values for shape "
                        + Arrays.toString(shapes.get(e.getKey())));
            }
        }
    }

    /** Writes the state as a self-describing binary record (big-endian; does not close the stream). */
    public void writeTo(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeInt(VERSION);
        d.writeUTF(kind);
        d.writeDouble(learningRate);
        d.writeInt(steps.size());
        for (var e : steps.entrySet()) {
            d.writeUTF(e.getKey());
            d.writeLong(e.getValue());
        }
        d.writeInt(arrays.size());
        for (var e : arrays.entrySet()) {
            d.writeUTF(e.getKey());
            long[] shape = shapes.get(e.getKey());
            d.writeInt(shape.length);
            for (long s : shape) {
                d.writeLong(s);
            }
            float[] v = e.getValue();
            d.writeInt(v.length);
            for (float f : v) {
                d.writeFloat(f);
            }
        }
        d.flush();
    }

    /** Reads what {@link #writeTo} wrote. */
    public static OptimizerState readFrom(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        if (d.readInt() != MAGIC) {
            throw new IOException("not an ndevid optimizer state");
        }
        int version = d.readInt();
        if (version != VERSION) {
            throw new IOException("optimizer state version " + version + ", this build reads " + VERSION);
        }
        String kind = d.readUTF();
        double lr = d.readDouble();
        Map<String, Long> steps = new LinkedHashMap<>();
        for (int i = d.readInt(); i > 0; i--) {
            steps.put(d.readUTF(), d.readLong());
        }
        Map<String, float[]> arrays = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = d.readInt(); i > 0; i--) {
            String name = d.readUTF();
            long[] shape = new long[d.readInt()];
            for (int j = 0; j < shape.length; j++) {
                shape[j] = d.readLong();
            }
            float[] v = new float[d.readInt()];
            for (int j = 0; j < v.length; j++) {
                v[j] = d.readFloat();
            }
            arrays.put(name, v);
            shapes.put(name, shape);
        }
        return new OptimizerState(kind, lr, steps, arrays, shapes);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OptimizerState s) || !kind.equals(s.kind) || learningRate != s.learningRate
                || !steps.equals(s.steps) || !arrays.keySet().equals(s.arrays.keySet())) {
            return false;
        }
        for (String k : arrays.keySet()) {
            if (!Arrays.equals(arrays.get(k), s.arrays.get(k)) || !Arrays.equals(shapes.get(k), s.shapes.get(k))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, learningRate, steps, arrays.keySet());
    }

    @Override
    public String toString() {
        return "OptimizerState[" + kind + ", lr=" + learningRate + ", " + steps.size() + " params, arrays="
                + arrays.keySet() + "]";
    }
}

package io.ndevid.solvers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

import java.util.HashMap;
import java.util.Map;

/**
 * 0-d constants made once per value and type and reused by every step that reads them (a fixed-step solve's step
 * sizes and tableau weights, for instance), instead of one new tensor per use. They are {@link Scalars} (native
 * memory, safe inside autograd), owned by the given manager and closed with it, not by an enclosing
 * {@link NDScope}.
 *
 * <p>Two requests share a tensor only when the tensor would hold the same bits: the key is the value as the type
 * stores it (float32 and narrower types hold the float nearest the double), so reuse never changes a result.
 */
public final class ScalarCache {

    private final NDManager manager;
    private final Map<Key, NDArray> values = new HashMap<>();

    public ScalarCache(NDManager manager) {
        this.manager = manager;
    }

    /** The 0-d tensor holding {@code v} as {@code type} stores it, on the manager's device. */
    public NDArray of(double v, DataType type) {
        return of(v, type, manager.getDevice());
    }

    /** The 0-d tensor holding {@code v} as {@code like}'s type stores it, on {@code like}'s device. */
    public NDArray of(NDArray like, double v) {
        return of(v, like.getDataType(), like.getDevice());
    }

    private NDArray of(double v, DataType type, Device device) {
        double stored = type == DataType.FLOAT64 ? v : (double) (float) v;
        return values.computeIfAbsent(new Key(type, device, stored), k -> {
            NDArray c = Scalars.of(manager, stored, type).toDevice(device, false);
            NDScope.unregister(c);
            return c;
        });
    }

    /** Distinct constants made so far. */
    public int size() {
        return values.size();
    }

    private record Key(DataType type, Device device, double stored) {}
}

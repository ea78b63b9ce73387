package io.ndevid.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.ndevid.solvers.ScalarCache;
import io.ndevid.solvers.Scalars;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A first-order optimizer over named tensors, with state we can checkpoint ({@link #state()} /
 * {@link #loadState}). DJL's own optimizers keep their state private and were slow here.
 *
 * <p>The state lives in flat buffers, one vector per state kind for all parameters of a data type and device, and a
 * step updates such a group with one pass of the rule over the concatenated gradients (see {@link #step()} and
 * docs/ENGINE.md: DJL's parameters cannot themselves be views of a flat buffer). Checkpoints keep the per-parameter
 * layout.
 *
 * <p>{@link #step()} updates every trainable parameter in place from its {@code .grad}, with libtorch's grad mode
 * switched off for the duration (grad mode is per thread, and on by default in threads DJL did not start: an in-place
 * update of a leaf that requires grad would otherwise fail or be recorded). The previous mode is restored afterwards.
 * Temporaries live in an {@link NDScope} and are freed at the end of the step; constants are 0-d tensors
 * ({@link Scalars}), never {@code NDArray.mul(Number)}.
 *
 * <p>Gradients accumulate across backward passes (as in PyTorch); call {@link #zeroGradients()} between steps. Its
 * semantics are PyTorch's {@code zero_grad(set_to_none=False)}: gradients become zeros in place, so a parameter that
 * the next backward does not reach still takes a step (with a zero gradient). A parameter whose gradient was never
 * defined (never reached by any backward) is skipped, as in PyTorch. Parameters that do not require a gradient
 * (BatchNorm's running statistics) are ignored.
 */
public abstract class Optimizer implements AutoCloseable {

    /** One trainable tensor: a name (unique within the optimizer) and where to find its current array. */
    protected record Slot(String name, Supplier<NDArray> array) {}

    /**
     * Parameters of one type and device: per state kind one flat zero-initialised vector holding every member's state
     * back to back, and per member views of it with the member's shape.
     */
    private static final class Group {
        final int[] members;
        final long[] splitPoints;
        final Map<String, NDArray> flat = new LinkedHashMap<>();
        final List<Map<String, NDArray>> views = new ArrayList<>();

        Group(int[] members, long[] splitPoints) {
            this.members = members;
            this.splitPoints = splitPoints;
        }
    }

    private final List<Slot> slots;
    private final long[] steps;
    /** Per slot, whether its state is part of {@link #state()} (updated at least once, or loaded). */
    private final boolean[] materialized;
    /** Built at the first {@link #step()} or {@link #loadState}, over the parameters' arrays then. */
    private List<Group> groups;
    /** Hyper-parameter constants by type, device and value, made once (owned by {@link #stateManager}). */
    private final ScalarCache fixedConstants;
    private final NDManager stateManager;
    private double learningRate;

    protected Optimizer(List<Slot> slots, double learningRate) {
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("no trainable parameters given");
        }
        this.slots = List.copyOf(slots);
        this.steps = new long[slots.size()];
        this.materialized = new boolean[slots.size()];
        NDArray first = slots.get(0).array().get();
        this.stateManager = first.getManager().newSubManager();
        this.fixedConstants = new ScalarCache(stateManager);
        setLearningRate(learningRate);
    }

    /** Slots for a block's trainable parameters, named as DJL names them (unique within the block). */
    protected static List<Slot> slotsOf(Block block) {
        return slotsOf(block.getParameters());
    }

    /** Slots for named parameters, skipping those that do not require a gradient. */
    protected static List<Slot> slotsOf(PairList<String, Parameter> parameters) {
        List<Slot> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            Parameter param = p.getValue();
            if (param.requiresGradient()) {
                out.add(new Slot(p.getKey(), param::getArray));
            }
        }
        return out;
    }

    /** Slots for named raw arrays (they must have {@code setRequiresGradient(true)}). */
    protected static List<Slot> slotsOf(Map<String, NDArray> arrays) {
        List<Slot> out = new ArrayList<>();
        for (var e : arrays.entrySet()) {
            NDArray a = e.getValue();
            if (!a.hasGradient()) {
                throw new IllegalArgumentException(e.getKey() + " does not require a gradient");
            }
            out.add(new Slot(e.getKey(), () -> a));
        }
        return out;
    }

    /** {@code adam}, {@code rmsprop}: recorded in the state so that a checkpoint cannot go to the wrong kind. */
    protected abstract String kind();

    /** The state tensors this optimizer keeps per parameter, in a fixed order. */
    protected abstract List<String> stateKinds();

    /** Whether {@link #direction} reads the parameters' values (weight decay does); else it is given {@code null}. */
    protected abstract boolean usesParameterValues();

    /**
     * The amount to subtract from {@code param}, given {@code grad}; updates the state in place. Runs with grad mode
     * off inside a scope that frees temporaries. It must be element-wise: it is called on one parameter or on a whole
     * group's parameters flattened into one vector, and both must give the same values.
     *
     * @param param the parameter's values, or {@code null} when {@link #usesParameterValues()} is false
     * @param step  the parameter's update count including this one (1 for the first update)
     * @param state the state tensors by kind, zeros before the first update, of {@code grad}'s shape
     */
    protected abstract NDArray direction(NDArray param, NDArray grad, long step, Map<String, NDArray> state);

    public double learningRate() {
        return learningRate;
    }

    /** Changes the learning rate from the next step on (for schedules such as TGANv2's linear decay). */
    public void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and ≥ 0: " + lr);
        }
        this.learningRate = lr;
    }

    /** Updates of the first parameter so far (all parameters that always get gradients share it). */
    public long stepCount() {
        return steps[0];
    }

    /** Names of the parameters this optimizer updates, in order. */
    public List<String> parameterNames() {
        return slots.stream().map(Slot::name).toList();
    }

    /** A 0-d constant of {@code like}'s type that changes from step to step, freed with the step's scope. */
    protected static NDArray constant(NDArray like, double v) {
        return Scalars.of(like, v);
    }

    /** A 0-d constant of {@code like}'s type for a fixed hyper-parameter: made once, kept by the optimizer. */
    protected NDArray fixed(NDArray like, double v) {
        return fixedConstants.of(like, v);
    }

    /**
     * One update of every trainable parameter that has a defined gradient. Per group of parameters sharing a type and
     * device, when every member has a gradient and all have taken the same number of steps (the usual case), the
     * update runs once over the group's flat buffers: the gradients are concatenated into one vector, the rule runs
     * on that vector and the flat state, and each parameter subtracts its slice of the result. Otherwise each member
     * with a gradient is updated on its own over its views of the flat state. Both give bit-identical values: every
     * rule is element-wise, and each element sees the same operations on the same operands.
     */
    public void step() {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            ensureGroups();
            for (Group group : groups) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    stepGroup(group);
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private void stepGroup(Group group) {
        int n = group.members.length;
        NDArray[] params = new NDArray[n];
        NDArray[] grads = new NDArray[n];
        boolean flat = true;
        for (int k = 0; k < n; k++) {
            int i = group.members[k];
            params[k] = slots.get(i).array().get();
            grads[k] = definedGradient(params[k]);
            flat &= grads[k] != null && steps[i] == steps[group.members[0]];
        }
        if (!flat) {
            for (int k = 0; k < n; k++) {
                int i = group.members[k];
                if (grads[k] != null) {
                    steps[i]++;
                    materialized[i] = true;
                    params[k].subi(direction(params[k], grads[k], steps[i], group.views.get(k)));
                }
            }
            return;
        }
        long step = 0;
        for (int i : group.members) {
            step = ++steps[i];
            materialized[i] = true;
        }
        NDArray flatGrad = flatten(grads);
        NDArray flatParam = usesParameterValues() ? flatten(params) : null;
        NDArray delta = direction(flatParam, flatGrad, step, group.flat);
        if (n == 1) {
            params[0].subi(delta.reshape(params[0].getShape()));
            return;
        }
        NDList parts = delta.split(group.splitPoints);
        for (int k = 0; k < n; k++) {
            params[k].subi(parts.get(k).reshape(params[k].getShape()));
        }
    }

    /** The arrays' values as one vector, in order (one concatenation; views where the arrays are contiguous). */
    private static NDArray flatten(NDArray[] arrays) {
        if (arrays.length == 1) {
            return arrays[0].reshape(-1);
        }
        if (Arrays.stream(arrays).allMatch(a -> a instanceof PtNDArray)) {
            // The same libtorch cat as NDArrays.concat, without its check of every part's rank (a JNI call per
            // part, for a freshly made view): every part here is a vector.
            PtNDArray[] flat = new PtNDArray[arrays.length];
            for (int k = 0; k < arrays.length; k++) {
                flat[k] = (PtNDArray) arrays[k].reshape(-1);
            }
            return JniUtils.cat(flat, 0);
        }
        NDList flat = new NDList(arrays.length);
        for (NDArray a : arrays) {
            flat.add(a.reshape(-1));
        }
        return NDArrays.concat(flat);
    }

    /** Sets every parameter's gradient to zeros in place. */
    public void zeroGradients() {
        for (Slot s : slots) {
            NDArray param = s.array().get();
            if (param instanceof PtNDArray pt) {
                JniUtils.zeroGrad(pt);
            } else if (param.hasGradient()) {
                boolean gradMode = JniUtils.isGradMode();
                JniUtils.setGradMode(false);
                try (NDArray g = param.getGradient()) {
                    g.subi(g); // not reached with the PyTorch engine
                } finally {
                    JniUtils.setGradMode(gradMode);
                }
            }
        }
    }

    /** The parameter's gradient, or {@code null} when libtorch has none defined yet (never reached by backward). */
    private static NDArray definedGradient(NDArray param) {
        if (param instanceof PtNDArray pt) {
            return JniUtils.getGradient(pt); // null while .grad is undefined
        }
        return param.hasGradient() ? param.getGradient() : null;
    }

    private void ensureGroups() {
        if (groups != null) {
            return;
        }
        Map<String, List<Integer>> byTypeDevice = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            NDArray p = slots.get(i).array().get();
            byTypeDevice.computeIfAbsent(p.getDataType() + "@" + p.getDevice(), k -> new ArrayList<>()).add(i);
        }
        List<Group> built = new ArrayList<>();
        for (List<Integer> members : byTypeDevice.values()) {
            long[] points = new long[members.size() - 1];
            long offset = 0;
            for (int k = 0; k < members.size(); k++) {
                if (k > 0) {
                    points[k - 1] = offset;
                }
                offset += slots.get(members.get(k)).array().get().getShape().size();
            }
            Group g = new Group(members.stream().mapToInt(Integer::intValue).toArray(), points);
            for (int k = 0; k < members.size(); k++) {
                g.views.add(new LinkedHashMap<>());
            }
            NDArray first = slots.get(members.get(0)).array().get();
            for (String kind : stateKinds()) {
                NDArray flat = stateManager.zeros(new Shape(offset), first.getDataType(), first.getDevice());
                setFlat(g, kind, flat);
            }
            built.add(g);
        }
        groups = built;
    }

    /** Makes {@code flat} the group's state of {@code kind} (closing the previous one) with views per member. */
    private void setFlat(Group g, String kind, NDArray flat) {
        NDScope.unregister(flat); // lives as long as the optimizer, not a step's scope
        NDArray old = g.flat.put(kind, flat);
        long offset = 0;
        for (int k = 0; k < g.members.length; k++) {
            Shape shape = slots.get(g.members[k]).array().get().getShape();
            NDArray view = flat.get(new NDIndex().addSliceDim(offset, offset + shape.size())).reshape(shape);
            NDScope.unregister(view);
            NDArray oldView = g.views.get(k).put(kind, view);
            if (oldView != null) {
                oldView.close();
            }
            offset += shape.size();
        }
        if (old != null) {
            old.close();
        }
    }

    /** A copy of the state: per-parameter steps, and each state tensor as float32 values. */
    public OptimizerState state() {
        Map<String, Long> stepMap = new LinkedHashMap<>();
        Map<String, float[]> arrays = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            stepMap.put(slots.get(i).name(), steps[i]);
        }
        if (groups != null) {
            for (Group g : groups) {
                for (int k = 0; k < g.members.length; k++) {
                    int i = g.members[k];
                    if (!materialized[i]) {
                        continue;
                    }
                    String name = slots.get(i).name();
                    for (var e : g.views.get(k).entrySet()) {
                        NDArray a = e.getValue();
                        float[] values;
                        if (a.getDataType() == DataType.FLOAT32) {
                            values = a.toFloatArray();
                        } else {
                            try (NDArray f = a.toType(DataType.FLOAT32, true)) {
                                values = f.toFloatArray();
                            }
                        }
                        arrays.put(e.getKey() + "/" + name, values);
                        shapes.put(e.getKey() + "/" + name, a.getShape().getShape());
                    }
                }
            }
        }
        // In slot order, as before flat buffers: the checkpoint's layout does not depend on the grouping.
        Map<String, float[]> orderedArrays = new LinkedHashMap<>();
        Map<String, long[]> orderedShapes = new LinkedHashMap<>();
        for (Slot s : slots) {
            for (String k : stateKinds()) {
                String key = k + "/" + s.name();
                if (arrays.containsKey(key)) {
                    orderedArrays.put(key, arrays.get(key));
                    orderedShapes.put(key, shapes.get(key));
                }
            }
        }
        return new OptimizerState(kind(), learningRate, stepMap, orderedArrays, orderedShapes);
    }

    /**
     * Restores a state made by {@link #state()} of an optimizer of the same kind over parameters of the same names and
     * shapes (the parameters' own values are restored separately, e.g. with {@code Block.loadParameters}).
     */
    public void loadState(OptimizerState s) {
        if (!s.kind().equals(kind())) {
            throw new IllegalArgumentException("state of a " + s.kind() + " optimizer given to " + kind());
        }
        if (!s.steps().keySet().equals(new java.util.LinkedHashSet<>(parameterNames()))) {
            throw new IllegalArgumentException("state is for parameters " + s.steps().keySet() + ", this optimizer has "
                    + parameterNames());
        }
        for (int i = 0; i < slots.size(); i++) {
            String name = slots.get(i).name();
            NDArray param = slots.get(i).array().get();
            long step = s.steps().get(name);
            for (String k : stateKinds()) {
                String key = k + "/" + name;
                if (step > 0 && !s.arrays().containsKey(key)) {
                    throw new IllegalArgumentException("state lacks " + key);
                }
                if (s.arrays().containsKey(key)
                        && !Arrays.equals(s.shapes().get(key), param.getShape().getShape())) {
                    throw new IllegalArgumentException(key + " has shape " + Arrays.toString(s.shapes().get(key))
                            + ", parameter has " + param.getShape());
                }
            }
        }
        setLearningRate(s.learningRate());
        ensureGroups();
        for (Group g : groups) {
            for (String k : stateKinds()) {
                try (NDManager temp = stateManager.newSubManager()) {
                    NDList parts = new NDList(g.members.length);
                    for (int i : g.members) {
                        NDArray param = slots.get(i).array().get();
                        float[] v = s.arrays().get(k + "/" + slots.get(i).name());
                        NDArray part = v == null
                                ? temp.zeros(new Shape(param.getShape().size()), param.getDataType(), param.getDevice())
                                : temp.create(v).toType(param.getDataType(), false).toDevice(param.getDevice(), false);
                        parts.add(part);
                    }
                    NDArray flat = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts);
                    flat.attach(stateManager);
                    setFlat(g, k, flat);
                }
            }
        }
        for (int i = 0; i < slots.size(); i++) {
            steps[i] = s.steps().get(slots.get(i).name());
            materialized[i] = true;
        }
    }

    /** Frees the state tensors. */
    @Override
    public void close() {
        stateManager.close();
    }
}

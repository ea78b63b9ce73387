package io.ndevid.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.ndevid.solvers.Scalars;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A first-order optimizer over named tensors, with state we can checkpoint ({@link #state()} /
 * {@link #loadState}). DJL's own optimizers keep their state private and were slow here (docs/ENGINE.md).
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

    private final List<Slot> slots;
    private final long[] steps;
    /** Per slot, the state tensors by kind (e.g. "exp_avg"), created lazily with the parameter's shape. */
    private final List<Map<String, NDArray>> slotState;
    private final NDManager stateManager;
    private double learningRate;

    protected Optimizer(List<Slot> slots, double learningRate) {
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("no trainable parameters given");
        }
        this.slots = List.copyOf(slots);
        this.steps = new long[slots.size()];
        this.slotState = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            slotState.add(new LinkedHashMap<>());
        }
        NDArray first = slots.get(0).array().get();
        this.stateManager = first.getManager().newSubManager();
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

    /**
     * Updates {@code param} in place from {@code grad}; runs with grad mode off inside a scope that frees
     * temporaries.
     *
     * @param step  this parameter's update count including this one (1 for the first update)
     * @param state this parameter's state tensors by kind, zeros before the first update; update them in place
     */
    protected abstract void update(NDArray param, NDArray grad, long step, Map<String, NDArray> state);

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

    /** A 0-d constant of {@code like}'s type, for use inside {@link #update}. */
    protected static NDArray constant(NDArray like, double v) {
        return Scalars.of(like, v);
    }

    /** One update of every trainable parameter that has a defined gradient. */
    public void step() {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int i = 0; i < slots.size(); i++) {
                NDArray param = slots.get(i).array().get();
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray grad = definedGradient(param);
                    if (grad == null) {
                        continue;
                    }
                    steps[i]++;
                    update(param, grad, steps[i], stateOf(i, param));
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
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

    private Map<String, NDArray> stateOf(int i, NDArray param) {
        Map<String, NDArray> state = slotState.get(i);
        if (state.isEmpty()) {
            for (String k : stateKinds()) {
                NDArray z = stateManager.zeros(param.getShape(), param.getDataType(), param.getDevice());
                NDScope.unregister(z); // lives as long as the optimizer, not the step's scope
                state.put(k, z);
            }
        }
        return state;
    }

    /** A copy of the state: per-parameter steps, and each state tensor as float32 values. */
    public OptimizerState state() {
        Map<String, Long> stepMap = new LinkedHashMap<>();
        Map<String, float[]> arrays = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            String name = slots.get(i).name();
            stepMap.put(name, steps[i]);
            for (var e : slotState.get(i).entrySet()) {
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
        return new OptimizerState(kind(), learningRate, stepMap, arrays, shapes);
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
        for (int i = 0; i < slots.size(); i++) {
            String name = slots.get(i).name();
            NDArray param = slots.get(i).array().get();
            steps[i] = s.steps().get(name);
            Map<String, NDArray> state = slotState.get(i);
            state.values().forEach(NDArray::close);
            state.clear();
            for (String k : stateKinds()) {
                float[] v = s.arrays().get(k + "/" + name);
                NDArray a;
                if (v == null) {
                    a = stateManager.zeros(param.getShape(), param.getDataType(), param.getDevice());
                } else {
                    NDArray f = stateManager.create(v, new Shape(s.shapes().get(k + "/" + name)));
                    a = param.getDataType() == DataType.FLOAT32 ? f : f.toType(param.getDataType(), false);
                    a = a.toDevice(param.getDevice(), false);
                }
                state.put(k, a);
            }
        }
    }

    /** Frees the state tensors. */
    @Override
    public void close() {
        stateManager.close();
    }
}

package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.optim.Optimizer;
import io.ndevid.training.optim.OptimizerState;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.TemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;
import io.ndevid.training.util.NativeHeap;
import io.ndevid.training.util.Randomness;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the three GANs share: the model's own NDManager (parameters and optimizer state, nothing else, persist in it),
 * the step harness (a sub-manager and an {@link NDScope} per iteration, so that every temporary — including arrays
 * that ops on parameters attach to the parameters' manager — is freed when the step ends), inference with grad mode
 * off, checkpointable optimizer states, re-adoption of parameters after {@code Block.loadParameters}, and the
 * optional {@link NoisePrefetch} that makes the next iteration's SDE noise ahead (owned: closed with the model).
 */
abstract class AbstractVideoGan implements VideoGan {

    protected final TrialSpec spec;
    protected final NDManager manager;
    protected final Device device;
    protected final TemporalWiring.Built temporal;
    private final NoisePrefetch noise;
    private final Map<String, Block> networks = new LinkedHashMap<>();
    private final Map<String, Optimizer> optimizers = new LinkedHashMap<>();
    /** The seeds of {@link #backward}, by type, device and shape of the loss: ones, made once. */
    private final Map<String, NDArray> backwardSeeds = new HashMap<>();
    private boolean closed;

    /**
     * Opens the model's manager; subclasses build G_t with {@code temporal} (handing it {@code noise}) and then their
     * networks.
     *
     * @param noise where the SDE noise {@link #renderNoise} asks for is made (null: nowhere); owned from here on
     */
    protected AbstractVideoGan(TrialSpec spec, NDManager parent, Device device, NoisePrefetch noise,
                               java.util.function.Function<NDManager, TemporalWiring.Built> temporal) {
        this.spec = spec;
        this.device = device;
        this.noise = noise;
        try {
            this.manager = parent.newSubManager(device);
        } catch (RuntimeException e) {
            closeNoise();
            throw e;
        }
        try {
            NativeHeap.keepFreedTensorMemory(manager);
            this.temporal = temporal.apply(manager);
        } catch (RuntimeException e) {
            manager.close();
            closeNoise();
            throw e;
        }
    }

    /** Registers a network and its optimizer under one name (G, D, …). */
    protected final void register(String name, Block network, Optimizer optimizer) {
        networks.put(name, network);
        optimizers.put(name, optimizer);
    }

    protected final Optimizer optimizer(String name) {
        return optimizers.get(name);
    }

    @Override
    public final TrialSpec spec() {
        return spec;
    }

    @Override
    public final TemporalGenerator temporal() {
        return temporal.generator();
    }

    @Override
    public final long temporalParameterCount() {
        return temporal.parameters();
    }

    @Override
    public final long originalTemporalParameterCount() {
        return temporal.originalParameters();
    }

    /** What the wiring logged about G_t (counts, matched hidden width). */
    public final String temporalSummary() {
        return temporal.summary();
    }

    @Override
    public final Map<String, Block> networks() {
        return Collections.unmodifiableMap(networks);
    }

    // ---- one iteration --------------------------------------------------------------------------------------------

    @Override
    public final Map<String, Double> step(NDArray real, long iteration) {
        checkOpen();
        Shape expected = new Shape(spec.batchSize(), spec.channels(), spec.frames(), spec.frameSize(),
                spec.frameSize());
        if (!real.getShape().equals(expected)) {
            throw new IllegalArgumentException("real batch must be [B, C, T, H, W] = " + expected + ", got "
                    + real.getShape());
        }
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be ≥ 0, got " + iteration);
        }
        adoptParameters();
        try (NDScope scope = new NDScope(); NDManager s = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            Map<String, Double> losses = trainStep(s, new ParameterStore(s, false), real, iteration);
            return Collections.unmodifiableMap(new LinkedHashMap<>(losses));
        }
    }

    /**
     * The D update(s) and the G update of one iteration; every random draw from
     * {@code Randomness.derive(spec.seed(), iteration, purpose)}. Temporaries go to {@code s} (or anywhere: the
     * scope frees them).
     */
    protected abstract Map<String, Double> trainStep(NDManager s, ParameterStore ps, NDArray real, long iteration);

    /**
     * The noise seed of this iteration's frame-time render of a batch for {@code purpose}
     * ({@code Randomness.derive(spec.seed(), iteration, purpose)}), asking G_t to make the next iteration's noise for the
     * same purpose ahead — so a step asks for exactly the renders it makes, in the order it makes them. Nothing is
     * asked past the last iteration, without a prefetch, or of a G_t without noise. Changes no value: a guess the next
     * step does not use only costs the drawing it would have done anyway.
     */
    protected final long renderNoise(long iteration, String purpose) {
        if (noise != null && iteration + 1 < spec.iterations()) {
            temporal.generator().prefetchNoise(spec.batchSize(), timesOrFrames(null),
                    Randomness.derive(spec.seed(), iteration + 1, purpose));
        }
        return Randomness.derive(spec.seed(), iteration, purpose);
    }

    /**
     * {@code gc.backward(loss)}: the same backward pass, seeded with a tensor of ones of the loss's shape that is made
     * once per model (DJL's collector makes a fresh {@code ones} for every call). The seed is only read by autograd.
     */
    protected final void backward(GradientCollector gc, NDArray loss) {
        if (!(loss instanceof PtNDArray pt)) {
            gc.backward(loss);
            return;
        }
        NDArray seed = backwardSeeds.computeIfAbsent(loss.getDataType() + "@" + loss.getDevice() + loss.getShape(),
                k -> {
                    NDArray ones = manager.ones(loss.getShape(), loss.getDataType(), loss.getDevice());
                    NDScope.unregister(ones); // made during a step's scope, kept with the model
                    return ones;
                });
        JniUtils.backward(pt, (PtNDArray) seed, false, false);
    }

    // ---- inference ------------------------------------------------------------------------------------------------

    @Override
    public final NDArray sample(NDManager into, int n, long seed) {
        return inference(into, n, seed, null);
    }

    @Override
    public final NDArray render(NDManager into, int n, long seed, double[] times) {
        if (spec.temporal() == TemporalKind.ORIGINAL) {
            throw new UnsupportedOperationException(spec.model().id() + " with its original G_t is discrete in time: "
                    + "it only produces its " + spec.frames() + " frames. Rendering at other times (higher frame "
                    + "rate, before frame 0) needs an ODE or SDE G_t.");
        }
        if (times == null || times.length < 1) {
            throw new IllegalArgumentException("need at least one time to render");
        }
        return inference(into, n, seed, times.clone());
    }

    private NDArray inference(NDManager into, int n, long seed, double[] times) {
        checkOpen();
        if (n < 1) {
            throw new IllegalArgumentException("n must be ≥ 1, got " + n);
        }
        adoptParameters();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope(); NDManager s = manager.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray out = generate(s, new ParameterStore(s, false), n, seed, times);
            NDScope.unregister(out);
            out.attach(into);
            return out;
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /**
     * {@code n} videos [n, C, len(times), H, W] in inference mode (training = false) from the latents that
     * {@code seed} gives; {@code times == null} means the frame times.
     */
    protected abstract NDArray generate(NDManager s, ParameterStore ps, int n, long seed, double[] times);

    // ---- checkpoints ----------------------------------------------------------------------------------------------

    @Override
    public final Map<String, byte[]> optimizerStates() {
        checkOpen();
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (var e : optimizers.entrySet()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                e.getValue().state().writeTo(bytes);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            out.put(e.getKey(), bytes.toByteArray());
        }
        return out;
    }

    @Override
    public final void loadOptimizerStates(Map<String, byte[]> states) {
        checkOpen();
        if (!states.keySet().equals(optimizers.keySet())) {
            throw new IllegalArgumentException("optimizer states for " + states.keySet() + ", this model has "
                    + optimizers.keySet());
        }
        List<OptimizerState> read = new ArrayList<>();
        for (String name : optimizers.keySet()) {
            try {
                read.add(OptimizerState.readFrom(new ByteArrayInputStream(states.get(name))));
            } catch (IOException ex) {
                throw new IllegalArgumentException("optimizer state " + name + " is unreadable: " + ex.getMessage(),
                        ex);
            }
        }
        int i = 0;
        for (Optimizer o : optimizers.values()) {
            o.loadState(read.get(i++));
        }
        adoptParameters();
    }

    /**
     * {@code Block.loadParameters} replaces parameter arrays with new ones in the caller's manager that do not
     * require gradients: move them into the model's manager and switch gradients back on for trainable ones.
     */
    private void adoptParameters() {
        for (Block net : networks.values()) {
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray a = p.getValue().getArray();
                if (a.getManager() != manager) {
                    a.attach(manager);
                }
                if (p.getValue().requiresGradient() && !a.hasGradient()) {
                    a.setRequiresGradient(true);
                }
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** Frame times, or the given render times. */
    protected final double[] timesOrFrames(double[] times) {
        return times == null ? TemporalGenerator.frameTimes(spec.frames()) : times;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this " + spec.model().id() + " model is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeNoise();
        for (Optimizer o : optimizers.values()) {
            o.close();
        }
        manager.close();
    }

    private void closeNoise() {
        if (noise != null) {
            noise.close();
        }
    }
}

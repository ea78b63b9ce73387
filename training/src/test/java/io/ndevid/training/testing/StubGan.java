package io.ndevid.training.testing;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import io.ndevid.training.gan.VideoGan;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalGenerator;
import io.ndevid.training.temporal.TemporalKind;

import java.util.Map;

/**
 * A {@link VideoGan} test fake with the plumbing done — shared by training's and metrics' tests (training's
 * test-jar): the cpu-tiny TGAN/original spec, one 1→1 linear "generator" {@code G} (initialized, so checkpoints save it), no
 * optimizer state, no temporal generator, no rendering. Subclasses say what a step and a sample are. Closes its
 * NDManager on {@link #close()}.
 */
public abstract class StubGan implements VideoGan {

    protected final TrialSpec spec = Presets.of("cpu-tiny", ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
    protected final NDManager manager = NDManager.newBaseManager(Device.cpu());
    /** The only network, {@code G}: weight [1, 1], bias [1]. */
    protected final Linear g = Linear.builder().setUnits(1).build();
    private final long temporalParams;

    /** @param temporalParams what {@link #temporalParameterCount()} and the original's count report */
    protected StubGan(long temporalParams) {
        this.temporalParams = temporalParams;
        g.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
    }

    /** G's single weight. */
    protected float weight() {
        return g.getParameters().get("weight").getArray().getFloat(0, 0);
    }

    /** Sets G's single weight. */
    protected void setWeight(float w) {
        g.getParameters().get("weight").getArray().set(new float[] {w});
    }

    @Override
    public TrialSpec spec() {
        return spec;
    }

    @Override
    public NDArray render(NDManager into, int n, long seed, double[] times) {
        throw new UnsupportedOperationException("a stub GAN renders nothing");
    }

    @Override
    public Map<String, Block> networks() {
        return Map.of("G", g);
    }

    @Override
    public Map<String, byte[]> optimizerStates() {
        return Map.of();
    }

    @Override
    public void loadOptimizerStates(Map<String, byte[]> states) {}

    @Override
    public TemporalGenerator temporal() {
        return null;
    }

    @Override
    public long temporalParameterCount() {
        return temporalParams;
    }

    @Override
    public long originalTemporalParameterCount() {
        return temporalParams;
    }

    @Override
    public void close() {
        manager.close();
    }
}

package io.ndevid.training.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Batch normalisation over axis 1 (the channels), as DJL's {@code ai.djl.nn.norm.BatchNorm} with {@code axis = 1}
 * but without its two transposes: DJL 0.36's PyTorch engine swaps axis 1 with the block's axis before and after
 * libtorch's {@code batch_norm} even when the axis is 1 (a no-op {@code transpose(1, 1)}, two top-level ops and two
 * autograd nodes per call); this block hands the input to the engine's {@code batch_norm} directly (the engine's
 * "no axis given" form, -1, which is libtorch's own axis 1). The same kernel on the same tensor: values, gradients
 * and the running statistics' update are bit-identical.
 *
 * <p>Interchangeable with DJL's block: the same parameters (names, types, order, initialisation), the same encoding
 * version and metadata, so checkpoints written with either load into the other; the same simple class name, so a
 * {@code SequentialBlock} names its parameters as before ({@code 02BatchNorm_gamma}, …).
 */
public final class BatchNorm extends AbstractBlock {

    private static final byte VERSION = 2; // DJL's BatchNorm encoding: input shapes, then the channel count
    private static final int ENGINE_CHANNEL_AXIS = -1; // PtNDArrayEx.batchNorm: no swap, libtorch's axis 1

    private final float epsilon;
    private final float momentum;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private long inChannels;

    /** PyTorch's defaults: momentum 0.1 for the new batch (DJL's 0.9 for the running value), ε = 1e-5. */
    public static BatchNorm torchDefaults() {
        return new BatchNorm(0.9f, 1e-5f);
    }

    /**
     * @param momentum DJL's convention: the weight of the running value (0.9 is PyTorch's momentum 0.1)
     * @param epsilon  added to the variance
     */
    public BatchNorm(float momentum, float epsilon) {
        super(VERSION);
        this.momentum = momentum;
        this.epsilon = epsilon;
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                .optRequiresGrad(true).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA)
                .optRequiresGrad(true).build());
        runningMean = addParameter(Parameter.builder().setName("runningMean").setType(Parameter.Type.RUNNING_MEAN)
                .optRequiresGrad(false).build());
        runningVar = addParameter(Parameter.builder().setName("runningVar").setType(Parameter.Type.RUNNING_VAR)
                .optRequiresGrad(false).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        var device = x.getDevice();
        return x.getNDArrayInternal().batchNorm(x, ps.getValue(runningMean, device, training),
                ps.getValue(runningVar, device, training), ps.getValue(gamma, device, training),
                ps.getValue(beta, device, training), ENGINE_CHANNEL_AXIS, momentum, epsilon, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        inChannels = inputShapes[0].get(1);
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        for (Parameter p : new Parameter[] {gamma, beta, runningMean, runningVar}) {
            p.setShape(new Shape(inChannels));
        }
    }

    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeLong(inChannels);
    }

    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
        if (loadVersion == VERSION) {
            readInputShapes(is);
        } else if (loadVersion != 1) {
            throw new MalformedModelException("Unsupported encoding version: " + loadVersion);
        }
        inChannels = is.readLong();
    }
}

package io.ndevid.training.gan;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ndevid.solvers.sde.NoisePrefetch;
import io.ndevid.training.spec.TrialSpec;

/** Builds the {@link VideoGan} a spec names: TGAN, MoCoGAN or TGANv2 with its G_t. */
public final class GanFactory {

    private GanFactory() {}

    /**
     * A model with initialised networks and optimizers, its arrays in a sub-manager of {@code manager} on
     * {@code device}; close it when done.
     *
     * @throws IllegalArgumentException for combinations the architectures cannot build (TGAN's original G_t with a
     *                                  frame count that is not a power of two; TGANv2 with frames not divisible by
     *                                  its level factor; f = matched when the parts outside f already exceed the
     *                                  original G_t's parameters)
     */
    public static VideoGan create(TrialSpec spec, NDManager manager, Device device) {
        return create(spec, manager, device, null);
    }

    /**
     * As {@link #create(TrialSpec, NDManager, Device)}; with an SDE G_t each training step has {@code noise} make the
     * next iteration's Brownian increments ahead (the same values: no loss, sample or checkpoint changes).
     *
     * @param noise null: none; else owned by the model from here on (closed with it, or here if building fails)
     */
    public static VideoGan create(TrialSpec spec, NDManager manager, Device device, NoisePrefetch noise) {
        try {
            return switch (spec.model()) {
                case TGAN -> new Tgan(spec, manager, device, noise);
                case MOCOGAN -> new MoCoGan(spec, manager, device, noise);
                case TGANV2 -> new TganV2(spec, manager, device, noise);
            };
        } catch (RuntimeException e) {
            if (noise != null) {
                noise.close(); // idempotent: a model that got as far as its constructor closed it already
            }
            throw e;
        }
    }
}

/**
 * The three video GANs of the study behind {@link io.ndevid.training.gan.VideoGan}:
 * {@link io.ndevid.training.gan.Tgan}, {@link io.ndevid.training.gan.MoCoGan} and {@link io.ndevid.training.gan.TganV2},
 * each with any temporal generator (original, ODE 1–3, SDE; f linear / deep / matched), built by
 * {@link io.ndevid.training.gan.GanFactory}; plus TGAN's {@link io.ndevid.training.gan.SingularValueClipping} and
 * TGANv2's {@link io.ndevid.training.gan.ZeroCentredGradientPenalty}.
 *
 * <p>Conventions shared by the models: one fake batch per iteration (with its graph), the discriminators updated on it
 * detached, then G through the updated discriminators; every random draw from
 * {@link io.ndevid.training.util.Randomness#derive} (trial seed, iteration, purpose) and weights re-drawn on the JVM
 * from the trial seed, so models and resumed runs are bit-reproducible on CPU; each step inside its own NDManager and
 * NDScope. Architectures are scaled by the spec's width, frame size and frame count; at width 64, 64 px and 16
 * frames they are the papers' (docs/FIDELITY.md lists where they still differ). The networks are in
 * {@code io.ndevid.training.gan.nets}.
 */
package io.ndevid.training.gan;

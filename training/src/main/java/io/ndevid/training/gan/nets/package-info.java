/**
 * The networks of the three GANs as DJL blocks, sized from the spec: TGAN's image generator and 3-D D, MoCoGAN's
 * image generator and patch image/video Ds, TGANv2's multi-level renderer ({@link
 * io.ndevid.training.gan.nets.TganV2Renderer}) and 3-D ResNet Ds; {@link io.ndevid.training.gan.nets.Composite} groups
 * networks that save, load and train as one; {@link io.ndevid.training.gan.nets.Init} re-draws weights from the trial
 * seed. The original temporal generators live with the others in {@code io.ndevid.training.temporal}.
 */
package io.ndevid.training.gan.nets;

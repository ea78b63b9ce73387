/**
 * Network building blocks the engine lacks, as DJL blocks: {@link io.ndevid.training.nn.ConvTranspose} (exact
 * transposed convolution from regular convolutions).
 */
package io.ndevid.training.nn;

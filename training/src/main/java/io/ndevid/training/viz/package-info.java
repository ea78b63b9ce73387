/** Pictures of video batches: animated GIF grids and PNG frame grids ({@link io.ndevid.training.viz.VideoGrids}). */
package io.ndevid.training.viz;

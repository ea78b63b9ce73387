/**
 * Video data for training and evaluation: the {@link io.ndevid.training.data.VideoDataset} interface (clips
 * {@code [C, T, H, W]} in [−1, 1], optional labels), the offline default
 * {@link io.ndevid.training.data.SyntheticVideos}, UCF101 from {@code .avi} files
 * ({@link io.ndevid.training.data.Ucf101Videos}) or TGAN's HDF5 layout
 * ({@link io.ndevid.training.data.TganHdf5Videos}), and the {@link io.ndevid.training.data.PrefetchingLoader} that
 * reads batches ahead on its own thread as JVM arrays ({@link io.ndevid.training.data.HostBatch}) for the consumer to
 * turn into tensors it owns.
 */
package io.ndevid.training.data;

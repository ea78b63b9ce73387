package io.ndevid.training.data;

import io.ndevid.training.spec.TrialSpec;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The spec's {@code data} field as a dataset, at the spec's frames, frame size and channels.
 *
 * <ul>
 *   <li>{@code synthetic}: the labelled synthetic motion videos, fixed data seed {@link #SYNTHETIC_SEED} so every
 *       trial (and the synthetic evaluator) sees the same distribution; training clips are indices
 *       [0, {@link #SYNTHETIC_TRAIN_CLIPS}), held-out clips start at {@link #SYNTHETIC_HELD_OUT_START}.</li>
 *   <li>{@code ucf101=DIR}: DIR holds {@code UCF-101/} (the videos) and {@code ucfTrainTestlist/} (split lists; or
 *       {@code ucfTrainTestList/}, {@link Ucf101Split#folderIn}); the
 *       training split is {@code trainlist01.txt}.</li>
 *   <li>{@code hdf5=FILE}: TGAN's HDF5 layout (FILE and its JSON clip table beside it, if any).</li>
 * </ul>
 */
public final class Datasets {

    public static final long SYNTHETIC_SEED = 20201206L;
    public static final int SYNTHETIC_TRAIN_CLIPS = 50_000;
    public static final long SYNTHETIC_HELD_OUT_START = 1_000_000L;

    private Datasets() {}

    public static VideoDataset open(TrialSpec spec) {
        return open(spec.data(), spec.dataClasses(), spec.frames(), spec.frameSize(), spec.channels());
    }

    /**
     * The training set a trial with these settings reads: {@code data} is {@code synthetic}, {@code ucf101=DIR} or
     * {@code hdf5=FILE} ({@code classes} matters for the synthetic set only).
     */
    public static VideoDataset open(String data, int classes, int frames, int frameSize, int channels) {
        if (data.equals("synthetic")) {
            return synthetic(classes, frames, frameSize, channels, 0, SYNTHETIC_TRAIN_CLIPS);
        }
        if (data.startsWith("ucf101=")) {
            Path root = Path.of(data.substring("ucf101=".length()));
            Path videos = Files.isDirectory(root.resolve("UCF-101")) ? root.resolve("UCF-101") : root;
            Path splits = Ucf101Split.folderIn(root);
            return Ucf101Videos.open(videos, splits, "trainlist01.txt", Ucf101Videos.Options.defaults()
                    .withFrames(frames).withSize(frameSize).withChannels(channels));
        }
        if (data.startsWith("hdf5=")) {
            Path h5 = Path.of(data.substring("hdf5=".length()));
            String base = h5.getFileName().toString().replaceFirst("\\.h5$", "");
            Path json = h5.resolveSibling(base + ".json");
            return TganHdf5Videos.open(h5, Files.isRegularFile(json) ? json : null, TganHdf5Videos.Options.defaults()
                    .withFrames(frames).withSize(frameSize).withChannels(channels));
        }
        throw new IllegalArgumentException("unknown data '" + data + "': synthetic, ucf101=DIR or hdf5=FILE");
    }

    /** Synthetic clips [first, first + count) of the shared synthetic distribution. */
    public static SyntheticVideos synthetic(int classes, int frames, int size, int channels, long first, int count) {
        return SyntheticVideos.builder().numClasses(classes).frames(frames).size(size).channels(channels)
                .seed(SYNTHETIC_SEED).range(first, count).build();
    }
}

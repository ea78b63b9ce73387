package io.ndevid.training.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A set of video clips indexed {@code 0 … size()−1}, each {@link #clipShape()} = {@code [C, T, H, W]} with values in
 * [−1, 1], optionally labelled with one of {@link #numClasses()} classes.
 *
 * <p>Implementations are read from a loader thread: {@link #readClip} must be safe to call from several threads and
 * must not touch the tensor engine (it fills a JVM array). Randomness inside a clip (a video's random 16-frame window,
 * for instance) comes only from the {@code rng} argument, so a batch is a pure function of the indices and the rng
 * state; that is what makes a {@link PrefetchingLoader}'s stream reproducible.
 */
public interface VideoDataset {

    /** A short name for logs and provenance, e.g. {@code synthetic-8c-32px} or {@code ucf101-trainlist01}. */
    String name();

    /** Number of clips. */
    int size();

    /** {@code [C, T, H, W]} of every clip. */
    ClipShape clipShape();

    /** Number of classes, or 0 for an unlabelled dataset. */
    int numClasses();

    /** Class names in label order (empty for an unlabelled dataset). */
    List<String> classNames();

    default boolean labelled() {
        return numClasses() > 0;
    }

    /**
     * Writes clip {@code index} into {@code dst[offset …offset + C·T·H·W)} in {@code [C, T, H, W]} order.
     *
     * @param rng the clip's own randomness (window start, …); datasets that need none ignore it
     * @return the clip's label, or −1 for an unlabelled dataset
     * @throws DatasetException if the clip (and, for datasets that substitute unreadable clips, every substitute)
     *                          cannot be read
     */
    int readClip(int index, SplittableRandom rng, float[] dst, int offset);

    /**
     * The clips at {@code indices}, in that order. Clip {@code i} draws its randomness from {@code rng.split()}, split
     * in order, so the result does not depend on how the work is scheduled.
     */
    default HostBatch batch(int[] indices, SplittableRandom rng) {
        ClipShape clip = clipShape();
        int n = clip.floats();
        float[] data = new float[Math.multiplyExact(indices.length, n)];
        int[] labels = labelled() ? new int[indices.length] : null;
        for (int b = 0; b < indices.length; b++) {
            int index = indices[b];
            if (index < 0 || index >= size()) {
                throw new IndexOutOfBoundsException("clip " + index + " of " + name() + " (size " + size() + ")");
            }
            int label = readClip(index, rng.split(), data, b * n);
            if (labels != null) {
                labels[b] = label;
            }
        }
        return new HostBatch(data, clip, labels, indices.clone());
    }

    /** {@code batchSize} clips drawn uniformly with replacement, then read as {@link #batch}. */
    default HostBatch randomBatch(int batchSize, SplittableRandom rng) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        int[] indices = new int[batchSize];
        for (int b = 0; b < batchSize; b++) {
            indices[b] = rng.nextInt(size());
        }
        return batch(indices, rng);
    }
}

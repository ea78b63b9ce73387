package io.ndevid.actors.testing;

import io.ndevid.training.data.ClipShape;
import io.ndevid.training.data.VideoDataset;

import java.util.List;
import java.util.SplittableRandom;

/** Eight 1×2×4×4 clips of noise: enough for TrainerLoop's loader, nothing to decode. */
public final class TinyDataset implements VideoDataset {

    private static final ClipShape CLIP = new ClipShape(1, 2, 4, 4);

    @Override
    public String name() {
        return "tiny";
    }

    @Override
    public int size() {
        return 8;
    }

    @Override
    public ClipShape clipShape() {
        return CLIP;
    }

    @Override
    public int numClasses() {
        return 0;
    }

    @Override
    public List<String> classNames() {
        return List.of();
    }

    @Override
    public int readClip(int index, SplittableRandom rng, float[] dst, int offset) {
        for (int i = 0; i < CLIP.floats(); i++) {
            dst[offset + i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return -1;
    }
}

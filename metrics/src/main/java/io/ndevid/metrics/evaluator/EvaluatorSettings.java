package io.ndevid.metrics.evaluator;

import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Everything that determines a {@link SyntheticEvaluator}: the synthetic data's geometry (from a preset), the C3D's
 * width, and the training recipe. Two runs with equal settings on the same machine train the same network (seeded
 * initialisation and data stream); the cache ({@link SyntheticEvaluator#loadOrTrain}) reuses an evaluator only when its
 * sidecar records settings equal to these.
 *
 * <p>The C3D input is the clip at its native size ({@code size × size}, {@code frames} frames): with ceil-mode
 * pooling every size ≥ 2 maps to a pool5 volume of at least 1×1×1 (16 px: 8, 4, 2, 1, 1; 64 px: 32, 16, 8, 4, 2), so
 * no resize is needed and none is done.
 *
 * @param preset          the training preset the data geometry came from (cpu-tiny, cpu-small, gpu-paper) or "custom"
 * @param classes         motion classes of the synthetic set (the preset's {@code dataClasses})
 * @param frames          frames per clip (C3D input T)
 * @param size            frame height = width in pixels (C3D input H = W)
 * @param channels        1 (grey, replicated to RGB before C3D) or 3
 * @param widthMultiplier C3D channel/fc width relative to the original (conv1a has 64·w channels, fc6/fc7 4096·w)
 * @param dropout         dropout after fc6 and fc7 while training
 * @param iterations      Adam steps
 * @param batchSize       clips per step
 * @param learningRate    peak Adam learning rate (cosine decay to 0 over the run), for inputs scaled to [−1, 1]
 * @param seed            seeds the weight initialisation and the stream of training-clip indices
 * @param heldOutClips    held-out clips used to measure accuracy (indices from
 *                        {@code Datasets.SYNTHETIC_HELD_OUT_START})
 */
public record EvaluatorSettings(String preset, int classes, int frames, int size, int channels,
                                double widthMultiplier, float dropout, int iterations, int batchSize,
                                double learningRate, long seed, int heldOutClips) {

    public EvaluatorSettings {
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("preset name must be given (use \"custom\" for hand-made settings)");
        }
        if (classes < 2 || frames < 4 || size < 8 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("need classes ≥ 2, frames ≥ 4, size ≥ 8, channels 1 or 3; got "
                    + classes + ", " + frames + ", " + size + ", " + channels);
        }
        if (!(widthMultiplier > 0) || widthMultiplier > 8 || dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("need width multiplier in (0, 8] and dropout in [0, 1); got "
                    + widthMultiplier + ", " + dropout);
        }
        if (iterations < 1 || batchSize < 1 || heldOutClips < 1) {
            throw new IllegalArgumentException("need iterations, batch size and held-out clips ≥ 1; got " + iterations
                    + ", " + batchSize + ", " + heldOutClips);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
    }

    /**
     * The default settings for a training preset: its frames, frame size, channels and data classes, and a C3D width
     * and step count chosen so that the evaluator reaches ≥ 95 % held-out accuracy (measured; see the README's
     * evaluation section).
     *
     * @throws IllegalArgumentException for an unknown preset
     */
    public static EvaluatorSettings forPreset(String preset) {
        TrialSpec spec;
        try {
            spec = Presets.of(preset, ModelFamily.TGAN, TemporalKind.ORIGINAL, FVariant.LINEAR);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown preset '" + preset + "'; known: " + Presets.NAMES, e);
        }
        int classes = spec.dataClasses();
        int frames = spec.frames();
        int size = spec.frameSize();
        int channels = spec.channels();
        return switch (preset) {
            case "cpu-tiny" -> new EvaluatorSettings(preset, classes, frames, size, channels, 0.125, 0f, 300, 32,
                    1e-3, 1L, 1024);
            case "cpu-small" -> new EvaluatorSettings(preset, classes, frames, size, channels, 0.125, 0f, 500, 32,
                    1e-3, 1L, 1024);
            // Not measured on a GPU yet: a wider net and more steps for 64×64 RGB clips.
            case "gpu-paper" -> new EvaluatorSettings(preset, classes, frames, size, channels, 0.25, 0f, 3000, 32,
                    1e-3, 1L, 2048);
            default -> throw new IllegalArgumentException("no evaluator settings for preset '" + preset + "'");
        };
    }

    public EvaluatorSettings withIterations(int n) {
        return new EvaluatorSettings(preset, classes, frames, size, channels, widthMultiplier, dropout, n, batchSize,
                learningRate, seed, heldOutClips);
    }

    public EvaluatorSettings withSeed(long s) {
        return new EvaluatorSettings(preset, classes, frames, size, channels, widthMultiplier, dropout, iterations,
                batchSize, learningRate, s, heldOutClips);
    }

    public EvaluatorSettings withHeldOutClips(int n) {
        return new EvaluatorSettings(preset, classes, frames, size, channels, widthMultiplier, dropout, iterations,
                batchSize, learningRate, seed, n);
    }

    public EvaluatorSettings withWidth(double w) {
        return new EvaluatorSettings(preset, classes, frames, size, channels, w, dropout, iterations, batchSize,
                learningRate, seed, heldOutClips);
    }

    /**
     * A file-name stem unique to these settings, readable and ending in a short hash of every field, e.g.
     * {@code c3d-synthetic-cpu-tiny-6c-8f-16px-1ch-3f2a9c01}.
     */
    public String fileStem() {
        String safePreset = preset.replaceAll("[^A-Za-z0-9._-]", "_");
        return String.format(Locale.ROOT, "c3d-synthetic-%s-%dc-%df-%dpx-%dch-%s", safePreset, classes, frames, size,
                channels, hash().substring(0, 8));
    }

    /** SHA-256 (hex) of this record's canonical text. */
    String hash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.ndevid.metrics.c3d;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Whether C3D's fc6/fc7 dropout is on while scoring. {@link #off()} is the default and what a classifier at inference
 * should do. {@link #authors(long)} reproduces the paper authors' evaluation: their {@code evaluation_metrics.py}
 * wraps the forward pass in {@code with chainer.using_config('train', False) and chainer.no_backprop_mode():}, and
 * {@code A and B} evaluates to B, so only the no-backprop context is entered, Chainer stays in training mode and the
 * dropout after fc6 and fc7 of their {@code c3d_ft.py} stays active (Chainer's default ratio 0.5: each unit kept with
 * probability ½ and scaled by 2).
 *
 * <p>Their masks came from an unseeded GPU generator; here each clip's two masks are drawn from a generator seeded by
 * {@code seed} and a 64-bit hash of the clip's input values, so a score is reproducible whatever the batching,
 * process or resume, and the masks of different clips are independent as theirs were.
 *
 * @param authors on (the authors' behaviour) or off
 * @param seed    seeds the masks when on (0 when off)
 */
public record C3dDropout(boolean authors, long seed) {

    /** The authors' dropout ratio: Chainer's {@code F.dropout} default, as called by their C3D. */
    public static final float RATE = 0.5f;

    public static C3dDropout off() {
        return new C3dDropout(false, 0);
    }

    public static C3dDropout authors(long seed) {
        return new C3dDropout(true, seed);
    }

    /** For records: {@code off}, or {@code authors(p=0.5, seed=7)}. */
    public String describe() {
        return authors ? String.format(Locale.ROOT, "authors(p=%s, seed=%d)", RATE, seed) : "off";
    }

    /**
     * The multiplicative masks of one clip: {@code units6} values for fc6's output then {@code units7} for fc7's,
     * each 0 (dropped) or 1/(1 − p) (kept), written into {@code out} at {@code offset6} and {@code offset7}.
     */
    void masks(long clipHash, float[] mask6, int offset6, int units6, float[] mask7, int offset7, int units7) {
        SplittableRandom r = new SplittableRandom(seed ^ (clipHash * 0x9E3779B97F4A7C15L));
        float keep = 1f / (1f - RATE);
        for (int i = 0; i < units6; i++) {
            mask6[offset6 + i] = r.nextDouble() >= RATE ? keep : 0f;
        }
        for (int i = 0; i < units7; i++) {
            mask7[offset7 + i] = r.nextDouble() >= RATE ? keep : 0f;
        }
    }

    /** A 64-bit FNV-1a hash of {@code values[from, to)} (their float bits). */
    static long hash(float[] values, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= Float.floatToIntBits(values[i]);
            h *= 0x100000001b3L;
        }
        return h;
    }
}

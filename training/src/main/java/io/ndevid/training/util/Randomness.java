package io.ndevid.training.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Every random draw of a trial comes from here, on the JVM, from a seed derived from (trial seed, iteration,
 * purpose). Nothing depends on the engine's process-global generator, so a resumed trial draws exactly what an
 * uninterrupted one would, on any device.
 */
public final class Randomness {

    private Randomness() {}

    /** A seed for one use: mixes the trial seed, the iteration and a purpose tag (SplitMix64 finaliser). */
    public static long derive(long seed, long iteration, String purpose) {
        long h = seed * 0x9E3779B97F4A7C15L + iteration;
        h ^= purpose.hashCode() * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    /** N(0, 1) draws of the given shape. */
    public static NDArray normal(NDManager m, Shape shape, long seed, DataType type) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, shape).toType(type, false);
    }

    /** U(lo, hi) draws of the given shape. */
    public static NDArray uniform(NDManager m, Shape shape, double lo, double hi, long seed, DataType type) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return m.create(v, shape).toType(type, false);
    }
}

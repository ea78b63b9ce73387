package io.ndevid.training.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Labelled synthetic videos of simple moving shapes, the offline default dataset of ndevid: the GANs train on them and
 * ndevid's own evaluator classifier learns them when no UCF101 and no pretrained C3D are at hand.
 *
 * <p>Each clip shows one shape (disc, square or bar) over a smooth background; its motion class is one of
 * {@link SyntheticMotion} (the first {@code numClasses} of them). Everything that is not the motion varies per clip —
 * start position, speed, size, shape, orientation, colour or intensity, background level and gradient — so a
 * classifier has to look at the motion. Shapes are drawn with a one-pixel anti-aliased edge, so slow motion is
 * visible at 16×16 too.
 *
 * <p><b>Determinism.</b> Clip {@code i} of a set is a pure function of (seed, {@code firstIndex + i}) and the
 * geometry settings: it is computed on the JVM from a {@link SplittableRandom} seeded by those two numbers, with
 * {@link StrictMath} for the trigonometry, so it is bit-identical on every machine. The label of global index
 * {@code g} is {@code g mod numClasses} (classes are balanced over any run of indices). Disjoint index ranges of the
 * same seed are disjoint splits: e.g. train = {@code range(0, 50_000)}, held out = {@code range(1_000_000, 2048)}.
 *
 * <p>Values lie in [−1, 1]. Without pixel noise the background stays below 0 and the shape's mean over channels is at
 * least 0.2, so {@code mean over channels > 0} separates shape from background (the tests rely on it).
 */
public final class SyntheticVideos implements VideoDataset {

    /** Settings of a synthetic set; build with {@link SyntheticVideos#builder()}. */
    public record Config(int numClasses, int frames, int size, int channels, double noise, long seed, long firstIndex,
                         int count) {

        public Config {
            if (numClasses < 2 || numClasses > SyntheticMotion.values().length) {
                throw new IllegalArgumentException("numClasses must be in [2, " + SyntheticMotion.values().length
                        + "]: " + numClasses);
            }
            if (frames < 4) {
                throw new IllegalArgumentException("frames must be at least 4: " + frames);
            }
            if (size < 8) {
                throw new IllegalArgumentException("frame size must be at least 8 pixels: " + size);
            }
            if (channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1 or 3: " + channels);
            }
            if (!(noise >= 0 && noise <= 0.5)) {
                throw new IllegalArgumentException("noise std must be in [0, 0.5]: " + noise);
            }
            if (firstIndex < 0 || count <= 0 || firstIndex + count < 0) {
                throw new IllegalArgumentException("bad index range: first " + firstIndex + ", count " + count);
            }
        }
    }

    /** Builder with ndevid's defaults: 8 classes, 16 frames, 32×32, 1 channel, no pixel noise, seed 0, 10 000 clips. */
    public static final class Builder {
        private int numClasses = SyntheticMotion.values().length;
        private int frames = 16;
        private int size = 32;
        private int channels = 1;
        private double noise = 0;
        private long seed = 0;
        private long firstIndex = 0;
        private int count = 10_000;

        private Builder() {}

        /** Number of motion classes: the first {@code n} of {@link SyntheticMotion}. */
        public Builder numClasses(int n) {
            this.numClasses = n;
            return this;
        }

        /** Frames per clip (T). */
        public Builder frames(int t) {
            this.frames = t;
            return this;
        }

        /** Frame height and width in pixels (16, 32, 64, …). */
        public Builder size(int pixels) {
            this.size = pixels;
            return this;
        }

        /** 1 (grey) or 3 (RGB). */
        public Builder channels(int c) {
            this.channels = c;
            return this;
        }

        /** Standard deviation of i.i.d. Gaussian pixel noise (deterministic too); 0 for none. */
        public Builder noise(double std) {
            this.noise = std;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The set's clips are the global indices {@code first … first + count − 1}. */
        public Builder range(long first, int count) {
            this.firstIndex = first;
            this.count = count;
            return this;
        }

        public SyntheticVideos build() {
            return new SyntheticVideos(new Config(numClasses, frames, size, channels, noise, seed, firstIndex, count));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Config config;
    private final ClipShape clip;

    public SyntheticVideos(Config config) {
        this.config = config;
        this.clip = new ClipShape(config.channels(), config.frames(), config.size(), config.size());
    }

    public Config config() {
        return config;
    }

    /** Another split of the same distribution: global indices {@code first … first + count − 1}. */
    public SyntheticVideos range(long first, int count) {
        return new SyntheticVideos(new Config(config.numClasses(), config.frames(), config.size(), config.channels(),
                config.noise(), config.seed(), first, count));
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "synthetic-%dc-%dpx-%dch-%df-seed%d-[%d,+%d)", config.numClasses(),
                config.size(), config.channels(), config.frames(), config.seed(), config.firstIndex(), config.count());
    }

    @Override
    public int size() {
        return config.count();
    }

    @Override
    public ClipShape clipShape() {
        return clip;
    }

    @Override
    public int numClasses() {
        return config.numClasses();
    }

    @Override
    public List<String> classNames() {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < config.numClasses(); c++) {
            names.add(SyntheticMotion.ofLabel(c).name().toLowerCase(Locale.ROOT));
        }
        return names;
    }

    /** The label of clip {@code index} of this set. */
    public int labelOf(int index) {
        return (int) Math.floorMod(globalIndex(index), (long) config.numClasses());
    }

    /** Ignores {@code rng}: a synthetic clip depends only on (seed, index). */
    @Override
    public int readClip(int index, SplittableRandom rng, float[] dst, int offset) {
        long g = globalIndex(index);
        int label = (int) Math.floorMod(g, (long) config.numClasses());
        render(SyntheticMotion.ofLabel(label), new SplittableRandom(mix(config.seed(), g)), dst, offset);
        return label;
    }

    /** A clip as a new array {@code [C, T, H, W]}. */
    public float[] clip(int index) {
        float[] out = new float[clip.floats()];
        readClip(index, null, out, 0);
        return out;
    }

    private long globalIndex(int index) {
        if (index < 0 || index >= config.count()) {
            throw new IndexOutOfBoundsException("clip " + index + " of " + name());
        }
        return config.firstIndex() + index;
    }

    /** A per-clip seed: SplitMix64's finaliser applied to (seed, index); pure long arithmetic, the same on every JVM. */
    static long mix(long seed, long index) {
        return fmix64(seed ^ fmix64(index + 0x9E3779B97F4A7C15L));
    }

    private static long fmix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * A standard normal draw by Box–Muller with {@link StrictMath}: {@code RandomGenerator.nextGaussian()} may use
     * {@code Math.log}/{@code exp}, whose last bit can differ between JVMs.
     */
    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble(); // (0, 1]
        double u2 = rng.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    // ---- rendering -----------------------------------------------------------------------------------------------

    private enum Kind { DISC, SQUARE, BAR }

    /** Half-extents of a shape of "radius" r: a disc of radius r, a square of half side 0.85r, a 2.6:0.9 bar. */
    private static double halfA(Kind k, double r) {
        return switch (k) {
            case DISC -> r;
            case SQUARE -> 0.85 * r;
            case BAR -> 1.3 * r;
        };
    }

    private static double halfB(Kind k, double r) {
        return switch (k) {
            case DISC -> r;
            case SQUARE -> 0.85 * r;
            case BAR -> 0.45 * r;
        };
    }

    /** Largest distance from the centre to the shape's edge, at any orientation. */
    private static double reach(Kind k, double r) {
        double a = halfA(k, r);
        double b = halfB(k, r);
        return k == Kind.DISC ? r : Math.sqrt(a * a + b * b);
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private void render(SyntheticMotion motion, SplittableRandom rng, float[] dst, int offset) {
        final int s = config.size();
        final int t = config.frames();
        final int c = config.channels();
        final double px = s; // lengths below are fractions of the frame side

        // Appearance: shape, colour, background. Drawn in a fixed order, whatever the class, so that the same
        // (seed, index) always gives the same numbers.
        Kind kind = motion == SyntheticMotion.ROTATE_CW ? Kind.BAR : Kind.values()[rng.nextInt(3)];
        double theta0 = uniform(rng, 0, Math.PI);
        double bgLevel = uniform(rng, -1.0, -0.4);
        double gx = uniform(rng, -0.3, 0.3);
        double gy = uniform(rng, -0.3, 0.3);
        double[] tint = new double[c];
        double[] fg = new double[c];
        if (c == 1) {
            fg[0] = uniform(rng, 0.2, 1.0);
        } else {
            for (int ch = 0; ch < c; ch++) {
                tint[ch] = uniform(rng, -0.05, 0.05);
            }
            double mean;
            do { // a colour whose mean over channels is at least 0.2: visible against any background
                mean = 0;
                for (int ch = 0; ch < c; ch++) {
                    fg[ch] = uniform(rng, -0.3, 1.0);
                    mean += fg[ch] / c;
                }
            } while (mean < 0.2);
        }

        // Motion: centre (x, y), "radius" r and orientation per frame.
        double[] cx = new double[t];
        double[] cy = new double[t];
        double[] rad = new double[t];
        double[] ang = new double[t];
        double r = px * uniform(rng, 0.10, 0.17);
        double e = reach(kind, r) + 0.5;
        switch (motion) {
            case MOVE_RIGHT, MOVE_LEFT, MOVE_UP, MOVE_DOWN -> {
                double travel = Math.min(px * uniform(rng, 0.35, 0.6), px - 2 * e);
                double along0 = uniform(rng, e, px - e - travel);
                double across = uniform(rng, e, px - e);
                for (int f = 0; f < t; f++) {
                    double tau = f / (double) (t - 1);
                    double along = along0 + travel * tau;
                    double a = (motion == SyntheticMotion.MOVE_RIGHT || motion == SyntheticMotion.MOVE_DOWN)
                            ? along : px - along;
                    boolean horizontal = motion == SyntheticMotion.MOVE_RIGHT || motion == SyntheticMotion.MOVE_LEFT;
                    cx[f] = horizontal ? a : across;
                    cy[f] = horizontal ? across : a;
                    rad[f] = r;
                    ang[f] = theta0;
                }
            }
            case ROTATE_CW -> {
                double x0 = uniform(rng, e, px - e);
                double y0 = uniform(rng, e, px - e);
                double turn = uniform(rng, Math.PI / 3, 2 * Math.PI / 3);
                for (int f = 0; f < t; f++) {
                    cx[f] = x0;
                    cy[f] = y0;
                    rad[f] = r;
                    // y points down, so an increasing angle turns clockwise on screen.
                    ang[f] = theta0 + turn * f / (t - 1);
                }
            }
            case GROW, SHRINK -> {
                double r0 = px * uniform(rng, 0.07, 0.10);
                double g = uniform(rng, 1.7, 2.2);
                double eMax = reach(kind, r0 * g) + 0.5;
                double x0 = uniform(rng, eMax, px - eMax);
                double y0 = uniform(rng, eMax, px - eMax);
                for (int f = 0; f < t; f++) {
                    double tau = f / (double) (t - 1);
                    double scale = motion == SyntheticMotion.GROW ? 1 + (g - 1) * tau : g - (g - 1) * tau;
                    cx[f] = x0;
                    cy[f] = y0;
                    rad[f] = r0 * scale;
                    ang[f] = theta0;
                }
            }
            case BOUNCE -> {
                double floor = px - e;
                double amp = Math.min(px * uniform(rng, 0.35, 0.55), floor - e);
                double period = (t - 1) * uniform(rng, 0.5, 0.9); // frames per hop: at least one floor contact
                double phase = rng.nextDouble();
                double x0 = uniform(rng, e, px - e);
                for (int f = 0; f < t; f++) {
                    cx[f] = x0;
                    cy[f] = floor - amp * Math.abs(StrictMath.sin(Math.PI * (f / period + phase)));
                    rad[f] = r;
                    ang[f] = theta0;
                }
            }
            default -> throw new IllegalStateException("unhandled motion " + motion);
        }

        double noise = config.noise();
        int plane = s * s;
        for (int f = 0; f < t; f++) {
            double cosA = StrictMath.cos(ang[f]);
            double sinA = StrictMath.sin(ang[f]);
            double a = halfA(kind, rad[f]);
            double b = halfB(kind, rad[f]);
            for (int y = 0; y < s; y++) {
                double py = y + 0.5 - cy[f];
                for (int x = 0; x < s; x++) {
                    double pxl = x + 0.5 - cx[f];
                    double sdf;
                    if (kind == Kind.DISC) {
                        sdf = Math.sqrt(pxl * pxl + py * py) - a;
                    } else { // box in its own frame: rotate the point by −angle
                        double qx = Math.abs(cosA * pxl + sinA * py) - a;
                        double qy = Math.abs(-sinA * pxl + cosA * py) - b;
                        double ox = Math.max(qx, 0);
                        double oy = Math.max(qy, 0);
                        sdf = Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0);
                    }
                    double cover = Math.min(1, Math.max(0, 0.5 - sdf));
                    double bg = bgLevel + gx * (x / (double) (s - 1) - 0.5) + gy * (y / (double) (s - 1) - 0.5);
                    for (int ch = 0; ch < c; ch++) {
                        double back = Math.max(-1, bg + tint[ch]);
                        double v = back + (fg[ch] - back) * cover;
                        if (noise > 0) {
                            v += noise * gaussian(rng);
                        }
                        dst[offset + (ch * t + f) * plane + y * s + x] = (float) Math.min(1, Math.max(-1, v));
                    }
                }
            }
        }
    }
}

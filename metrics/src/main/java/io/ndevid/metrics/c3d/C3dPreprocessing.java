package io.ndevid.metrics.c3d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.metrics.MetricsInputException;

import java.util.Objects;

/**
 * The named ways reference code feeds generated videos to C3D. The route changes the numbers, so it is an explicit
 * setting and {@link #describe()} is recorded with every score.
 *
 * <p>Input: {@code [N, 3, T, H, W]} float RGB in [−1, 1] (generator output). Output: {@code [N, 3, T, crop, crop]}
 * BGR on the [0, 255] scale minus the C3D training mean, what the Caffe C3D weights expect.
 * <ul>
 *   <li>{@code authors} — the paper authors' {@code evaluation_metrics.py} (the route behind the published IS, itself
 *       TGAN's): x·128 + 128 (no clipping), each frame resized to 128×128 with OpenCV's {@code INTER_CUBIC}
 *       ({@link Resize.Kind#BICUBIC}), channels reversed to BGR, minus the mean clip's columns 21:149, then rows and
 *       columns 8:120 → 112×112. Net effect: minus {@code mean[:, :T, 8:120, 29:141]}.</li>
 *   <li>{@code tgan2} — TGANv2's {@code c3d_ucf101.py}: clip to [−1, 1] (its sampler does), x·128 with channels
 *       reversed to BGR, Chainer's {@code resize_images} to 112×112 ({@link Resize.Kind#BILINEAR_ALIGN_CORNERS}),
 *       plus {@code 128 − mean[:, :T, 8:120, 8:120]} (a different window of the same mean clip).</li>
 *   <li>{@code tgan} — the resize / mean / crop shape with a caller-given mean that broadcasts to
 *       {@code [3, T, resize, resize]} and the value map (x + 1)·127.5: the route ndevid's own synthetic evaluator
 *       trains and scores with at the clips' native size (its mean is 127.5 per channel). Not a reference route.</li>
 * </ul>
 * Both reference routes take the mean clip's first T frames: the references score 16-frame clips only (their mean
 * is 16 frames long); shorter clips (the CPU presets) use the frames they have, longer ones are refused.
 */
public final class C3dPreprocessing {

    /** The route's name ({@link #id()} is what settings and records use). */
    public enum Route {
        AUTHORS, TGAN2, TGAN;

        /** Lower-case name: {@code authors}, {@code tgan2}, {@code tgan}. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * The reference route named {@code id} ({@code authors} or {@code tgan2}).
         *
         * @throws MetricsInputException naming the known routes
         */
        public static Route parseReference(String id) {
            return switch (id) {
                case "authors" -> AUTHORS;
                case "tgan2" -> TGAN2;
                default -> throw new MetricsInputException("unknown C3D preprocessing route '" + id
                        + "' (known: authors, tgan2)");
            };
        }
    }

    /** Frame size the reference routes resize to (authors) and crop to (both). */
    public static final int REFERENCE_RESIZE = 128;
    public static final int REFERENCE_CROP = 112;
    /** Where the reference routes' mean windows start in the 128×171 mean clip: rows, authors' columns, TGANv2's. */
    private static final int MEAN_TOP = 8;
    private static final int AUTHORS_MEAN_LEFT = 21 + 8;
    private static final int TGAN2_MEAN_LEFT = 8;

    private final Route route;
    private final int resize;
    private final int crop;
    private final NDArray meanClip;
    private final C3dMeanClip referenceMean;
    private final float[] meanWindow;
    private final int frames;

    private C3dPreprocessing(Route route, int resize, int crop, NDArray meanClip, C3dMeanClip referenceMean,
                             int frames) {
        if (crop < 1 || resize < crop) {
            throw new IllegalArgumentException("need 1 ≤ crop ≤ resize, got resize " + resize + ", crop " + crop);
        }
        this.route = route;
        this.resize = resize;
        this.crop = crop;
        this.meanClip = meanClip;
        this.referenceMean = referenceMean;
        this.frames = frames;
        if (route == Route.AUTHORS) {
            meanWindow = referenceMean.window(frames, MEAN_TOP, AUTHORS_MEAN_LEFT, crop);
        } else if (route == Route.TGAN2) {
            float[] m = referenceMean.window(frames, MEAN_TOP, TGAN2_MEAN_LEFT, crop);
            for (int i = 0; i < m.length; i++) {
                m[i] = 128f - m[i];
            }
            meanWindow = m;
        } else {
            meanWindow = null;
        }
    }

    /**
     * The paper authors' route for clips of {@code frames} frames (≤ 16).
     *
     * @throws MetricsInputException if {@code frames} exceeds the mean clip's 16
     */
    public static C3dPreprocessing authors(C3dMeanClip mean, int frames) {
        return new C3dPreprocessing(Route.AUTHORS, REFERENCE_RESIZE, REFERENCE_CROP, null,
                java.util.Objects.requireNonNull(mean, "mean clip"), frames);
    }

    /**
     * TGANv2's route for clips of {@code frames} frames (≤ 16).
     *
     * @throws MetricsInputException if {@code frames} exceeds the mean clip's 16
     */
    public static C3dPreprocessing tgan2(C3dMeanClip mean, int frames) {
        return new C3dPreprocessing(Route.TGAN2, REFERENCE_CROP, REFERENCE_CROP, null,
                java.util.Objects.requireNonNull(mean, "mean clip"), frames);
    }

    /** {@code route} ({@link Route#AUTHORS} or {@link Route#TGAN2}) with {@code mean} for clips of {@code frames}. */
    public static C3dPreprocessing reference(Route route, C3dMeanClip mean, int frames) {
        return switch (route) {
            case AUTHORS -> authors(mean, frames);
            case TGAN2 -> tgan2(mean, frames);
            case TGAN -> throw new IllegalArgumentException("tgan is not a reference route (authors, tgan2)");
        };
    }

    /** The tgan shape at 128 → crop 112; {@code meanClip} may be null (then nothing is subtracted). */
    public static C3dPreprocessing tgan(NDArray meanClip) {
        return tgan(REFERENCE_RESIZE, REFERENCE_CROP, meanClip);
    }

    /** The tgan shape: bicubic resize to {@code resize²}, minus {@code meanClip} (nullable), centre crop. */
    public static C3dPreprocessing tgan(int resize, int crop, NDArray meanClip) {
        return new C3dPreprocessing(Route.TGAN, resize, crop, meanClip, null, 0);
    }

    /** The reference mean clip of {@code authors} / {@code tgan2}, null for {@code tgan}. */
    public C3dMeanClip referenceMean() {
        return referenceMean;
    }

    public Route route() {
        return route;
    }

    /** Output frame size (crop × crop). */
    public int outputSize() {
        return crop;
    }

    /** Whether a mean clip is subtracted. */
    public boolean subtractsMean() {
        return meanClip != null || referenceMean != null;
    }

    /** A one-line description to record with scores, naming every choice. */
    public String describe() {
        return switch (route) {
            case AUTHORS -> "authors: x*128+128 (not clipped), RGB->BGR, each frame bicubic (OpenCV INTER_CUBIC, "
                    + "a=-0.75) to " + resize + "x" + resize + ", minus mean clip " + referenceMean + "[:, :" + frames
                    + ", 8:120, 29:141] (its columns 21:149, then 8:120), crop 8:120 -> " + crop + "x" + crop;
            case TGAN2 -> "tgan2: clipped to [-1,1], x*128, RGB->BGR, bilinear (Chainer resize_images, corners "
                    + "aligned) to " + crop + "x" + crop + ", plus 128 - mean clip " + referenceMean + "[:, :" + frames
                    + ", 8:120, 8:120]";
            case TGAN -> "tgan: [-1,1]->[0,255], RGB->BGR, bicubic (Keys a=-0.75, half-pixel) to " + resize + "x"
                    + resize
                    + (meanClip == null ? ", NO mean clip given: mean not subtracted"
                            : ", minus mean clip " + meanClip.getShape())
                    + ", centre crop " + crop + "x" + crop;
        };
    }

    /**
     * Applies the route. The result belongs to {@code videos}' manager.
     *
     * @throws MetricsInputException if {@code videos} is not {@code [N, 3, T, H, W]}, T differs from the frames a
     *                               reference route was made for, or a tgan mean clip does not broadcast
     */
    public NDArray apply(NDArray videos) {
        Objects.requireNonNull(videos, "videos");
        Shape s = videos.getShape();
        if (s.dimension() != 5 || s.get(1) != 3) {
            throw new MetricsInputException("videos must be [N, 3, T, H, W] RGB in [-1, 1], got " + s);
        }
        NDArray x = videos.toType(DataType.FLOAT32, false);
        if (route == Route.TGAN) {
            return applyTgan(x.add(1f).mul(127.5f).flip(1), s);
        }
        if (s.get(2) != frames) {
            throw new MetricsInputException("the " + route.id() + " route was set up for clips of " + frames
                    + " frames, got " + s);
        }
        NDArray window = x.getManager().create(meanWindow, new Shape(1, 3, frames, crop, crop));
        if (route == Route.TGAN2) {
            x = Resize.apply(x.clip(-1f, 1f).mul(128f).flip(1), Resize.Kind.BILINEAR_ALIGN_CORNERS, crop, crop);
            return x.add(window);
        }
        x = Resize.apply(x.mul(128f).add(128f).flip(1), Resize.Kind.BICUBIC, resize, resize);
        int off = (resize - crop) / 2;
        return x.get(new NDIndex(":, :, :, {}:{}, {}:{}", off, off + crop, off, off + crop)).sub(window);
    }

    private NDArray applyTgan(NDArray x, Shape s) {
        x = Resize.apply(x, Resize.Kind.BICUBIC, resize, resize);
        if (meanClip != null) {
            Shape full = new Shape(3, s.get(2), resize, resize);
            Shape ms = meanClip.getShape();
            if (!broadcastsTo(ms, full)) {
                throw new MetricsInputException("mean clip of shape " + ms + " does not broadcast to " + full
                        + " (BGR, [0, 255], frames resized to " + resize + "x" + resize + ")");
            }
            x = x.sub(meanClip.toDevice(x.getDevice(), false).toType(x.getDataType(), false));
        }
        int off = (resize - crop) / 2;
        return x.get(new NDIndex(":, :, :, {}:{}, {}:{}", off, off + crop, off, off + crop));
    }

    private static boolean broadcastsTo(Shape small, Shape full) {
        if (small.dimension() > full.dimension()) {
            return false;
        }
        for (int i = 1; i <= small.dimension(); i++) {
            long a = small.get(small.dimension() - i);
            long b = full.get(full.dimension() - i);
            if (a != 1 && a != b) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return describe();
    }
}

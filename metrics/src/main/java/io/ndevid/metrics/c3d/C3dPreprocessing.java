package io.ndevid.metrics.c3d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.ndevid.metrics.MetricsInputException;

import java.util.Objects;

/**
 * The two named ways reference repos feed generated videos to C3D. The route changes the numbers, so it is an
 * explicit setting and {@link #describe()} is meant to be recorded with every score.
 *
 * <p>Input: {@code [N, 3, T, H, W]} float RGB in [−1, 1] (generator output). Output: {@code [N, 3, T, crop, crop]}
 * BGR in [0, 255] (minus the mean clip for {@code tgan}), what C3D's Caffe weights expect. The value map is
 * (x + 1)·127.5; TGAN's published inception script uses x·128 + 128 instead (0.4 % larger scale, range [0, 256]) —
 * a known small deviation from that script. Values are not rounded to integers.
 * <ul>
 *   <li>{@code tgan} (TGAN's evaluation): [−1,1] → [0,255], RGB → BGR, each frame resized to 128×128 bicubic,
 *       minus a mean clip, centre crop 112×112. The mean clip must be in that same space (BGR, [0, 255]) and
 *       broadcastable to {@code [3, T, 128, 128]} — e.g. the Sports-1M/UCF101 C3D mean cropped to 128×128, or
 *       {@code [3, 1, 1, 1]} per-channel means. Without one nothing is subtracted, and {@link #describe()} says so.</li>
 *   <li>{@code tgan2} (TGANv2's evaluation): [−1,1] → [0,255], RGB → BGR, bilinear resize straight to 112×112.</li>
 * </ul>
 * Sizes are parameters so that a scaled-down evaluator (e.g. 32×32 input) can use the same routes.
 */
public final class C3dPreprocessing {

    /** The route's name. */
    public enum Route { TGAN, TGAN2 }

    private final Route route;
    private final int resize;
    private final int crop;
    private final NDArray meanClip;

    private C3dPreprocessing(Route route, int resize, int crop, NDArray meanClip) {
        if (crop < 1 || resize < crop) {
            throw new IllegalArgumentException("need 1 ≤ crop ≤ resize, got resize " + resize + ", crop " + crop);
        }
        this.route = route;
        this.resize = resize;
        this.crop = crop;
        this.meanClip = meanClip;
    }

    /** TGAN's route at the original sizes (128 → crop 112); {@code meanClip} may be null (then nothing is subtracted). */
    public static C3dPreprocessing tgan(NDArray meanClip) {
        return tgan(128, 112, meanClip);
    }

    /** TGAN's route: bicubic resize to {@code resize²}, minus {@code meanClip} (nullable), centre crop {@code crop²}. */
    public static C3dPreprocessing tgan(int resize, int crop, NDArray meanClip) {
        return new C3dPreprocessing(Route.TGAN, resize, crop, meanClip);
    }

    /** TGANv2's route at the original size (bilinear to 112). */
    public static C3dPreprocessing tgan2() {
        return tgan2(112);
    }

    /** TGANv2's route: bilinear resize straight to {@code size²}. */
    public static C3dPreprocessing tgan2(int size) {
        return new C3dPreprocessing(Route.TGAN2, size, size, null);
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
        return meanClip != null;
    }

    /** A one-line description to record with scores, naming every choice. */
    public String describe() {
        if (route == Route.TGAN2) {
            return "tgan2: [-1,1]->[0,255], RGB->BGR, bilinear (half-pixel, PyTorch align_corners=False) to "
                    + crop + "x" + crop;
        }
        return "tgan: [-1,1]->[0,255], RGB->BGR, bicubic (Keys a=-0.75, half-pixel) to " + resize + "x" + resize
                + (meanClip == null ? ", NO mean clip given: mean not subtracted"
                        : ", minus mean clip " + meanClip.getShape())
                + ", centre crop " + crop + "x" + crop;
    }

    /**
     * Applies the route. The result belongs to {@code videos}' manager.
     *
     * @throws MetricsInputException if {@code videos} is not {@code [N, 3, T, H, W]} or the mean clip does not
     *                               broadcast
     */
    public NDArray apply(NDArray videos) {
        Objects.requireNonNull(videos, "videos");
        Shape s = videos.getShape();
        if (s.dimension() != 5 || s.get(1) != 3) {
            throw new MetricsInputException("videos must be [N, 3, T, H, W] RGB in [-1, 1], got " + s);
        }
        NDArray x = videos.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).add(1f).mul(127.5f);
        x = x.flip(1); // RGB → BGR
        if (route == Route.TGAN2) {
            return Resize.apply(x, Resize.Kind.BILINEAR, crop, crop);
        }
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

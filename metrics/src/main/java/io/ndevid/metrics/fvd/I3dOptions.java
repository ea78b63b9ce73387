package io.ndevid.metrics.fvd;

import java.util.Locale;

/**
 * How videos are handed to a user-supplied I3D TorchScript module. The defaults ({@link #styleganV()}) are those of
 * StyleGAN-V's FVD ({@code src/metrics/frechet_video_distance.py} and {@code metric_utils.py} of universome/stylegan-v),
 * which loads {@code i3d_torchscript.pt} — a TorchScript port of the Kinetics-400 I3D behind the original TensorFlow
 * FVD — and calls it as
 * <pre>
 *   detector(videos, rescale=True, resize=True, return_features=True)   # → [N, 400]
 * </pre>
 * with {@code videos} a {@code uint8} tensor {@code [N, 3, T, H, W]} (channels before time) holding
 * {@code (x·127.5 + 128).clamp(0, 255)} truncated to integers, grey videos repeated to 3 channels. With
 * {@code rescale=True} the module maps [0, 255] to [−1, 1] itself, with {@code resize=True} it resizes frames to
 * 224×224 itself, and {@code return_features=True} returns the 400-d pre-softmax output used for FVD.
 *
 * <p><b>Assumption</b> (not checkable offline: the module's source is not at hand): TorchScript's {@code forward} is
 * {@code forward(x, rescale, resize, return_features)} in that order, so the three flags are passed positionally (DJL
 * can only pass positional arguments). A module with another signature can be used with {@link #passFlags} off (only
 * the tensor is passed) or with the flags in its order via {@link #flags}. Other published FVD scripts call the same
 * file with {@code rescale=False, resize=False} and feed float videos in [−1, 1] already resized to 224×224:
 * {@link #preResized()} does that.
 *
 * @param layout       {@code NCTHW} (StyleGAN-V, channels before time) or {@code NTCHW}
 * @param range        value range and type fed to the module
 * @param resizeTo     0: no resize here; otherwise frames are resized to {@code resizeTo²} (bilinear, half-pixel)
 *                     before the module sees them
 * @param passFlags    whether the boolean flags follow the tensor as positional arguments
 * @param flags        the flags, in the module's argument order (StyleGAN-V: rescale, resize, return_features)
 */
public record I3dOptions(Layout layout, Range range, int resizeTo, boolean passFlags, boolean[] flags) {

    /** Axis order of the tensor given to the module. */
    public enum Layout { NCTHW, NTCHW }

    /** Values given to the module, from generator output x ∈ [−1, 1]. */
    public enum Range {
        /** {@code uint8} of {@code (x·127.5 + 128).clamp(0, 255)}, truncated (StyleGAN-V). */
        UINT8_0_255,
        /** float32 {@code (x + 1)·127.5}. */
        FLOAT_0_255,
        /** float32 x unchanged. */
        FLOAT_MINUS1_1
    }

    public I3dOptions {
        if (layout == null || range == null) {
            throw new IllegalArgumentException("layout and range must be given");
        }
        if (resizeTo < 0) {
            throw new IllegalArgumentException("resizeTo must be 0 (off) or a size, got " + resizeTo);
        }
        flags = flags == null ? new boolean[0] : flags.clone();
    }

    /** StyleGAN-V's call: uint8 [N, 3, T, H, W], flags (rescale=true, resize=true, return_features=true). */
    public static I3dOptions styleganV() {
        return new I3dOptions(Layout.NCTHW, Range.UINT8_0_255, 0, true, new boolean[] {true, true, true});
    }

    /** float [N, 3, T, 224, 224] in [−1, 1] resized here, flags (rescale=false, resize=false, return_features=true). */
    public static I3dOptions preResized() {
        return new I3dOptions(Layout.NCTHW, Range.FLOAT_MINUS1_1, 224, true, new boolean[] {false, false, true});
    }

    /** Only the tensor is passed (a module whose forward takes one argument and returns features). */
    public I3dOptions withoutFlags() {
        return new I3dOptions(layout, range, resizeTo, false, new boolean[0]);
    }

    public I3dOptions withLayout(Layout l) {
        return new I3dOptions(l, range, resizeTo, passFlags, flags);
    }

    public I3dOptions withRange(Range r) {
        return new I3dOptions(layout, r, resizeTo, passFlags, flags);
    }

    public I3dOptions withResizeTo(int size) {
        return new I3dOptions(layout, range, size, passFlags, flags);
    }

    @Override
    public boolean[] flags() {
        return flags.clone();
    }

    /** One line naming every choice, to record with an FVD. */
    public String describe() {
        StringBuilder b = new StringBuilder("i3d input: ").append(layout).append(", ");
        b.append(switch (range) {
            case UINT8_0_255 -> "uint8 (x*127.5+128).clamp(0,255) truncated";
            case FLOAT_0_255 -> "float (x+1)*127.5";
            case FLOAT_MINUS1_1 -> "float x in [-1,1]";
        });
        b.append(", grey repeated to 3 channels");
        b.append(resizeTo > 0 ? String.format(Locale.ROOT, ", frames resized here to %dx%d (bilinear)", resizeTo,
                resizeTo) : ", no resize here");
        if (passFlags) {
            b.append(", positional flags ").append(java.util.Arrays.toString(flags));
            if (flags.length == 3) {
                b.append(" (rescale, resize, return_features)");
            }
        } else {
            b.append(", tensor only");
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof I3dOptions x && x.layout == layout && x.range == range && x.resizeTo == resizeTo
                && x.passFlags == passFlags && java.util.Arrays.equals(x.flags, flags);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(layout, range, resizeTo, passFlags, java.util.Arrays.hashCode(flags));
    }

    @Override
    public String toString() {
        return describe();
    }
}

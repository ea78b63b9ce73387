package io.ndevid.metrics.c3d;

/**
 * Shape of a C3D classifier (Tran et al. 2015): eight 3×3×3 convolutions, five max-pools, three fully connected
 * layers. The UCF101 evaluator used by TGAN/TGANv2 is {@link #ucf101()}; {@link #small} gives the same architecture
 * scaled down for an evaluator that ndevid trains itself on small synthetic videos.
 *
 * @param classes         fc8 outputs (101 for UCF101)
 * @param widthMultiplier channels and fc units scale: conv 64·w, 128·w, 256·w, 512·w, 512·w; fc 4096·w (rounded,
 *                        at least 1)
 * @param frames          input clip length T (16)
 * @param height          input frame height after preprocessing (112)
 * @param width           input frame width after preprocessing (112)
 * @param dropout         dropout rate after fc6 and fc7 during training (0.5); never applied at inference
 */
public record C3dConfig(int classes, double widthMultiplier, int frames, int height, int width, float dropout) {

    public C3dConfig {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be ≥ 1, got " + classes);
        }
        if (!(widthMultiplier > 0) || widthMultiplier > 8) {
            throw new IllegalArgumentException("width multiplier must be in (0, 8], got " + widthMultiplier);
        }
        if (frames < 2 || height < 2 || width < 2) {
            throw new IllegalArgumentException("input must be at least 2×2×2 (T×H×W), got " + frames + "×" + height
                    + "×" + width);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
    }

    /** The original: 101 classes, full width, 3×16×112×112 input, dropout 0.5; fc6 sees 512·1·4·4 = 8192 inputs. */
    public static C3dConfig ucf101() {
        return new C3dConfig(101, 1.0, 16, 112, 112, 0.5f);
    }

    /** A scaled-down C3D: {@code classes} outputs, width multiplier {@code w}, input {@code frames×size×size}. */
    public static C3dConfig small(int classes, double w, int frames, int size) {
        return new C3dConfig(classes, w, frames, size, size, 0.5f);
    }

    /** Output channels of conv1a, conv2a, conv3a/b, conv4a/b, conv5a/b. */
    public int[] convChannels() {
        int[] base = {64, 128, 256, 256, 512, 512, 512, 512};
        int[] c = new int[base.length];
        for (int i = 0; i < base.length; i++) {
            c[i] = scaled(base[i]);
        }
        return c;
    }

    /** Units of fc6 and fc7. */
    public int fcUnits() {
        return scaled(4096);
    }

    /** Spatio-temporal size after pool5 as {T, H, W}: pool1 halves H and W only, pools 2–5 halve all three, ceil. */
    public int[] pool5Size() {
        int t = frames;
        int h = ceilHalf(height);
        int w = ceilHalf(width);
        for (int i = 0; i < 4; i++) {
            t = ceilHalf(t);
            h = ceilHalf(h);
            w = ceilHalf(w);
        }
        return new int[] {t, h, w};
    }

    /** Inputs of fc6: channels of conv5b × pool5 volume (8192 for {@link #ucf101()}). */
    public int fc6Inputs() {
        int[] s = pool5Size();
        return convChannels()[7] * s[0] * s[1] * s[2];
    }

    private int scaled(int base) {
        return Math.max(1, (int) Math.round(base * widthMultiplier));
    }

    /** Ceil-mode pooling with kernel 2, stride 2, no padding: ⌈n/2⌉. */
    static int ceilHalf(int n) {
        return (n + 1) / 2;
    }
}

package io.ndevid.training.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Transposed convolution (1-, 2- or 3-D): libtorch's own kernel reached through a TorchScript module, or built from
 * regular convolutions, because DJL's PyTorch engine exposes none ({@code Conv*dTranspose} throws "Not implemented";
 * docs/ENGINE.md).
 *
 * <p>It computes exactly PyTorch's {@code ConvTranspose{1,2,3}d} (groups 1, dilation 1, no output padding): with the
 * weight in PyTorch's layout {@code [in, out, k…]}, per spatial axis
 * <pre>  out[o, i·s − p + j] += x[i] · w[j],   output length (L − 1)·s − 2p + k.</pre>
 *
 * <p>Five exact routes ({@link Strategy}), and {@link Strategy#AUTO} (the default) that picks one per call:
 * <ul>
 *   <li>{@link Strategy#NATIVE}: libtorch's {@code conv_transpose{1,2,3}d} and its backward, one call each, through
 *       a parameter-free TorchScript module carried in the jar ({@link NativeConvTranspose}).</li>
 *   <li>{@link Strategy#PHASE}: the output positions {@code o ≡ r (mod s)} of one <em>phase</em> {@code r}
 *       only see the taps {@code j ≡ r + p (mod s)}, so each phase is a small regular convolution of the input with a
 *       strided, flipped slice of the kernel; the {@code s^d} phase results are interleaved (a pixel/voxel shuffle).
 *       For k4 s2 p1 every phase is a k2 convolution: 4 of them in 2-D, 8 in 3-D, doing exactly the k^d
 *       multiply-adds per input pixel that the definition needs and no multiplications by inserted zeros.</li>
 *   <li>{@link Strategy#PHASE_FUSED}: the same sub-kernels zero-padded to a common, symmetric window and stacked on
 *       the output channels, so all phases run as one convolution (k3 for k4 s2 p1: (3/2)^d times the arithmetic,
 *       one call) whose own zero padding and bias replace any pad of the input and any separate bias add; the
 *       stacked kernel comes from the weight by one pad, a reshape, a flip and a permute, and one reshape of the
 *       output interleaves the phases. It is also the route of every stride-1 layer (a single phase).</li>
 *   <li>{@link Strategy#GEMM}: PyTorch's own CPU algorithm (the adjoint of im2col): a 1×1 convolution with
 *       {@code Wᵀ} gives every tap's contribution, and one grouped convolution with a constant 0/1 kernel adds up
 *       each output phase's taps' maps, shifted (its zero padding replaces the pads and crops).</li>
 *   <li>{@link Strategy#ZERO_INSERT}: the textbook equivalence — insert {@code s − 1} zeros between input elements,
 *       pad by {@code k − 1 − p}, convolve with the flipped kernel transposed to {@code [out, in, k…]}; ≈ s^d times
 *       the arithmetic. Kept as an independent route for checks.</li>
 * </ul>
 * Among the emulations, few output channels favour GEMM, small layers the fused route, large ones PHASE
 * ({@code ConvBench}; BENCHMARKS.md, "ConvTranspose strategy AUTO"); NATIVE beat them all on every measured layer but
 * one with a single output channel, and whole cpu-small training steps with it were 10–19 % faster than with the
 * previous AUTO ({@code DeconvAB}; BENCHMARKS.md, "Native transposed convolution through TorchScript (issue 17)").
 * {@link Strategy#AUTO} follows these measurements ({@link #autoStrategy}). Re-measure on other hardware (GPUs were
 * not measured).
 *
 * <p>The emulations are built from differentiable ops (slice, flip, pad, conv, stack, reshape), so gradients with
 * respect to the input, weight and bias come from autograd, as they do through NATIVE's module. Scalars never enter the graph. PHASE_FUSED and GEMM never pad or copy
 * the input or the tap maps themselves (the convolutions' own padding does it); PHASE pads the input once per phase.
 *
 * <p>Parameters: {@code weight} {@code [in, out, k…]} and, if enabled, {@code bias} {@code [out]}, both initialised like
 * PyTorch's default, U(±1/√fan_in) with fan_in = out·∏k (PyTorch takes dimension 1 of a transposed-conv weight as its
 * fan-in); models override this with {@code setInitializer}.
 */
public final class ConvTranspose extends AbstractBlock {

    private static final byte VERSION = 1;

    /**
     * Overrides the {@link Builder}'s default strategy for every layer built afterwards (a {@link Strategy} name), for
     * A/B measurements of whole models; unset: {@link Strategy#AUTO}.
     */
    public static final String STRATEGY_PROPERTY = "ndevid.convtranspose.strategy";

    /** How the transposed convolution is computed; all are exact. */
    public enum Strategy {
        /** Per call, NATIVE or GEMM from the output channels and the device ({@link #autoStrategy}); the default. */
        AUTO,
        /** Per-phase sub-kernel convolutions + interleave. */
        PHASE,
        /** Zero insertion + padding + convolution with the flipped kernel (reference route). */
        ZERO_INSERT,
        /** All phases in one convolution: sub-kernels zero-padded to a common size, stacked on output channels. */
        PHASE_FUSED,
        /** One matrix product Wᵀ·x for every tap, then overlap-add of shifted slices per phase (col2im). */
        GEMM,
        /** libtorch's own {@code conv_transpose{1,2,3}d} through a TorchScript module ({@link NativeConvTranspose}). */
        NATIVE
    }

    private final int dims;
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final Strategy strategy;
    private final Parameter weight;
    private final Parameter bias;

    private ConvTranspose(Builder b) {
        super(VERSION);
        this.dims = b.dims;
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernel = expand(b.kernel, b.dims, "kernel");
        this.stride = expand(b.stride, b.dims, "stride");
        this.padding = expand(b.padding, b.dims, "padding");
        this.strategy = b.strategy;
        for (int a = 0; a < dims; a++) {
            if (kernel[a] < 1 || stride[a] < 1 || padding[a] < 0) {
                throw new IllegalArgumentException("need kernel ≥ 1, stride ≥ 1, padding ≥ 0: " + this);
            }
        }
        long[] wShape = new long[2 + dims];
        wShape[0] = inChannels;
        wShape[1] = outChannels;
        long receptive = 1;
        for (int a = 0; a < dims; a++) {
            wShape[2 + a] = kernel[a];
            receptive *= kernel[a];
        }
        float bound = (float) (1 / Math.sqrt((double) outChannels * receptive));
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(wShape)).optInitializer(new UniformInitializer(bound)).build());
        this.bias = b.bias
                ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                        .optShape(new Shape(outChannels)).optInitializer(new UniformInitializer(bound)).build())
                : null;
    }

    private static Strategy defaultStrategy() {
        String forced = System.getProperty(STRATEGY_PROPERTY);
        return forced == null || forced.isBlank() ? Strategy.AUTO
                : Strategy.valueOf(forced.trim().toUpperCase(Locale.ROOT));
    }

    /**
     * What {@link Strategy#AUTO} runs for a layer with this many output channels on this device: on the CPU
     * {@link Strategy#GEMM} for a single output channel (libtorch 2.7.1's own CPU kernel is slow there, as for a
     * regular convolution with one output channel), {@link Strategy#NATIVE} otherwise; on any other device
     * {@link Strategy#NATIVE} (libtorch's kernel, cuDNN on a GPU; not measured here). From the measurements in
     * BENCHMARKS.md, "Native transposed convolution through TorchScript (issue 17)".
     */
    public static Strategy autoStrategy(Device device, long outChannels) {
        return device.isGpu() || outChannels > 1 ? Strategy.NATIVE : Strategy.GEMM;
    }

    private static int[] expand(int[] v, int dims, String what) {
        if (v.length == 1) {
            int[] out = new int[dims];
            Arrays.fill(out, v[0]);
            return out;
        }
        if (v.length != dims) {
            throw new IllegalArgumentException(what + " needs 1 or " + dims + " values: " + Arrays.toString(v));
        }
        return v.clone();
    }

    /** Builder; in/out channels and the kernel size are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link ConvTranspose}; sizes given once apply to every spatial axis. */
    public static final class Builder {
        private int dims = 2;
        private int inChannels = -1;
        private int outChannels = -1;
        private int[] kernel;
        private int[] stride = {1};
        private int[] padding = {0};
        private boolean bias = true;
        private Strategy strategy = defaultStrategy();

        private Builder() {}

        /** Number of spatial axes: 1 (input {@code [N,C,L]}), 2 ({@code [N,C,H,W]}) or 3 ({@code [N,C,T,H,W]}). */
        public Builder dims(int d) {
            this.dims = d;
            return this;
        }

        public Builder channels(int in, int out) {
            this.inChannels = in;
            this.outChannels = out;
            return this;
        }

        public Builder kernel(int... k) {
            this.kernel = k.clone();
            return this;
        }

        public Builder stride(int... s) {
            this.stride = s.clone();
            return this;
        }

        public Builder padding(int... p) {
            this.padding = p.clone();
            return this;
        }

        public Builder bias(boolean withBias) {
            this.bias = withBias;
            return this;
        }

        public Builder strategy(Strategy s) {
            this.strategy = s;
            return this;
        }

        public ConvTranspose build() {
            if (dims < 1 || dims > 3) {
                throw new IllegalArgumentException("dims must be 1, 2 or 3: " + dims);
            }
            if (inChannels < 1 || outChannels < 1) {
                throw new IllegalArgumentException("set channels(in, out)");
            }
            if (kernel == null) {
                throw new IllegalArgumentException("set kernel(…)");
            }
            return new ConvTranspose(this);
        }
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or {@code null} when built without one. */
    public Parameter bias() {
        return bias;
    }

    /** Stride per spatial axis. */
    public int[] stride() {
        return stride.clone();
    }

    /** Padding per spatial axis. */
    public int[] padding() {
        return padding.clone();
    }

    /** Output length of one axis: {@code (L − 1)·s − 2p + k}. */
    public static long outputLength(long inputLength, int kernel, int stride, int padding) {
        return (inputLength - 1) * stride - 2L * padding + kernel;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : store.getValue(bias, x.getDevice(), training);
        return new NDList(apply(x, w, b, stride, padding, strategy));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long[] out = new long[2 + dims];
        out[0] = in.get(0);
        out[1] = outChannels;
        for (int a = 0; a < dims; a++) {
            out[2 + a] = outputLength(in.get(2 + a), kernel[a], stride[a], padding[a]);
        }
        return new Shape[] {new Shape(out)};
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ConvTranspose%dd(%d→%d, k=%s, s=%s, p=%s, %s%s)", dims, inChannels,
                outChannels, Arrays.toString(kernel), Arrays.toString(stride), Arrays.toString(padding),
                strategy.name().toLowerCase(Locale.ROOT), bias == null ? ", no bias" : "");
    }

    // ---- the functional form ---------------------------------------------------------------------------------------

    /**
     * Transposed convolution of {@code x} {@code [N, in, L…]} with {@code w} {@code [in, out, k…]} (PyTorch layout)
     * and optional bias {@code b} {@code [out]}.
     *
     * @param stride  per spatial axis (or one value for all)
     * @param padding per spatial axis (or one value for all)
     */
    public static NDArray apply(NDArray x, NDArray w, NDArray b, int[] stride, int[] padding, Strategy strategy) {
        int dims = x.getShape().dimension() - 2;
        if (dims < 1 || dims > 3) {
            throw new IllegalArgumentException("input must be [N, C, L…] with 1–3 spatial axes: " + x.getShape());
        }
        if (w.getShape().dimension() != dims + 2 || w.getShape().get(0) != x.getShape().get(1)) {
            throw new IllegalArgumentException("weight " + w.getShape() + " does not fit input " + x.getShape()
                    + " (expected [in, out, k…] with in = " + x.getShape().get(1) + ")");
        }
        checkSameType(x, w);
        int[] s = expand(stride, dims, "stride");
        int[] p = expand(padding, dims, "padding");
        AxisPlan[] plan = new AxisPlan[dims];
        for (int a = 0; a < dims; a++) {
            plan[a] = new AxisPlan(x.getShape().get(2 + a), (int) w.getShape().get(2 + a), s[a], p[a]);
        }
        Strategy route = strategy;
        if (route == Strategy.AUTO) {
            route = autoStrategy(x.getDevice(), w.getShape().get(1));
        }
        int phases = 1;
        for (int a = 0; a < dims; a++) {
            phases *= s[a];
        }
        if (route == Strategy.NATIVE) {
            return NativeConvTranspose.apply(x, w, b, s, p);
        }
        if (route == Strategy.PHASE_FUSED || route == Strategy.PHASE && phases == 1) { // one phase: the same route
            return phaseFused(x, w, b, plan); // adds the bias in its convolution
        }
        NDArray out = switch (route) {
            case AUTO, PHASE_FUSED, NATIVE -> throw new IllegalStateException("resolved above");
            case PHASE -> phase(x, w, plan);
            case ZERO_INSERT -> zeroInsert(x, w, plan);
            case GEMM -> gemm(x, w, plan);
        };
        if (b != null) {
            long[] bs = new long[2 + dims];
            Arrays.fill(bs, 1);
            bs[1] = b.getShape().get(0);
            out = out.add(b.reshape(new Shape(bs)));
        }
        return out;
    }

    /** Index arithmetic of one spatial axis. */
    static final class AxisPlan {
        final long length;
        final int k;
        final int s;
        final int p;
        final long outLength;
        /** Outputs per phase before cropping: ceil(outLength / s). */
        final long perPhase;
        /** Per phase r: number of taps, the first tap's index in the flipped kernel, smallest and largest offset. */
        final int[] taps;
        final int[] flippedStart;
        final int[] minOffset;
        final int[] maxOffset;
        /** The smallest and largest input offset over all phases (k ≥ 1, so some phase has a tap). */
        final int lowestOffset;
        final int highestOffset;

        AxisPlan(long length, int k, int s, int p) {
            this.length = length;
            this.k = k;
            this.s = s;
            this.p = p;
            this.outLength = outputLength(length, k, s, p);
            if (outLength < 1) {
                throw new IllegalArgumentException("transposed conv output would be empty: L=" + length + " k=" + k
                        + " s=" + s + " p=" + p);
            }
            this.perPhase = (outLength + s - 1) / s;
            taps = new int[s];
            flippedStart = new int[s];
            minOffset = new int[s];
            maxOffset = new int[s];
            for (int r = 0; r < s; r++) {
                // out[s·m + r] gets x[i]·w[j] for i·s − p + j = s·m + r, i.e. j ≡ r + p (mod s), i = m + (r + p − j)/s.
                int first = Math.floorMod(r + p, s); // smallest such j
                taps[r] = first < k ? (k - first + s - 1) / s : 0;
                if (taps[r] > 0) {
                    int last = first + (taps[r] - 1) * s; // largest such j: the smallest input offset
                    maxOffset[r] = Math.floorDiv(r + p - first, s);
                    minOffset[r] = Math.floorDiv(r + p - last, s);
                    // In correlation order the taps run over offsets min…max, i.e. over j from last down to first:
                    // in the flipped kernel (index k − 1 − j) that is a stride-s slice starting at k − 1 − last.
                    flippedStart[r] = k - 1 - last;
                }
            }
            int lowest = Integer.MAX_VALUE;
            int highest = Integer.MIN_VALUE;
            for (int r = 0; r < s; r++) {
                if (taps[r] > 0) {
                    lowest = Math.min(lowest, minOffset[r]);
                    highest = Math.max(highest, maxOffset[r]);
                }
            }
            this.lowestOffset = lowest;
            this.highestOffset = highest;
        }
    }

    /** Crops ({@code < 0}) or zero-pads ({@code > 0}) spatial axis {@code axis} (0-based among spatial axes). */
    private static NDArray padOrCrop(NDArray x, int axis, long left, long right) {
        int dim = x.getShape().dimension();
        long len = x.getShape().get(2 + axis);
        if (left < 0 || right < 0) {
            long from = Math.max(0, -left);
            long to = len - Math.max(0, -right);
            x = x.get(sliceOnAxis(dim, 2 + axis, from + ":" + to));
        }
        if (left > 0 || right > 0) {
            long[] pad = new long[2 * (dim - 2)]; // torch's pad order: last axis first, (left, right) pairs
            int pos = dim - 1 - (2 + axis);
            pad[2 * pos] = Math.max(0, left);
            pad[2 * pos + 1] = Math.max(0, right);
            x = x.pad(new Shape(pad), 0);
        }
        return x;
    }

    private static NDIndex sliceOnAxis(int dims, int axis, String slice) {
        StringBuilder sb = new StringBuilder();
        for (int a = 0; a < dims; a++) {
            if (a > 0) {
                sb.append(',');
            }
            sb.append(a == axis ? slice : ":");
        }
        return new NDIndex(sb.toString());
    }

    private static NDArray conv(NDArray x, NDArray kernelOutIn) {
        return conv(x, kernelOutIn, null, new long[x.getShape().dimension() - 2]);
    }

    /** Stride-1 convolution with the given bias (or null) and symmetric zero padding per spatial axis. */
    private static NDArray conv(NDArray x, NDArray kernelOutIn, NDArray bias, long[] padding) {
        return conv(x, kernelOutIn, bias, padding, 1);
    }

    /** As {@link #conv(NDArray, NDArray, NDArray, long[])} in {@code groups} groups of the channels. */
    private static NDArray conv(NDArray x, NDArray kernelOutIn, NDArray bias, long[] padding, long groups) {
        int dims = x.getShape().dimension() - 2;
        Shape ones = new Shape(ones(dims));
        Shape pad = new Shape(padding);
        int g = Math.toIntExact(groups);
        return switch (dims) {
            case 1 -> Conv1d.conv1d(x, kernelOutIn, bias, ones, pad, ones, g).singletonOrThrow();
            case 2 -> Conv2d.conv2d(x, kernelOutIn, bias, ones, pad, ones, g).singletonOrThrow();
            case 3 -> Conv3d.conv3d(x, kernelOutIn, bias, ones, pad, ones, g).singletonOrThrow();
            default -> throw new IllegalArgumentException("1–3 spatial axes: " + dims);
        };
    }

    private static long[] ones(int n) {
        long[] v = new long[n];
        Arrays.fill(v, 1);
        return v;
    }

    private static int[] spatialAxes(int dims) {
        int[] axes = new int[dims];
        for (int a = 0; a < dims; a++) {
            axes[a] = 2 + a;
        }
        return axes;
    }

    /** {@code [in, out, k…]} → {@code [out, in, k…]}. */
    private static NDArray swapInOut(NDArray w) {
        int[] order = new int[w.getShape().dimension()];
        order[0] = 1;
        order[1] = 0;
        for (int a = 2; a < order.length; a++) {
            order[a] = a;
        }
        return w.transpose(order);
    }

    private static NDArray phase(NDArray x, NDArray w, AxisPlan[] plan) {
        int dims = plan.length;
        long n = x.getShape().get(0);
        long out = w.getShape().get(1);
        NDArray flipped = w.flip(spatialAxes(dims));
        int phases = 1;
        for (AxisPlan ap : plan) {
            phases *= ap.s;
        }
        long[] perPhaseShape = new long[2 + dims];
        perPhaseShape[0] = n;
        perPhaseShape[1] = out;
        for (int a = 0; a < dims; a++) {
            perPhaseShape[2 + a] = plan[a].perPhase;
        }
        List<NDArray> results = new ArrayList<>(phases);
        int[] r = new int[dims];
        for (int ph = 0; ph < phases; ph++) {
            // phase index → (r_1, …, r_d), last axis fastest
            int rest = ph;
            for (int a = dims - 1; a >= 0; a--) {
                r[a] = rest % plan[a].s;
                rest /= plan[a].s;
            }
            boolean empty = false;
            for (int a = 0; a < dims; a++) {
                empty |= plan[a].taps[r[a]] == 0;
            }
            if (empty) { // k < s: some phases get no tap at all and are zero (bias only)
                results.add(x.getManager().zeros(new Shape(perPhaseShape), x.getDataType()));
                continue;
            }
            NDArray k = flipped;
            NDArray xi = x;
            for (int a = 0; a < dims; a++) {
                AxisPlan ap = plan[a];
                int start = ap.flippedStart[r[a]];
                int stop = start + (ap.taps[r[a]] - 1) * ap.s + 1;
                if (start != 0 || stop != ap.k || ap.s != 1) {
                    k = k.get(sliceOnAxis(dims + 2, 2 + a, start + ":" + stop + (ap.s > 1 ? ":" + ap.s : "")));
                }
                // Phase output m needs x[m + minOffset … m + maxOffset] for m = 0 … perPhase − 1.
                long left = -ap.minOffset[r[a]];
                long right = (ap.perPhase - 1 + ap.maxOffset[r[a]]) - (ap.length - 1);
                xi = padOrCrop(xi, a, left, right);
            }
            results.add(conv(xi, swapInOut(k)));
        }
        return interleave(results, perPhaseShape, plan);
    }

    /**
     * All phases in one convolution, with no copy of the input and one of the output. Per axis the window of input
     * offsets {@code lo'…hi'} is widened to be symmetric ({@code lo' = −P0}, {@code hi' = P0 + L − M}, M the outputs
     * per phase), so the convolution's own zero padding P0 replaces every pad of the input. Window position q of
     * phase r holds tap {@code j = r + p + s·P0 − s·q} (zero outside 0…k−1): the weight zero-padded on the left by
     * {@code A = s(K' − 1) − p − s·P0} and on the right to {@code s·K'} puts tap j at {@code s·q' + r} with
     * {@code q' = K' − 1 − q}, so one pad, a reshape to {@code [in, out, K', s, …]}, a flip of the K' axes and a
     * permute give the stacked kernel {@code [out·P, in, K'…]} (out-major channels) — a few ops on the small kernel,
     * none per phase. The bias, repeated per phase, is added by the convolution; the phases are interleaved by one
     * reshape of the output. Exact: the extra window positions multiply by zeros.
     */
    private static NDArray phaseFused(NDArray x, NDArray w, NDArray b, AxisPlan[] plan) {
        int dims = plan.length;
        long n = x.getShape().get(0);
        long in = w.getShape().get(0);
        long out = w.getShape().get(1);
        int phases = 1;
        long[] convPad = new long[dims];
        long[] window = new long[dims];
        long[] kernelPad = new long[2 * dims]; // torch's pad order: last axis first, (left, right) pairs
        long[] split = new long[2 + 2 * dims]; // [in, out, K'_1, s_1, …, K'_d, s_d]
        split[0] = in;
        split[1] = out;
        boolean padKernel = false;
        boolean flipKernel = false;
        for (int a = 0; a < dims; a++) {
            AxisPlan ap = plan[a];
            long lo = ap.lowestOffset;
            long hi = ap.highestOffset;
            long p0 = Math.max(0, Math.max(-lo, hi + ap.perPhase - ap.length));
            long kw = 2 * p0 + ap.length - ap.perPhase + 1;
            long left = ap.s * (kw - 1) - ap.p - ap.s * p0;
            long right = ap.s * kw - ap.k - left;
            if (left < 0 || right < 0) {
                throw new IllegalStateException("window misses a tap: " + Arrays.toString(new long[] {left, right}));
            }
            convPad[a] = p0;
            window[a] = kw;
            int pos = dims - 1 - a;
            kernelPad[2 * pos] = left;
            kernelPad[2 * pos + 1] = right;
            padKernel |= left > 0 || right > 0;
            flipKernel |= kw > 1;
            split[2 + 2 * a] = kw;
            split[3 + 2 * a] = ap.s;
            phases *= ap.s;
        }
        NDArray k = padKernel ? w.pad(new Shape(kernelPad), 0) : w;
        k = k.reshape(new Shape(split));
        if (flipKernel) {
            int[] windowAxes = new int[dims];
            for (int a = 0; a < dims; a++) {
                windowAxes[a] = 2 + 2 * a;
            }
            k = k.flip(windowAxes);
        }
        int[] toConv = new int[2 + 2 * dims]; // [out, s_1 … s_d, in, K'_1 … K'_d]
        toConv[0] = 1;
        toConv[1 + dims] = 0;
        long[] kernelShape = new long[2 + dims];
        kernelShape[0] = out * phases;
        kernelShape[1] = in;
        for (int a = 0; a < dims; a++) {
            toConv[1 + a] = 3 + 2 * a;
            toConv[2 + dims + a] = 2 + 2 * a;
            kernelShape[2 + a] = window[a];
        }
        k = k.transpose(toConv).reshape(new Shape(kernelShape));
        NDArray bias = b == null || phases == 1 ? b : b.repeat(0, phases);
        NDArray y = conv(x, k, bias, convPad); // [N, out·P, M…]
        if (phases > 1) {
            long[] byPhase = new long[2 + 2 * dims]; // [N, out, s_1 … s_d, M_1 … M_d]
            byPhase[0] = n;
            byPhase[1] = out;
            int[] order = new int[2 + 2 * dims]; // [N, out, M_1, s_1, …]
            order[1] = 1;
            long[] merged = new long[2 + dims];
            merged[0] = n;
            merged[1] = out;
            for (int a = 0; a < dims; a++) {
                byPhase[2 + a] = plan[a].s;
                byPhase[2 + dims + a] = plan[a].perPhase;
                order[2 + 2 * a] = 2 + dims + a;
                order[3 + 2 * a] = 2 + a;
                merged[2 + a] = plan[a].perPhase * plan[a].s;
            }
            y = y.reshape(new Shape(byPhase)).transpose(order).reshape(new Shape(merged));
        }
        return cropToOutput(y, plan);
    }

    /** Crops every axis of a result of {@code perPhase·s} positions to the output length, in one slice (a view). */
    private static NDArray cropToOutput(NDArray y, AxisPlan[] plan) {
        boolean crop = false;
        StringBuilder sb = new StringBuilder(":,:");
        for (AxisPlan ap : plan) {
            crop |= ap.perPhase * ap.s > ap.outLength;
            sb.append(",:").append(ap.outLength);
        }
        return crop ? y.get(new NDIndex(sb.toString())) : y;
    }

    /**
     * The GEMM route (PyTorch's own CPU algorithm, im2col's adjoint) in two convolutions: a 1×1 convolution with
     * {@code Wᵀ} gives every tap's map at once, {@code [N, out·Πk, L…]} (the k^d multiply-adds per input pixel of the
     * definition); then ONE grouped convolution (a group per output channel) with a constant 0/1 kernel sums each
     * output phase's taps, each read at its input offset δ = (r + p − j)/s — the kernel has a single 1 per (phase,
     * tap), at δ + P, and the convolution's own zero padding P replaces every pad and crop of the maps. Its output
     * channels are the phases, so one reshape–permute–reshape interleaves them and one slice crops to the output
     * length. Exact: each output is the sum of the same products as in the definition (times 1, plus zeros).
     */
    private static NDArray gemm(NDArray x, NDArray w, AxisPlan[] plan) {
        int dims = plan.length;
        long n = x.getShape().get(0);
        long in = x.getShape().get(1);
        long out = w.getShape().get(1);
        int taps = 1;
        int phases = 1;
        for (AxisPlan ap : plan) {
            taps *= ap.k;
            phases *= ap.s;
        }
        long[] tapKernel = new long[2 + dims]; // [out·taps, in, 1…], channel c·taps + t (t: last axis fastest)
        Arrays.fill(tapKernel, 1);
        tapKernel[0] = out * taps;
        tapKernel[1] = in;
        NDArray w1 = w.reshape(in, out, taps).transpose(1, 2, 0).reshape(new Shape(tapKernel));
        NDArray maps = conv(x, w1); // [N, out·taps, L…]

        long[] pad = new long[dims];
        long[] window = new long[dims];
        for (int a = 0; a < dims; a++) {
            AxisPlan ap = plan[a];
            pad[a] = Math.max(0, Math.max(-ap.lowestOffset, ap.perPhase - ap.length + ap.highestOffset));
            window[a] = pad[a] + ap.highestOffset + 1;
        }
        NDArray sums = conv(maps, PhaseSumKernels.get(x, plan, out, taps, phases, pad, window), null, pad, out);

        long[] split = new long[2 + 2 * dims]; // [N, out, s_1 … s_d, M_1 … M_d]
        split[0] = n;
        split[1] = out;
        int[] order = new int[2 + 2 * dims]; // [N, out, M_1, s_1, M_2, s_2, …]
        order[1] = 1;
        long[] merged = new long[2 + dims];
        merged[0] = n;
        merged[1] = out;
        boolean crop = false;
        StringBuilder cropIndex = new StringBuilder(":,:");
        for (int a = 0; a < dims; a++) {
            long m = sums.getShape().get(2 + a);
            split[2 + a] = plan[a].s;
            split[2 + dims + a] = m;
            order[2 + 2 * a] = 2 + dims + a;
            order[3 + 2 * a] = 2 + a;
            merged[2 + a] = m * plan[a].s;
            crop |= merged[2 + a] > plan[a].outLength;
            cropIndex.append(",:").append(plan[a].outLength);
        }
        NDArray y = sums.reshape(new Shape(split)).transpose(order).reshape(new Shape(merged));
        return crop ? y.get(new NDIndex(cropIndex.toString())) : y;
    }

    /**
     * The GEMM route's constant second kernels, made once per layer geometry, type and device and kept for the life
     * of the process (each a few KB; a layer's kernel was rebuilt on the JVM and copied in on every call before),
     * like {@link NativeConvTranspose}'s settings tensors; one manager per device.
     */
    private static final class PhaseSumKernels {
        private static final Map<Device, NDManager> MANAGERS = new ConcurrentHashMap<>();
        private static final Map<String, NDArray> KERNELS = new ConcurrentHashMap<>();

        private PhaseSumKernels() {}

        static NDArray get(NDArray x, AxisPlan[] plan, long out, int taps, int phases, long[] pad, long[] window) {
            StringBuilder key = new StringBuilder().append(x.getDataType()).append('@').append(x.getDevice())
                    .append(' ').append(out);
            for (int a = 0; a < plan.length; a++) {
                key.append(' ').append(plan[a].k).append('/').append(plan[a].s).append('/').append(plan[a].p)
                        .append('/').append(pad[a]).append('/').append(window[a]);
            }
            return KERNELS.computeIfAbsent(key.toString(), k -> {
                NDManager m = MANAGERS.computeIfAbsent(x.getDevice(), d -> NDManager.newBaseManager(d, "PyTorch"));
                NDArray kernel = phaseSumKernel(x.getDataType(), m, plan, out, taps, phases, pad, window);
                NDScope.unregister(kernel); // made during some step's scope, it lives as long as this class
                return kernel;
            });
        }
    }

    /**
     * The GEMM route's second kernel, {@code [out·phases, taps, window…]}: for output channel c and phase r (last
     * axis fastest), a 1 at (tap t, δ(r, t) + pad) for every tap t of phase r, zeros elsewhere; in x's type.
     */
    private static NDArray phaseSumKernel(DataType type, NDManager m, AxisPlan[] plan, long out, int taps,
                                          int phases, long[] pad, long[] window) {
        int dims = plan.length;
        long windowSize = 1;
        for (long v : window) {
            windowSize *= v;
        }
        double[] k = new double[Math.toIntExact(out * phases * taps * windowSize)];
        int[] r = new int[dims];
        int[] j = new int[dims];
        for (int ph = 0; ph < phases; ph++) {
            int rest = ph;
            for (int a = dims - 1; a >= 0; a--) {
                r[a] = rest % plan[a].s;
                rest /= plan[a].s;
            }
            for (int t = 0; t < taps; t++) {
                int tr = t;
                boolean mine = true;
                for (int a = dims - 1; a >= 0; a--) {
                    j[a] = tr % plan[a].k;
                    tr /= plan[a].k;
                    mine &= Math.floorMod(j[a] - r[a] - plan[a].p, plan[a].s) == 0;
                }
                if (!mine) {
                    continue;
                }
                long u = 0; // position in the window, last axis fastest
                for (int a = 0; a < dims; a++) {
                    u = u * window[a] + Math.floorDiv(r[a] + plan[a].p - j[a], plan[a].s) + pad[a];
                }
                for (long c = 0; c < out; c++) {
                    k[Math.toIntExact(((c * phases + ph) * taps + t) * windowSize + u)] = 1;
                }
            }
        }
        long[] shape = new long[2 + dims];
        shape[0] = out * phases;
        shape[1] = taps;
        System.arraycopy(window, 0, shape, 2, dims);
        if (type == DataType.FLOAT64) {
            return m.create(k, new Shape(shape));
        }
        float[] f = new float[k.length];
        for (int i = 0; i < k.length; i++) {
            f[i] = (float) k[i];
        }
        NDArray kernel = m.create(f, new Shape(shape));
        if (type == DataType.FLOAT32) {
            return kernel;
        }
        NDArray typed = kernel.toType(type, false);
        kernel.close();
        return typed;
    }

    /** Interleaves the phase results (each {@code perPhaseShape}) into one output and crops it to the output length. */
    private static NDArray interleave(List<NDArray> results, long[] perPhaseShape, AxisPlan[] plan) {
        int dims = plan.length;
        NDArray y;
        if (results.size() == 1) {
            y = results.get(0);
        } else {
            NDArray stacked = NDArrays.stack(new NDList(results), perPhaseShape.length); // [N, out, M…, P]
            long[] split = new long[2 + 2 * dims]; // [N, out, M_1 … M_d, s_1 … s_d]
            System.arraycopy(perPhaseShape, 0, split, 0, 2 + dims);
            for (int a = 0; a < dims; a++) {
                split[2 + dims + a] = plan[a].s;
            }
            int[] order = new int[2 + 2 * dims]; // [N, out, M_1, s_1, M_2, s_2, …]
            order[1] = 1;
            for (int a = 0; a < dims; a++) {
                order[2 + 2 * a] = 2 + a;
                order[3 + 2 * a] = 2 + dims + a;
            }
            long[] merged = new long[2 + dims];
            merged[0] = perPhaseShape[0];
            merged[1] = perPhaseShape[1];
            for (int a = 0; a < dims; a++) {
                merged[2 + a] = plan[a].perPhase * plan[a].s;
            }
            y = stacked.reshape(new Shape(split)).transpose(order).reshape(new Shape(merged));
        }
        return cropToOutput(y, plan);
    }

    private static NDArray zeroInsert(NDArray x, NDArray w, AxisPlan[] plan) {
        int dims = plan.length;
        NDArray xi = x;
        for (int a = 0; a < dims; a++) {
            AxisPlan ap = plan[a];
            if (ap.s > 1) { // x[…, L] → x[…, L, s] with zeros in slots 1… → […, L·s] → drop the trailing s − 1
                Shape sh = xi.getShape();
                int axis = 2 + a;
                NDArray moved = xi.swapAxes(axis, sh.dimension() - 1);
                Shape ms = moved.getShape();
                NDArray zeros = xi.getManager().zeros(ms.addAll(new Shape(ap.s - 1)), xi.getDataType());
                NDArray spread = moved.expandDims(-1).concat(zeros, -1)
                        .reshape(ms.slice(0, ms.dimension() - 1).addAll(new Shape(ms.get(ms.dimension() - 1) * ap.s)));
                xi = spread.swapAxes(axis, sh.dimension() - 1);
                xi = padOrCrop(xi, a, 0, -(ap.s - 1));
            }
            xi = padOrCrop(xi, a, ap.k - 1 - ap.p, ap.k - 1 - ap.p);
        }
        return conv(xi, swapInOut(w.flip(spatialAxes(dims))));
    }

    /** Convolution needs both operands in one type; say so before the engine does, less clearly. */
    private static void checkSameType(NDArray x, NDArray w) {
        DataType a = x.getDataType();
        DataType b = w.getDataType();
        if (a != b) {
            throw new IllegalArgumentException("input is " + a + " but weight is " + b);
        }
    }
}

package io.ndevid.training.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * libtorch's own transposed convolution ({@code conv_transpose{1,2,3}d}, forward and backward), reached through a
 * TorchScript module because DJL 0.36's JNI has no entry for it (docs/ENGINE.md, "Missing operations").
 *
 * <p>The module ({@value #RESOURCE}, a few KB in the jar, written once by
 * {@code training/src/main/python/make_conv_transpose_module.py}) is a pure function: it holds no parameters and no
 * state, and takes the input, the weight, the settings (an int64 tensor: strides, paddings, output paddings,
 * dilations, groups) and the optional bias as inputs. DJL runs a module with autograd on only through
 * {@link IValueUtils#forward(PtSymbolBlock, NDList, boolean)}, which accepts tensors only, hence the settings tensor.
 * Called with training on, the module runs under the caller's grad mode, so inside a {@code GradientCollector} the
 * output carries libtorch's {@code ConvolutionBackward0} node back to the caller's input, weight and bias.
 *
 * <p>The module and the settings tensors live on the CPU, in this class's own manager, for the life of the process
 * (like a loaded native library: immutable, loaded on first use, shared by every thread). Settings are read on the host
 * by the module, so a GPU input never waits for them; the convolution runs on the input's device.
 */
final class NativeConvTranspose {

    /** The module's class-path resource, next to this class. */
    static final String RESOURCE = "conv_transpose.pt";

    private static final class Holder {
        static final NativeConvTranspose INSTANCE = load();
    }

    private final NDManager manager;
    private final PtSymbolBlock module;
    private final Map<String, NDArray> settings = new ConcurrentHashMap<>();

    private NativeConvTranspose(NDManager manager, PtSymbolBlock module) {
        this.manager = manager;
        this.module = module;
    }

    private static NativeConvTranspose load() {
        NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try (InputStream in = NativeConvTranspose.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("class-path resource io/ndevid/training/nn/" + RESOURCE
                        + " is missing: the build did not package training/src/main/resources");
            }
            return new NativeConvTranspose(m, JniUtils.loadModule((PtNDManager) m, in, true, false));
        } catch (IOException e) {
            m.close();
            throw new UncheckedIOException("reading " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code conv_transpose{d}d(x, w, b, stride, padding)} with output padding 0, dilation 1 and one group, on x's
     * device, in x's manager. x {@code [N, in, L…]}, w {@code [in, out, k…]}, b {@code [out]} or null; stride and
     * padding have one value per spatial axis.
     */
    static NDArray apply(NDArray x, NDArray w, NDArray b, int[] stride, int[] padding) {
        if (!(x instanceof PtNDArray) || !(w instanceof PtNDArray) || b != null && !(b instanceof PtNDArray)) {
            throw new IllegalArgumentException("strategy NATIVE needs the PyTorch engine's arrays, got "
                    + x.getClass().getSimpleName());
        }
        NativeConvTranspose self = Holder.INSTANCE;
        NDArray cfg = self.settings(stride, padding);
        NDList inputs = b == null ? new NDList(x, w, cfg) : new NDList(x, w, cfg, b);
        // DJL reads array names as TorchScript structure ("a.b" = dict entry, "a[]" = list element): pass none.
        String[] names = new String[inputs.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = inputs.get(i).getName();
            if (names[i] != null) {
                inputs.get(i).setName(null);
            }
        }
        try {
            return IValueUtils.forward(self.module, inputs, true).singletonOrThrow();
        } finally {
            for (int i = 0; i < names.length; i++) {
                if (names[i] != null) {
                    inputs.get(i).setName(names[i]);
                }
            }
        }
    }

    /** The module's settings tensor for these strides and paddings, made once per distinct layer setting. */
    private NDArray settings(int[] stride, int[] padding) {
        return settings.computeIfAbsent(Arrays.toString(stride) + Arrays.toString(padding), key -> {
            int d = stride.length;
            long[] v = new long[4 * d + 1];
            for (int a = 0; a < d; a++) {
                v[a] = stride[a];
                v[d + a] = padding[a];
                v[3 * d + a] = 1; // dilation; output padding (2d…3d−1) stays 0
            }
            v[4 * d] = 1; // groups
            NDArray t = manager.create(v);
            NDScope.unregister(t); // made during some step's scope, it lives as long as this class
            return t;
        });
    }
}

package io.ndevid.metrics.fvd;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.c3d.Resize;
import io.ndevid.metrics.evaluator.SyntheticEvaluator;
import io.ndevid.metrics.evaluator.VideoFeatureExtractor;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.solvers.engine.TorchRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Features for FVD from a user-supplied I3D TorchScript file (StyleGAN-V's {@code i3d_torchscript.pt}, or any module
 * that maps videos to {@code [N, D]} features), loaded through DJL's PyTorch engine and run without gradients. How
 * videos are laid out and scaled for the module is an explicit {@link I3dOptions} (default: StyleGAN-V's call).
 *
 * <p>ndevid never downloads it: with no file, {@link #load} throws a {@link MetricsInputException} whose message says
 * what to supply ({@link #missingModelMessage()}). Owns native memory: close it.
 */
public final class I3dFeatureExtractor implements VideoFeatureExtractor, AutoCloseable {

    private final NDManager manager;
    private final PtSymbolBlock module;
    private final I3dOptions options;
    private final Path file;
    private final String sha256;

    private I3dFeatureExtractor(NDManager manager, PtSymbolBlock module, I3dOptions options, Path file,
                                String sha256) {
        this.manager = manager;
        this.module = module;
        this.options = options;
        this.file = file;
        this.sha256 = sha256;
    }

    /** What to supply when no I3D file is given. */
    public static String missingModelMessage() {
        return "FVD needs an I3D TorchScript file, and ndevid never downloads weights. Supply StyleGAN-V's "
                + "i3d_torchscript.pt (the Kinetics-400 I3D of the original FVD, published by StyleGAN-V at "
                + "https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt) as a local file, or any TorchScript "
                + "module mapping videos [N, 3, T, H, W] to features [N, D]; see I3dOptions for the input layout.";
    }

    /** Loads with StyleGAN-V's call convention on the default device. */
    public static I3dFeatureExtractor load(Path torchscript) throws IOException {
        return load(torchscript, I3dOptions.styleganV(), null);
    }

    /**
     * Loads a TorchScript module.
     *
     * @param torchscript a {@code torch.jit.save} file; null or missing is refused with {@link #missingModelMessage()}
     * @param device      null for {@code auto}
     * @throws MetricsInputException if the file is missing or not a TorchScript module
     */
    public static I3dFeatureExtractor load(Path torchscript, I3dOptions options, Device device) throws IOException {
        Objects.requireNonNull(options, "options");
        if (torchscript == null) {
            throw new MetricsInputException(missingModelMessage());
        }
        if (!Files.isRegularFile(torchscript)) {
            throw new MetricsInputException("I3D TorchScript file not found: " + torchscript + ". "
                    + missingModelMessage());
        }
        String sha = SyntheticEvaluator.sha256(torchscript);
        TorchRuntime.engine();
        Device dev = device == null ? TorchRuntime.device("auto") : device;
        NDManager m = NDManager.newBaseManager(dev, "PyTorch");
        try {
            PtSymbolBlock block = JniUtils.loadModule((PtNDManager) m, torchscript, true, new String[0],
                    new String[0], false);
            return new I3dFeatureExtractor(m, block, options, torchscript, sha);
        } catch (EngineException e) {
            m.close();
            throw new MetricsInputException("could not load " + torchscript + " as a TorchScript module: "
                    + firstLine(e.getMessage()), e);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public I3dOptions options() {
        return options;
    }

    /** E.g. {@code i3d_torchscript.pt@sha256:0123456789ab}. */
    @Override
    public String id() {
        return file.getFileName() + "@sha256:" + sha256.substring(0, 12);
    }

    @Override
    public String weightsSha256() {
        return sha256;
    }

    @Override
    public String preprocessing() {
        return options.describe();
    }

    /** The tensor handed to the module for a batch of videos {@code [n, C, T, H, W]} in [−1, 1] (C = 1 or 3). */
    NDArray prepare(NDArray videos) {
        NDArray x = SyntheticEvaluator.toRgb(videos.toType(DataType.FLOAT32, false));
        if (options.resizeTo() > 0) {
            x = Resize.apply(x, Resize.Kind.BILINEAR, options.resizeTo(), options.resizeTo());
        }
        x = switch (options.range()) {
            // No autograd here: Number scalars are safe.
            case UINT8_0_255 -> x.mul(127.5f).add(128f).clip(0, 255).toType(DataType.UINT8, false);
            case FLOAT_0_255 -> x.add(1f).mul(127.5f);
            case FLOAT_MINUS1_1 -> x;
        };
        if (options.layout() == I3dOptions.Layout.NTCHW) {
            x = x.transpose(0, 2, 1, 3, 4);
        }
        return x;
    }

    /**
     * I3D features of {@code videos} ({@code [N, C, T, H, W]} in [−1, 1], C = 1 or 3), in batches. An output with more
     * than two axes is flattened to {@code [N, −1]}.
     */
    @Override
    public DoubleMatrix features(NDArray videos, int batchSize) {
        Objects.requireNonNull(videos, "videos");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        Shape s = videos.getShape();
        if (s.dimension() != 5 || (s.get(1) != 1 && s.get(1) != 3)) {
            throw new MetricsInputException("videos must be [N, C, T, H, W] with C = 1 or 3 in [-1, 1], got " + s);
        }
        int n = (int) s.get(0);
        double[] out = null;
        int d = -1;
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int from = 0; from < n; from += batchSize) {
                int to = Math.min(n, from + batchSize);
                try (NDManager b = manager.newSubManager()) {
                    NDArray view = videos.get(new NDIndex("{}:{}", from, to));
                    view.attach(b);
                    NDArray x = prepare(view.toDevice(manager.getDevice(), false));
                    NDArray f = run(b, x);
                    if (f.getShape().dimension() < 1 || f.getShape().get(0) != to - from) {
                        throw new MetricsInputException("the I3D module returned " + f.getShape() + " for a batch of "
                                + (to - from) + " videos; expected [N, D]");
                    }
                    f = f.reshape(to - from, -1);
                    if (out == null) {
                        d = (int) f.getShape().get(1);
                        out = new double[Math.multiplyExact(n, d)];
                    }
                    float[] v = f.toType(DataType.FLOAT32, false).toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        out[from * d + i] = v[i];
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return new DoubleMatrix(n, d, out);
    }

    private NDArray run(NDManager b, NDArray x) {
        boolean[] flags = options.flags();
        IValue[] in = new IValue[options.passFlags() ? 1 + flags.length : 1];
        in[0] = IValue.from((PtNDArray) x);
        for (int i = 1; i < in.length; i++) {
            in[i] = IValue.from(flags[i - 1]);
        }
        IValue result = null;
        try {
            result = module.forward(in);
            NDArray f = tensorOf(result, b);
            if (f == null) {
                throw new MetricsInputException("the I3D module returned a " + result.getType()
                        + ", not a tensor (or a tuple/list starting with one)");
            }
            return f;
        } catch (EngineException e) {
            throw new MetricsInputException("the I3D module failed on input " + x.getShape() + " " + x.getDataType()
                    + " with " + options.describe() + ": " + firstLine(e.getMessage())
                    + " (does its forward take these arguments? see I3dOptions)", e);
        } finally {
            for (IValue v : in) {
                v.close();
            }
            if (result != null) {
                result.close();
            }
        }
    }

    private static NDArray tensorOf(IValue v, NDManager b) {
        if (v.isTensor()) {
            return v.toTensor((PtNDManager) b);
        }
        if (v.isTuple() || v.isList()) {
            IValue[] parts = v.isTuple() ? v.toIValueTuple() : v.toIValueArray();
            try {
                return parts.length > 0 && parts[0].isTensor() ? parts[0].toTensor((PtNDManager) b) : null;
            } finally {
                for (IValue p : parts) {
                    p.close();
                }
            }
        }
        return null;
    }

    /** The start of an engine message (TorchScript errors carry long stack traces). */
    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        String t = s.strip().replaceAll("\\s+", " ");
        return t.length() <= 400 ? t : t.substring(0, 400) + "…";
    }

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}

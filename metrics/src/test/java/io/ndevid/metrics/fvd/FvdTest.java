package io.ndevid.metrics.fvd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.fid.FidResult;
import io.ndevid.metrics.fid.FrechetDistance;
import io.ndevid.metrics.fid.GaussianStats;
import io.ndevid.metrics.linalg.DoubleMatrix;
import io.ndevid.metrics.npy.Npy;
import io.ndevid.metrics.npy.NpyArray;
import io.ndevid.solvers.engine.TorchRuntime;
import io.ndevid.training.data.Datasets;
import io.ndevid.training.data.SyntheticVideos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FVD from a TorchScript "I3D": the test writes a tiny module with Debian's python3-torch whose forward has
 * StyleGAN-V's I3D signature {@code forward(x, rescale, resize, return_features)} (rescale: uint8 [0, 255] → [−1, 1];
 * resize: trilinear to 24×24; features: tanh of a fixed projection of 2×2×2 average pools, 8-d; without
 * return_features: their softmax). Python computes the features of the same videos with StyleGAN-V's recipe; the
 * Java side must reproduce them and the FVD must equal the FID of those features. Skipped without python3 + torch.
 */
class FvdTest {

    static final String PYTHON = "/usr/bin/python3";

    static final String SCRIPT = """
            import sys
            import numpy as np
            import torch
            import torch.nn.functional as F

            out = sys.argv[1]

            class FakeI3d(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    g = torch.Generator().manual_seed(0)
                    self.proj = torch.nn.Parameter(torch.randn(24, 8, generator=g) * 0.5)

                def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False,
                            return_features: bool = False) -> torch.Tensor:
                    assert x.dim() == 5 and x.shape[1] == 3
                    x = x.float()
                    if rescale:
                        x = x / 127.5 - 1.0
                    if resize:
                        x = F.interpolate(x, size=[x.shape[2], 24, 24], mode='trilinear', align_corners=False)
                    f = torch.tanh(F.adaptive_avg_pool3d(x, [2, 2, 2]).flatten(1) @ self.proj)
                    if return_features:
                        return f
                    return torch.softmax(f, dim=1)

            class OneArg(torch.nn.Module):
                def forward(self, x: torch.Tensor) -> torch.Tensor:
                    return F.adaptive_avg_pool3d(x.float(), [1, 2, 2]).flatten(1)

            m = torch.jit.script(FakeI3d().eval())
            m.save(out + '/fake_i3d.pt')
            torch.jit.script(OneArg().eval()).save(out + '/one_arg.pt')

            def stylegan_v_features(name):
                v = torch.from_numpy(np.load(out + '/' + name + '.npy'))
                x = (v * 127.5 + 128).clamp(0, 255).to(torch.uint8)
                if x.shape[1] == 1:
                    x = x.repeat([1, 3, 1, 1, 1])
                with torch.no_grad():
                    f = m(x, rescale=True, resize=True, return_features=True)
                np.save(out + '/' + name + '_features.npy', f.double().numpy())

            stylegan_v_features('real')
            stylegan_v_features('fake')
            """;

    @TempDir
    static Path dir;

    static boolean python;
    static NDManager manager;
    static NDArray real;
    static NDArray fake;

    @BeforeAll
    static void setUp() throws Exception {
        TorchRuntime.engine();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        // Real: 40 grey synthetic clips; fake: 36 RGB clips of another index range, dimmed (another distribution).
        SyntheticVideos grey = Datasets.synthetic(6, 8, 16, 1, 0, 40);
        SyntheticVideos rgb = Datasets.synthetic(6, 8, 16, 3, 5000, 36);
        float[] r = grey.batch(range(40), new SplittableRandom(0)).data();
        float[] f = rgb.batch(range(36), new SplittableRandom(0)).data();
        for (int i = 0; i < f.length; i++) {
            f[i] = 0.7f * f[i] + 0.1f;
        }
        Npy.write(dir.resolve("real.npy"), NpyArray.of(r, 40, 1, 8, 16, 16));
        Npy.write(dir.resolve("fake.npy"), NpyArray.of(f, 36, 3, 8, 16, 16));
        real = manager.create(r, new Shape(40, 1, 8, 16, 16));
        fake = manager.create(f, new Shape(36, 3, 8, 16, 16));
        python = Files.isExecutable(Path.of(PYTHON)) && runPython("import torch, numpy", null);
        if (python) {
            Path script = Files.writeString(dir.resolve("write_i3d.py"), SCRIPT, StandardCharsets.UTF_8);
            if (!runPython(null, script)) {
                throw new IllegalStateException("python3 + torch is available but the module script failed");
            }
        }
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Runs {@code python3 -c code} or {@code python3 script dir}; true on exit 0. */
    static boolean runPython(String code, Path script) throws IOException, InterruptedException {
        ProcessBuilder pb = code != null ? new ProcessBuilder(PYTHON, "-c", code)
                : new ProcessBuilder(PYTHON, script.toString(), dir.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("python.log").toFile());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        if (p.exitValue() != 0 && script != null) {
            System.err.println(Files.readString(dir.resolve("python.log")));
        }
        return p.exitValue() == 0;
    }

    static void needPython() {
        Assumptions.assumeTrue(python, PYTHON + " with torch and numpy is not available (apt-get install python3-torch)");
    }

    @Test
    void fvdEqualsTheFidOfTheModulesOwnFeatures() throws IOException {
        needPython();
        DoubleMatrix pyReal = Npy.readMatrix(dir.resolve("real_features.npy"), "python real features");
        DoubleMatrix pyFake = Npy.readMatrix(dir.resolve("fake_features.npy"), "python fake features");
        try (I3dFeatureExtractor i3d = I3dFeatureExtractor.load(dir.resolve("fake_i3d.pt"), I3dOptions.styleganV(),
                Device.cpu())) {
            DoubleMatrix jr = i3d.features(real, 16);
            DoubleMatrix jf = i3d.features(fake, 7);
            assertEquals(40, jr.rows());
            assertEquals(8, jr.cols());
            // Same uint8 input, same module: the same features up to libtorch 1.13 vs 2.7.1 float rounding.
            assertArrayEquals(pyReal.data(), jr.data(), 1e-5);
            assertArrayEquals(pyFake.data(), jf.data(), 1e-5);

            FidResult direct = new FrechetDistance().compute(pyReal, pyFake);
            FidResult fvd = Fvd.compute(i3d, real, fake, 16);
            assertTrue(direct.fid() > 0.01, "the two sets differ: " + direct.fid());
            assertEquals(direct.fid(), fvd.fid(), 1e-5 * direct.fid());
            FidResult fromStats = Fvd.compute(GaussianStats.of(jr), i3d, fake, 9);
            assertEquals(fvd.fid(), fromStats.fid(), 1e-9 * fvd.fid());
            assertTrue(i3d.id().startsWith("fake_i3d.pt@sha256:"), i3d.id());
            assertTrue(i3d.preprocessing().contains("uint8") && i3d.preprocessing().contains("NCTHW"),
                    i3d.preprocessing());
        }
    }

    @Test
    void theFlagsReachTheModulePositionally() throws IOException {
        needPython();
        I3dOptions probs = new I3dOptions(I3dOptions.Layout.NCTHW, I3dOptions.Range.UINT8_0_255, 0, true,
                new boolean[] {true, true, false});
        try (I3dFeatureExtractor i3d = I3dFeatureExtractor.load(dir.resolve("fake_i3d.pt"), probs, Device.cpu())) {
            DoubleMatrix p = i3d.features(real.get("0:5"), 5);
            for (int i = 0; i < 5; i++) {
                double sum = 0;
                for (int j = 0; j < 8; j++) {
                    sum += p.get(i, j);
                }
                assertEquals(1, sum, 1e-5, "return_features=false gives the softmax");
            }
        }
    }

    @Test
    void aOneArgumentModuleNeedsFlagsOff() throws IOException {
        needPython();
        Path file = dir.resolve("one_arg.pt");
        try (I3dFeatureExtractor i3d = I3dFeatureExtractor.load(file, I3dOptions.styleganV().withoutFlags(),
                Device.cpu())) {
            assertEquals(12, i3d.features(real.get("0:3"), 2).cols());
        }
        try (I3dFeatureExtractor i3d = I3dFeatureExtractor.load(file, I3dOptions.styleganV(), Device.cpu())) {
            MetricsInputException e = assertThrows(MetricsInputException.class, () -> i3d.features(real.get("0:2"), 2));
            assertTrue(e.getMessage().contains("I3dOptions"), e.getMessage());
        }
    }

    @Test
    void withoutAFileTheMessageSaysWhatToSupply() throws IOException {
        MetricsInputException e = assertThrows(MetricsInputException.class, () -> I3dFeatureExtractor.load(null));
        assertTrue(e.getMessage().contains("i3d_torchscript.pt") && e.getMessage().contains("never downloads"),
                e.getMessage());
        e = assertThrows(MetricsInputException.class, () -> I3dFeatureExtractor.load(dir.resolve("nope.pt")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.pt"), "not a torchscript archive");
        e = assertThrows(MetricsInputException.class, () -> I3dFeatureExtractor.load(junk));
        assertTrue(e.getMessage().contains("could not load"), e.getMessage());
    }

    @Test
    void inputLayoutsAndRanges() throws IOException {
        needPython(); // needs a module file to construct an extractor
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(new float[] {-1f, -0.5f, 0f, 0.999f, 1f, 0.25f}, new Shape(1, 1, 6, 1, 1));
            try (I3dFeatureExtractor a = I3dFeatureExtractor.load(dir.resolve("one_arg.pt"),
                    I3dOptions.styleganV().withoutFlags(), Device.cpu())) {
                NDArray u = a.prepare(x);
                assertEquals(DataType.UINT8, u.getDataType());
                assertEquals(new Shape(1, 3, 6, 1, 1), u.getShape());
                // (x·127.5 + 128) clamped to [0, 255] and truncated, as StyleGAN-V does.
                assertArrayEquals(new byte[] {0, 64, (byte) 128, (byte) 255, (byte) 255, (byte) 159},
                        java.util.Arrays.copyOf(u.toByteArray(), 6));
            }
            I3dOptions other = I3dOptions.styleganV().withoutFlags().withLayout(I3dOptions.Layout.NTCHW)
                    .withRange(I3dOptions.Range.FLOAT_0_255).withResizeTo(4);
            try (I3dFeatureExtractor b = I3dFeatureExtractor.load(dir.resolve("one_arg.pt"), other, Device.cpu())) {
                NDArray y = b.prepare(x);
                assertEquals(new Shape(1, 6, 3, 4, 4), y.getShape());
                assertEquals(0f, y.getFloat(0, 0, 0, 0, 0), 1e-4);
                assertEquals(255f, y.getFloat(0, 4, 2, 3, 3), 1e-3);
                assertTrue(b.preprocessing().contains("NTCHW") && b.preprocessing().contains("4x4"),
                        b.preprocessing());
            }
        }
    }
}

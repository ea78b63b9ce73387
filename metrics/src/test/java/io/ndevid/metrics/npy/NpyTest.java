package io.ndevid.metrics.npy;

import io.ndevid.metrics.linalg.DoubleMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NpyTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtypeAndVersion() throws IOException {
        double[] d = {1.5, -2.25, Double.MAX_VALUE, Double.MIN_VALUE, 0, -0.0};
        float[] f = {1.5f, -2.25f, Float.MAX_VALUE, 3e-40f, 7, 8};
        long[] l = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 42};
        byte[] u = {0, 1, 127, (byte) 128, (byte) 255, 9};
        for (int version : new int[] {1, 2}) {
            Path p = dir.resolve("d" + version + ".npy");
            Npy.write(p, NpyArray.of(d, 2, 3), version);
            NpyArray back = Npy.read(p);
            assertEquals(NpyDtype.FLOAT64, back.dtype());
            assertArrayEquals(new int[] {2, 3}, back.shape());
            assertArrayEquals(d, (double[]) back.data(), 0.0);
            assertEquals(0, Files.size(p) % 16, "data 16-byte aligned (numpy uses 64)");

            Npy.write(p, NpyArray.of(f, 3, 2), version);
            NpyArray fb = Npy.read(p);
            assertEquals(NpyDtype.FLOAT32, fb.dtype());
            assertArrayEquals(f, fb.toFloats(), 0f);
            assertEquals(1.5, fb.toMatrix("f").get(0, 0), 0.0);

            Npy.write(p, NpyArray.of(l, 6), version);
            NpyArray lb = Npy.read(p);
            assertArrayEquals(l, (long[]) lb.data());
            assertArrayEquals(new int[] {6}, lb.shape());

            Npy.write(p, NpyArray.ofUnsignedBytes(u, 1, 6), version);
            NpyArray ub = Npy.read(p);
            assertEquals(NpyDtype.UINT8, ub.dtype());
            assertArrayEquals(new double[] {0, 1, 127, 128, 255, 9}, ub.toDoubles(), 0.0);
        }
        DoubleMatrix m = new DoubleMatrix(2, 2, new double[] {1, 2, 3, 4});
        Path p = dir.resolve("m.npy");
        Npy.write(p, m);
        assertEquals(m, Npy.readMatrix(p, "m"));
        // Empty 2-D and 0-d shapes are legal NPY.
        Npy.write(p, NpyArray.of(new double[0], 0, 5));
        assertArrayEquals(new int[] {0, 5}, Npy.read(p).shape());
        Npy.write(p, NpyArray.of(new double[] {3}));
        assertEquals(0, Npy.read(p).rank());
    }

    @Test
    void readsHandWrittenNumpyHeaders() throws IOException {
        // Exactly what numpy 1.x writes for np.arange(6, dtype='<f4').reshape(2, 3) (v1.0, 64-byte aligned).
        Path p = write("numpy.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                floats(0, 1, 2, 3, 4, 5));
        NpyArray a = Npy.read(p);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, a.toFloats(), 0f);
        // A 1-D array, version 2.0, odd spacing, double quotes.
        Path q = write("v2.npy", 2, "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(3,)}", doubles(1, 2, 3));
        assertArrayEquals(new double[] {1, 2, 3}, Npy.read(q).toDoubles(), 0.0);
        // Version 3.0 (utf-8 header) reads like 2.0.
        Path r = write("v3.npy", 3, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", longs(7));
        assertArrayEquals(new long[] {7}, (long[]) Npy.read(r).data());
    }

    @Test
    void rejectsBadFilesWithClearMessages() throws IOException {
        assertMessage(write("fortran.npy", 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2), }",
                doubles(1, 2)), "Fortran");
        assertMessage(write("big.npy", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", doubles(1)),
                "big-endian");
        assertMessage(write("complex.npy", 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
                new byte[16]), "not supported");
        assertMessage(write("struct.npy", 1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
                doubles(1)), "structured");
        assertMessage(write("short.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                doubles(1, 2, 3)), "truncated");
        assertMessage(write("long.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                doubles(1, 2, 3)), "unexpected bytes");
        Path junk = dir.resolve("junk.npy");
        Files.write(junk, "hello, not numpy at all".getBytes(StandardCharsets.US_ASCII));
        assertMessage(junk, "not a .npy file");
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(write("ok.npy", 1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", doubles(1, 2))), 20));
        assertMessage(cut, "truncated");
        Path v9 = dir.resolve("v9.npy");
        byte[] ok = Files.readAllBytes(dir.resolve("ok.npy"));
        ok[6] = 9;
        Files.write(v9, ok);
        assertMessage(v9, "version 9");

        Path cube = dir.resolve("cube.npy");
        Npy.write(cube, NpyArray.of(new double[8], 2, 2, 2));
        var e = assertThrows(NpyFormatException.class, () -> Npy.readMatrix(cube, "real features"));
        assertTrue(e.getMessage().contains("expected a 2-D array") && e.getMessage().contains("(2, 2, 2)"),
                e.getMessage());
        Path vec = dir.resolve("vec.npy");
        Npy.write(vec, NpyArray.of(new double[3], 3));
        var v = assertThrows(NpyFormatException.class, () -> Npy.readMatrix(vec, "probs"));
        assertTrue(v.getMessage().contains("(3,)"), v.getMessage());
        assertThrows(NoSuchFileException.class, () -> Npy.read(dir.resolve("absent.npy")));
    }

    @Test
    void interoperatesWithNumpyWhenAvailable() throws Exception {
        assumeTrue(hasNumpy(), "python3 with numpy not installed: skipping the cross-check against numpy itself");
        Path ours = dir.resolve("ours.npy");
        Npy.write(ours, NpyArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Path theirs = dir.resolve("theirs.npy");
        String script = "import numpy as np, sys\n"
                + "a = np.load(sys.argv[1]); assert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)\n"
                + "assert (a == np.arange(1, 7, dtype=np.float32).reshape(2, 3)).all()\n"
                + "np.save(sys.argv[2], np.linspace(0, 1, 12).reshape(3, 4))\n";
        Process proc = new ProcessBuilder("python3", "-c", script, ours.toString(), theirs.toString())
                .redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), out);
        NpyArray a = Npy.read(theirs);
        assertArrayEquals(new int[] {3, 4}, a.shape());
        assertEquals(NpyDtype.FLOAT64, a.dtype());
        assertEquals(1.0 / 11 * 5, a.toMatrix("theirs").get(1, 1), 1e-15);
    }

    static boolean hasNumpy() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private void assertMessage(Path p, String fragment) {
        var e = assertThrows(NpyFormatException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
    }

    /** An NPY file with the given header dict, padded to 64 bytes as numpy does. */
    private Path write(String name, int major, String dict, byte[] data) throws IOException {
        int lenBytes = major == 1 ? 2 : 4;
        int pre = 6 + 2 + lenBytes;
        int total = (pre + dict.length() + 1 + 63) / 64 * 64;
        int headerLen = total - pre;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (lenBytes == 2) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put((dict + " ".repeat(headerLen - dict.length() - 1) + "\n").getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b.array());
        out.write(data);
        Path p = dir.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

}

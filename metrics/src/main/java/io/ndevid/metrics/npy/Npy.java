package io.ndevid.metrics.npy;

import io.ndevid.metrics.linalg.DoubleMatrix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0): read {@code <f4 <f8 <i4 <i8 |u1} arrays of any rank in
 * C order, write them with the smallest version whose header fits (1.0 unless the header exceeds 64 KiB).
 *
 * <p>Rejected with a {@link NpyFormatException} that says why: not an NPY file, Fortran order, big-endian or
 * structured/other dtypes, a truncated file or trailing bytes after the data, arrays over 2³¹ − 1 values.
 *
 * @see <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">the NPY format</a>
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
    private static final int ALIGN = 64;

    private Npy() {}

    /**
     * Reads a {@code .npy} file.
     *
     * @throws NpyFormatException for a file that is not a usable NPY array (the message says why)
     * @throws IOException        if the file cannot be read (missing: {@link NoSuchFileException})
     */
    public static NpyArray read(Path file) throws IOException {
        String src = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(MAGIC.length + 2).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, src, "the magic string");
            pre.flip();
            for (byte b : MAGIC) {
                if (pre.get() != b) {
                    throw new NpyFormatException(src + ": not a .npy file (missing the \\x93NUMPY magic string)");
                }
            }
            int major = pre.get() & 0xFF;
            int minor = pre.get() & 0xFF;
            int lenBytes = switch (major) {
                case 1 -> 2;
                case 2, 3 -> 4;
                default -> throw new NpyFormatException(src + ": NPY format version " + major + "." + minor
                        + " is not supported (1.0, 2.0, 3.0 are)");
            };
            ByteBuffer lb = ByteBuffer.allocate(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lb, src, "the header length");
            lb.flip();
            long headerLen = lenBytes == 2 ? lb.getShort() & 0xFFFF : lb.getInt() & 0xFFFFFFFFL;
            if (headerLen > size) {
                throw new NpyFormatException(src + ": truncated (header length " + headerLen + " exceeds file size "
                        + size + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, src, "the header");
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Header h = parseHeader(header, src);

            long count = 1;
            for (int s : h.shape) {
                count = Math.multiplyExact(count, (long) s);
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(src + ": " + count + " values is more than one Java array holds");
            }
            long dataBytes = count * h.dtype.itemSize();
            long remaining = size - ch.position();
            if (remaining < dataBytes) {
                throw new NpyFormatException(src + ": truncated: header says shape " + NpyArray.shapeString(h.shape)
                        + " of " + h.dtype.descr() + " (" + dataBytes + " bytes) but only " + remaining
                        + " bytes follow the header");
            }
            if (remaining > dataBytes) {
                throw new NpyFormatException(src + ": " + (remaining - dataBytes) + " unexpected bytes after the "
                        + dataBytes + " bytes of data for shape " + NpyArray.shapeString(h.shape) + " "
                        + h.dtype.descr());
            }
            ByteBuffer data = ByteBuffer.allocate((int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, data, src, "the data");
            data.flip();
            return decode(h.dtype, h.shape, data, (int) count);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(src, null, "no such file");
        }
    }

    /** Reads a 2-D {@code .npy} array as a matrix of doubles ({@code what} names it in errors). */
    public static DoubleMatrix readMatrix(Path file, String what) throws IOException {
        return read(file).toMatrix(what + " (" + file + ")");
    }

    /** Writes {@code array} as a {@code .npy} file (format 1.0, or 2.0 if the header needs it). */
    public static void write(Path file, NpyArray array) throws IOException {
        write(file, array, 0);
    }

    /** Writes a matrix as a 2-D {@code <f8} array. */
    public static void write(Path file, DoubleMatrix m) throws IOException {
        write(file, NpyArray.of(m));
    }

    /**
     * Writes with an explicit format version (1 or 2; 0 = smallest that fits). Version 1.0 headers are limited to
     * 65 535 bytes.
     */
    public static void write(Path file, NpyArray array, int majorVersion) throws IOException {
        String dict = "{'descr': '" + array.dtype().descr() + "', 'fortran_order': False, 'shape': "
                + NpyArray.shapeString(array.shape()) + ", }";
        int version = majorVersion == 0 ? (padded(dict, 2) > 0xFFFF ? 2 : 1) : majorVersion;
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("can write NPY versions 1 and 2, not " + version);
        }
        int lenBytes = version == 1 ? 2 : 4;
        int headerLen = padded(dict, lenBytes);
        if (version == 1 && headerLen > 0xFFFF) {
            throw new IllegalArgumentException("header of " + headerLen + " bytes needs NPY version 2.0");
        }
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 2 + lenBytes + headerLen).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) version).put((byte) 0);
        if (lenBytes == 2) {
            head.putShort((short) headerLen);
        } else {
            head.putInt(headerLen);
        }
        StringBuilder sb = new StringBuilder(dict);
        while (sb.length() < headerLen - 1) {
            sb.append(' ');
        }
        sb.append('\n');
        head.put(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        head.flip();
        ByteBuffer body = encode(array);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            while (body.hasRemaining()) {
                ch.write(body);
            }
        }
    }

    /** Header length (dict + padding + newline) so that the data starts on a 64-byte boundary. */
    private static int padded(String dict, int lenBytes) {
        int pre = MAGIC.length + 2 + lenBytes;
        int total = pre + dict.length() + 1;
        int rounded = (total + ALIGN - 1) / ALIGN * ALIGN;
        return rounded - pre;
    }

    private record Header(NpyDtype dtype, int[] shape) {}

    private static Header parseHeader(String header, String src) {
        Matcher fm = FORTRAN.matcher(header);
        Matcher sm = SHAPE.matcher(header);
        if (!header.trim().startsWith("{") || !fm.find() || !sm.find()) {
            throw new NpyFormatException(src + ": unreadable NPY header: " + header.trim());
        }
        Matcher dm = DESCR.matcher(header);
        if (!dm.find()) {
            throw new NpyFormatException(src + ": structured or unreadable dtype in header " + header.trim()
                    + " (supported: <f4, <f8, <i4, <i8, |u1)");
        }
        NpyDtype dtype = NpyDtype.fromDescr(dm.group(1), src);
        if (fm.group(1).equals("True")) {
            throw new NpyFormatException(src + ": Fortran-order arrays are not supported; save a C-order copy "
                    + "(numpy.ascontiguousarray(a))");
        }
        String dims = sm.group(1).trim();
        int[] shape;
        if (dims.isEmpty()) {
            shape = new int[0];
        } else {
            String[] parts = dims.split(",");
            int k = parts.length;
            if (parts[k - 1].isBlank()) {
                k--;
            }
            shape = new int[k];
            for (int i = 0; i < k; i++) {
                try {
                    long v = Long.parseLong(parts[i].trim().replace("L", ""));
                    if (v < 0 || v > Integer.MAX_VALUE) {
                        throw new NumberFormatException();
                    }
                    shape[i] = (int) v;
                } catch (NumberFormatException e) {
                    throw new NpyFormatException(src + ": bad shape (" + dims + ") in header");
                }
            }
        }
        return new Header(dtype, shape);
    }

    private static NpyArray decode(NpyDtype dtype, int[] shape, ByteBuffer b, int count) {
        switch (dtype) {
            case FLOAT32: {
                float[] v = new float[count];
                b.asFloatBuffer().get(v);
                return NpyArray.of(v, shape);
            }
            case FLOAT64: {
                double[] v = new double[count];
                b.asDoubleBuffer().get(v);
                return NpyArray.of(v, shape);
            }
            case INT32: {
                int[] v = new int[count];
                b.asIntBuffer().get(v);
                return NpyArray.of(v, shape);
            }
            case INT64: {
                long[] v = new long[count];
                b.asLongBuffer().get(v);
                return NpyArray.of(v, shape);
            }
            case UINT8: {
                byte[] v = new byte[count];
                b.get(v);
                return NpyArray.ofUnsignedBytes(v, shape);
            }
            default:
                throw new AssertionError(dtype);
        }
    }

    private static ByteBuffer encode(NpyArray a) {
        int n = a.size();
        ByteBuffer b = ByteBuffer.allocate(n * a.dtype().itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (a.dtype()) {
            case FLOAT32 -> b.asFloatBuffer().put((float[]) a.data());
            case FLOAT64 -> b.asDoubleBuffer().put((double[]) a.data());
            case INT32 -> b.asIntBuffer().put((int[]) a.data());
            case INT64 -> b.asLongBuffer().put((long[]) a.data());
            case UINT8 -> b.put((byte[]) a.data()).flip();
        }
        b.position(0).limit(n * a.dtype().itemSize());
        return b;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, String src, String what) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new NpyFormatException(src + ": truncated while reading " + what);
            }
        }
    }

}

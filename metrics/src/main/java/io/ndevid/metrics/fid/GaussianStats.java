package io.ndevid.metrics.fid;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.linalg.Backends;
import io.ndevid.metrics.linalg.DenseBackend;
import io.ndevid.metrics.linalg.DoubleMatrix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Mean and covariance (unbiased, divisor n − 1) of a feature set: what FID needs of the real set, computed once and
 * cached with {@link #save(Path)} / {@link #load(Path)}.
 *
 * <p>File format ({@code .fidstats}, big-endian as {@link DataOutputStream} writes): magic {@code "NDVFIDST"}, int
 * version (1), long n, int d, UTF string provenance (free text: which classifier weights, which preprocessing, which
 * data; compare it before trusting a cache), d doubles mean, d(d+1)/2 doubles upper triangle of Σ row by row, then a
 * long CRC32C of every preceding byte. A truncated or corrupted file is rejected with a message saying so.
 *
 * @param mean       length d
 * @param covariance row-major d × d, symmetric
 * @param n          number of samples the statistics came from
 * @param provenance free text recorded with a cache file; never null (may be empty)
 */
public record GaussianStats(double[] mean, double[] covariance, int d, long n, String provenance) {

    private static final byte[] MAGIC = "NDVFIDST".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    public GaussianStats {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(covariance, "covariance");
        provenance = provenance == null ? "" : provenance;
        if (mean.length != d || (long) d * d != covariance.length) {
            throw new MetricsInputException("statistics need a mean of length d and a d×d covariance; got d = " + d
                    + ", mean " + mean.length + ", covariance " + covariance.length + " values");
        }
        if (n < 2) {
            throw new MetricsInputException("statistics need at least 2 samples, got n = " + n);
        }
    }

    /** Statistics of the rows of {@code features} ({@code n × d}, n ≥ 2, finite), with the default backend. */
    public static GaussianStats of(DoubleMatrix features) {
        return of(features, Backends.best(), "");
    }

    /** Statistics of the rows of {@code features}, computing Σ = X̃ᵀX̃ / (n − 1) with {@code backend}. */
    public static GaussianStats of(DoubleMatrix features, DenseBackend backend, String provenance) {
        FrechetDistance.checkFeatures("features", features);
        Centered c = Centered.of(features);
        double[] cov = backend.gramOfColumns(c.values(), c.n(), c.d(), 1.0 / (c.n() - 1));
        return new GaussianStats(c.mean(), cov, c.d(), c.n(), provenance);
    }

    /** Tr(Σ). */
    public double trace() {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += covariance[i * d + i];
        }
        return t;
    }

    /** The same statistics with another provenance text. */
    public GaussianStats withProvenance(String text) {
        return new GaussianStats(mean, covariance, d, n, text);
    }

    /** Writes the statistics atomically (temp file + move) in the format described above. */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                write(os);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the format described above to a stream (not closed). */
    public void write(OutputStream out) throws IOException {
        CRC32C crc = new CRC32C();
        CheckedOutputStream checked = new CheckedOutputStream(out, crc);
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(checked, 1 << 16));
        data.write(MAGIC);
        data.writeInt(VERSION);
        data.writeLong(n);
        data.writeInt(d);
        data.writeUTF(provenance);
        for (double v : mean) {
            data.writeDouble(v);
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                data.writeDouble(covariance[i * d + j]);
            }
        }
        data.flush();
        long sum = crc.getValue();
        new DataOutputStream(out).writeLong(sum);
        out.flush();
    }

    /**
     * Reads statistics written by {@link #save(Path)}.
     *
     * @throws MetricsInputException if the file is not such a file, truncated, or its checksum does not match
     * @throws IOException           if it cannot be read
     */
    public static GaussianStats load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new MetricsInputException("no statistics file at " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads the format described above; {@code source} names the stream in error messages. */
    public static GaussianStats read(InputStream in, String source) throws IOException {
        CRC32C crc = new CRC32C();
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        DataInputStream data = new DataInputStream(new CheckedInputStream(buffered, crc));
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new MetricsInputException(source + " is not an ndevid FID statistics file (bad magic)");
            }
            int version = data.readInt();
            if (version != VERSION) {
                throw new MetricsInputException(source + ": statistics format version " + version
                        + " is not supported (this build reads version " + VERSION + ")");
            }
            long n = data.readLong();
            int d = data.readInt();
            if (d <= 0 || d > 65_536 || n < 2) {
                throw new MetricsInputException(source + ": implausible header (n = " + n + ", d = " + d + ")");
            }
            String provenance = data.readUTF();
            double[] mean = new double[d];
            for (int i = 0; i < d; i++) {
                mean[i] = data.readDouble();
            }
            double[] cov = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    double v = data.readDouble();
                    cov[i * d + j] = v;
                    cov[j * d + i] = v;
                }
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(buffered).readLong();
            if (stored != expected) {
                throw new MetricsInputException(source + ": checksum mismatch (stored " + Long.toHexString(stored)
                        + ", computed " + Long.toHexString(expected) + "): the file is corrupted");
            }
            if (buffered.read() != -1) {
                throw new MetricsInputException(source + ": trailing bytes after the checksum");
            }
            return new GaussianStats(mean, cov, d, n, provenance);
        } catch (EOFException e) {
            throw new MetricsInputException(source + ": truncated statistics file", e);
        }
    }

    @Override
    public String toString() {
        return "GaussianStats[d=" + d + ", n=" + n + (provenance.isEmpty() ? "" : ", " + provenance) + "]";
    }

    /** Features with the column means removed. */
    record Centered(double[] mean, double[] values, int n, int d, double sumOfSquares) {
        static Centered of(DoubleMatrix x) {
            int n = x.rows();
            int d = x.cols();
            double[] src = x.data();
            double[] mean = new double[d];
            for (int i = 0; i < n; i++) {
                int o = i * d;
                for (int j = 0; j < d; j++) {
                    mean[j] += src[o + j];
                }
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            double[] c = new double[n * d];
            double ss = 0;
            for (int i = 0; i < n; i++) {
                int o = i * d;
                for (int j = 0; j < d; j++) {
                    double v = src[o + j] - mean[j];
                    c[o + j] = v;
                    ss += v * v;
                }
            }
            return new Centered(mean, c, n, d, ss);
        }
    }
}

package io.ndevid.actors.transport;

import com.typesafe.config.Config;
import io.aeron.driver.ThreadingMode;
import io.aeron.protocol.DataHeaderFlyweight;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Every knob of the tensor transport, read once (from defaults, a builder or HOCON) into one immutable value.
 * Nothing in this package looks up a property anywhere else.
 *
 * @param aeronDir             the Aeron directory to use; {@code null} = a fresh unique directory under {@code baseDir}
 *                             for an embedded driver (required to connect to an external driver)
 * @param baseDir              parent of the unique directories of embedded drivers
 * @param deleteDirOnClose     delete the embedded driver's directory when the node closes
 * @param threadingMode        embedded driver threading; SHARED (one thread for conductor, sender and receiver)
 *                             or SHARED_NETWORK suit small machines
 * @param ipcTermLength        term length of IPC publications; one message is at most term/8
 * @param udpTermLength        term length of UDP publications
 * @param ipcMtu               largest frame on IPC publications; a chunk that fits one frame is never fragmented
 * @param udpMtu               largest UDP datagram payload; 65504 on loopback/jumbo links, 1408 across plain Ethernet
 * @param socketBufferLength   SO_SNDBUF / SO_RCVBUF of UDP channels (the kernel's rmem_max/wmem_max cap it)
 * @param receiverWindowLength UDP flow-control window (at most term/2; sensible at or below the socket buffer)
 * @param chunkSize            payload bytes per chunk; 0 = the largest chunk that fits one frame of the publication
 * @param connectTimeout       how long a sender waits for a subscriber (NOT_CONNECTED) before failing
 * @param backPressureTimeout  how long a sender retries one chunk under back pressure / admin action before failing
 * @param receiveTimeout       how long an expected transfer may go without a new chunk before it fails as lost
 * @param orphanTimeout        how long chunks of a transfer nobody expects (yet) are kept, and how long a finished
 *                             transfer's id is remembered so that late duplicates are dropped quietly
 * @param driverTimeout        Aeron client ↔ driver liveness timeout
 * @param fragmentLimit        fragments read per receiver poll (bounded drains)
 * @param idleMaxPark          longest park of the back-off idle strategies (driver, sender under back pressure,
 *                             receiver): they spin, yield, then park from 1 µs doubling up to this
 * @param maxTransferBytes     largest payload accepted (a receive buffer is one ByteBuffer: below 2 GiB)
 * @param maxPendingBytes      memory a receiver may hold for transfers that are not expected yet
 */
public record TransportSettings(
        Path aeronDir,
        Path baseDir,
        boolean deleteDirOnClose,
        ThreadingMode threadingMode,
        int ipcTermLength,
        int udpTermLength,
        int ipcMtu,
        int udpMtu,
        int socketBufferLength,
        int receiverWindowLength,
        int chunkSize,
        Duration connectTimeout,
        Duration backPressureTimeout,
        Duration receiveTimeout,
        Duration orphanTimeout,
        Duration driverTimeout,
        int fragmentLimit,
        Duration idleMaxPark,
        long maxTransferBytes,
        long maxPendingBytes) {

    /** Largest UDP payload Aeron accepts as MTU (≈ 0.9 GB/s on loopback with it: BENCHMARKS.md, Aeron section). */
    public static final int MAX_MTU = 65504;

    public TransportSettings {
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(threadingMode, "threadingMode");
        requireTermLength("ipcTermLength", ipcTermLength);
        requireTermLength("udpTermLength", udpTermLength);
        requireMtu("ipcMtu", ipcMtu);
        requireMtu("udpMtu", udpMtu);
        if (socketBufferLength < 64 * 1024) {
            throw new IllegalArgumentException("socketBufferLength " + socketBufferLength + " < 64 KiB");
        }
        if (receiverWindowLength < 64 * 1024 || receiverWindowLength > udpTermLength / 2) {
            throw new IllegalArgumentException("receiverWindowLength " + receiverWindowLength
                    + " must lie in [64 KiB, udpTermLength/2 = " + udpTermLength / 2 + "]");
        }
        int smallestMaxMessage = Math.min(ipcTermLength, udpTermLength) / 8;
        if (chunkSize < 0 || chunkSize + ChunkHeader.LENGTH > smallestMaxMessage) {
            throw new IllegalArgumentException("chunkSize " + chunkSize + " must be 0 (auto) or in [1, term/8 - "
                    + ChunkHeader.LENGTH + " = " + (smallestMaxMessage - ChunkHeader.LENGTH) + "]");
        }
        requirePositive("connectTimeout", connectTimeout);
        requirePositive("backPressureTimeout", backPressureTimeout);
        requirePositive("receiveTimeout", receiveTimeout);
        requirePositive("orphanTimeout", orphanTimeout);
        requirePositive("driverTimeout", driverTimeout);
        requirePositive("idleMaxPark", idleMaxPark);
        if (fragmentLimit < 1) {
            throw new IllegalArgumentException("fragmentLimit " + fragmentLimit + " < 1");
        }
        if (maxTransferBytes < 0 || maxTransferBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("maxTransferBytes " + maxTransferBytes
                    + " must lie in [0, 2 GiB - 64]: a received tensor is one ByteBuffer");
        }
        if (maxPendingBytes < 0) {
            throw new IllegalArgumentException("maxPendingBytes " + maxPendingBytes + " < 0");
        }
    }

    /** The defaults; see {@link Builder} for each value and why. */
    public static TransportSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.aeronDir = aeronDir;
        b.baseDir = baseDir;
        b.deleteDirOnClose = deleteDirOnClose;
        b.threadingMode = threadingMode;
        b.ipcTermLength = ipcTermLength;
        b.udpTermLength = udpTermLength;
        b.ipcMtu = ipcMtu;
        b.udpMtu = udpMtu;
        b.socketBufferLength = socketBufferLength;
        b.receiverWindowLength = receiverWindowLength;
        b.chunkSize = chunkSize;
        b.connectTimeout = connectTimeout;
        b.backPressureTimeout = backPressureTimeout;
        b.receiveTimeout = receiveTimeout;
        b.orphanTimeout = orphanTimeout;
        b.driverTimeout = driverTimeout;
        b.fragmentLimit = fragmentLimit;
        b.idleMaxPark = idleMaxPark;
        b.maxTransferBytes = maxTransferBytes;
        b.maxPendingBytes = maxPendingBytes;
        return b;
    }

    /**
     * Reads the {@code ndevid.aeron} block (pass {@code config.getConfig("ndevid.aeron")}); absent keys keep their
     * defaults. Keys: dir, base-dir, delete-dir-on-close, threading-mode, term-length (both media), ipc-term-length,
     * udp-term-length, ipc-mtu, udp-mtu, socket-buffer, receiver-window, chunk-size ("auto" or bytes),
     * connect-timeout, back-pressure-timeout, receive-timeout, orphan-timeout, driver-timeout, fragment-limit,
     * idle-max-park, max-transfer-bytes, max-pending-bytes. Sizes accept HOCON units ("16MiB").
     */
    public static TransportSettings fromConfig(Config c) {
        Builder b = builder();
        if (c.hasPath("dir") && !c.getString("dir").isBlank()) {
            b.aeronDir(Path.of(c.getString("dir")));
        }
        if (c.hasPath("base-dir")) {
            b.baseDir(Path.of(c.getString("base-dir")));
        }
        if (c.hasPath("delete-dir-on-close")) {
            b.deleteDirOnClose(c.getBoolean("delete-dir-on-close"));
        }
        if (c.hasPath("threading-mode")) {
            b.threadingMode(ThreadingMode.valueOf(c.getString("threading-mode").toUpperCase(Locale.ROOT)));
        }
        if (c.hasPath("term-length")) {
            int t = bytesAsInt(c, "term-length");
            b.ipcTermLength(t).udpTermLength(t);
        }
        if (c.hasPath("ipc-term-length")) {
            b.ipcTermLength(bytesAsInt(c, "ipc-term-length"));
        }
        if (c.hasPath("udp-term-length")) {
            b.udpTermLength(bytesAsInt(c, "udp-term-length"));
        }
        if (c.hasPath("ipc-mtu")) {
            b.ipcMtu(bytesAsInt(c, "ipc-mtu"));
        }
        if (c.hasPath("udp-mtu")) {
            b.udpMtu(bytesAsInt(c, "udp-mtu"));
        }
        if (c.hasPath("socket-buffer")) {
            b.socketBufferLength(bytesAsInt(c, "socket-buffer"));
        }
        if (c.hasPath("receiver-window")) {
            b.receiverWindowLength(bytesAsInt(c, "receiver-window"));
        }
        if (c.hasPath("chunk-size")) {
            b.chunkSize("auto".equalsIgnoreCase(c.getString("chunk-size")) ? 0 : bytesAsInt(c, "chunk-size"));
        }
        if (c.hasPath("connect-timeout")) {
            b.connectTimeout(c.getDuration("connect-timeout"));
        }
        if (c.hasPath("back-pressure-timeout")) {
            b.backPressureTimeout(c.getDuration("back-pressure-timeout"));
        }
        if (c.hasPath("receive-timeout")) {
            b.receiveTimeout(c.getDuration("receive-timeout"));
        }
        if (c.hasPath("orphan-timeout")) {
            b.orphanTimeout(c.getDuration("orphan-timeout"));
        }
        if (c.hasPath("driver-timeout")) {
            b.driverTimeout(c.getDuration("driver-timeout"));
        }
        if (c.hasPath("fragment-limit")) {
            b.fragmentLimit(c.getInt("fragment-limit"));
        }
        if (c.hasPath("idle-max-park")) {
            b.idleMaxPark(c.getDuration("idle-max-park"));
        }
        if (c.hasPath("max-transfer-bytes")) {
            b.maxTransferBytes(c.getBytes("max-transfer-bytes"));
        }
        if (c.hasPath("max-pending-bytes")) {
            b.maxPendingBytes(c.getBytes("max-pending-bytes"));
        }
        return b.build();
    }

    /** Term length of publications on this channel ({@code aeron:ipc...} or {@code aeron:udp...}). */
    int termLengthFor(String channel) {
        return isIpc(channel) ? ipcTermLength : udpTermLength;
    }

    int mtuFor(String channel) {
        return isIpc(channel) ? ipcMtu : udpMtu;
    }

    static boolean isIpc(String channel) {
        return channel.startsWith("aeron:ipc");
    }

    /** Chunk payload that fits one frame of a publication with this MTU: no Aeron fragmentation, no reassembly copy. */
    static int autoChunkSize(int mtu) {
        return mtu - DataHeaderFlyweight.HEADER_LENGTH - ChunkHeader.LENGTH;
    }

    /** Spin, yield, then park 1 µs doubling up to idleMaxPark: a 2-core host cannot spare a busy-spinning core. */
    IdleStrategy newIdleStrategy() {
        return new BackoffIdleStrategy(10, 20, 1_000, idleMaxPark.toNanos());
    }

    private static int bytesAsInt(Config c, String key) {
        long v = c.getBytes(key);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " = " + v + " does not fit an int");
        }
        return (int) v;
    }

    private static void requireTermLength(String name, int v) {
        if (v < 64 * 1024 || v > 1024 * 1024 * 1024 || Integer.bitCount(v) != 1) {
            throw new IllegalArgumentException(name + " " + v + " must be a power of two in [64 KiB, 1 GiB]");
        }
    }

    private static void requireMtu(String name, int v) {
        if (v < 256 || v > MAX_MTU || v % 32 != 0) {
            throw new IllegalArgumentException(name + " " + v + " must be a multiple of 32 in [256, " + MAX_MTU + "]");
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }

    /** Mutable builder; {@link #build()} validates. Defaults are chosen for a 2-core host and 1-64 MiB tensors. */
    public static final class Builder {
        private Path aeronDir;
        // /dev/shm when present (Aeron's own Linux default), else java.io.tmpdir. Log buffers are memory-mapped files:
        // on a disk-backed tmpdir the kernel keeps writing dirty term pages back to disk during hours of training.
        // (40-round benchmarks show no difference: BENCHMARKS.md, "actors: tensor transfer over Aeron".)
        private Path baseDir = defaultBaseDir();
        private boolean deleteDirOnClose = true;
        private ThreadingMode threadingMode = ThreadingMode.SHARED;
        // IPC: 64 MiB terms, so the publication window (term/2 = 32 MiB) holds a whole 24 MiB tensor and the sender
        // never waits for the driver to move its limit (faster than 16 MiB terms: BENCHMARKS.md, "actors: tensor
        // transfer over Aeron"). Costs a 192 MiB log buffer per IPC sender in /dev/shm.
        private int ipcTermLength = 64 * 1024 * 1024;
        // UDP: 16 MiB terms (cluster-config/base.conf); the receiver window, not the term, limits UDP.
        private int udpTermLength = 16 * 1024 * 1024;
        // Large frames: one 64 KiB chunk per frame instead of 47 frames of 1408 bytes.
        private int ipcMtu = MAX_MTU;
        private int udpMtu = MAX_MTU;
        // 4 MiB socket buffers + mtu 65504: ≈ 0.9 GB/s on loopback (BENCHMARKS.md); rmem_max here is 4 MiB.
        private int socketBufferLength = 4 * 1024 * 1024;
        private int receiverWindowLength = 4 * 1024 * 1024;
        private int chunkSize = 0;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration backPressureTimeout = Duration.ofSeconds(5);
        private Duration receiveTimeout = Duration.ofSeconds(5);
        private Duration orphanTimeout = Duration.ofSeconds(30);
        private Duration driverTimeout = Duration.ofSeconds(10);
        private int fragmentLimit = 64;
        private Duration idleMaxPark = Duration.ofMillis(1);
        private long maxTransferBytes = Integer.MAX_VALUE - 64;
        private long maxPendingBytes = 1024L * 1024 * 1024;

        private Builder() {
        }

        public Builder aeronDir(Path v) { aeronDir = v; return this; }
        public Builder baseDir(Path v) { baseDir = v; return this; }
        public Builder deleteDirOnClose(boolean v) { deleteDirOnClose = v; return this; }
        public Builder threadingMode(ThreadingMode v) { threadingMode = v; return this; }
        public Builder ipcTermLength(int v) { ipcTermLength = v; return this; }
        public Builder udpTermLength(int v) { udpTermLength = v; return this; }
        public Builder ipcMtu(int v) { ipcMtu = v; return this; }
        public Builder udpMtu(int v) { udpMtu = v; return this; }
        public Builder socketBufferLength(int v) { socketBufferLength = v; return this; }
        public Builder receiverWindowLength(int v) { receiverWindowLength = v; return this; }
        public Builder chunkSize(int v) { chunkSize = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder backPressureTimeout(Duration v) { backPressureTimeout = v; return this; }
        public Builder receiveTimeout(Duration v) { receiveTimeout = v; return this; }
        public Builder orphanTimeout(Duration v) { orphanTimeout = v; return this; }
        public Builder driverTimeout(Duration v) { driverTimeout = v; return this; }
        public Builder fragmentLimit(int v) { fragmentLimit = v; return this; }
        public Builder idleMaxPark(Duration v) { idleMaxPark = v; return this; }
        public Builder maxTransferBytes(long v) { maxTransferBytes = v; return this; }
        public Builder maxPendingBytes(long v) { maxPendingBytes = v; return this; }

        public TransportSettings build() {
            return new TransportSettings(aeronDir, baseDir, deleteDirOnClose, threadingMode, ipcTermLength,
                    udpTermLength, ipcMtu, udpMtu, socketBufferLength, receiverWindowLength, chunkSize,
                    connectTimeout, backPressureTimeout, receiveTimeout, orphanTimeout, driverTimeout,
                    fragmentLimit, idleMaxPark, maxTransferBytes, maxPendingBytes);
        }

        private static Path defaultBaseDir() {
            Path shm = Path.of("/dev/shm");
            if (Files.isDirectory(shm) && Files.isWritable(shm)) {
                return shm;
            }
            return Path.of(System.getProperty("java.io.tmpdir"));
        }
    }
}

package io.ndevid.actors.transport;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import io.aeron.Aeron;
import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One process's access to Aeron: an embedded {@link MediaDriver} in a directory of its own (deleted on close), or a
 * client of a driver that already runs. Makes {@link TensorSender}s and {@link TensorReceiver}s and closes them with
 * itself, newest first.
 *
 * <pre>{@code
 * try (AeronNode node = AeronNode.launchEmbedded(TransportSettings.defaults())) {
 *     TensorReceiver rx = node.newReceiver("aeron:ipc", 10);
 *     TensorSender tx = node.newSender(rx.channel(), 10);
 *     TensorDescriptor d = tx.send("x", new long[] {2, 3}, "float32", bytes);
 *     ReceivedTensor t = rx.expect(d).get();
 * }
 * }</pre>
 */
public final class AeronNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AeronNode.class);

    private final TransportSettings settings;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Path dir;
    private final boolean ownsDir;
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private boolean closed;

    private AeronNode(TransportSettings settings, MediaDriver driver, Aeron aeron, Path dir, boolean ownsDir) {
        this.settings = settings;
        this.driver = driver;
        this.aeron = aeron;
        this.dir = dir;
        this.ownsDir = ownsDir;
    }

    /**
     * One embedded node shared by everything in a process that sends or receives tensors (a trainer's checkpoint
     * shipping, sample renderers and remote data), launched on first use — a process that never moves a tensor starts
     * no media driver — and closed with {@code system} ({@link #closeWith}).
     */
    public static Supplier<AeronNode> lazyEmbedded(TransportSettings settings,
                                                                       ActorSystem<?> system) {
        return new Supplier<>() {
            private AeronNode node;

            @Override
            public synchronized AeronNode get() {
                if (node == null) {
                    node = launchEmbedded(settings).closeWith(system);
                }
                return node;
            }
        };
    }

    /**
     * Closes this node (its directory deleted) in {@code system}'s coordinated shutdown, just before the system
     * terminates: after the drain tasks (a trainer's last checkpoint may still travel on it), and while the JVM's
     * shutdown hook still waits, so a SIGTERM'd process does not exit with its term buffers left on /dev/shm.
     * Also on the system's termination, in case the shutdown had already passed that phase.
     */
    public AeronNode closeWith(ActorSystem<?> system) {
        CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(
                CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "close-aeron-" + dir.getFileName(),
                () -> {
                    close();
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
        system.getWhenTerminated().whenComplete((d, t) -> close());
        return this;
    }

    /**
     * Starts an embedded media driver in {@code settings.aeronDir()}, or, when that is null, in a new directory
     * {@code baseDir/ndevid-aeron-<pid>-<random>}; connects a client to it.
     */
    public static AeronNode launchEmbedded(TransportSettings settings) {
        boolean unique = settings.aeronDir() == null;
        if (unique) {
            sweepStaleDirectories(settings.baseDir(), settings.driverTimeout());
        }
        Path dir = unique
                ? settings.baseDir().resolve("ndevid-aeron-" + ProcessHandle.current().pid() + "-"
                        + UUID.randomUUID().toString().substring(0, 8))
                : settings.aeronDir();
        MediaDriver.Context ctx = new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                // A unique directory is ours to clear; a configured one must not be wiped under a live driver
                // (Aeron then refuses to start with ActiveDriverException).
                .dirDeleteOnStart(unique)
                .dirDeleteOnShutdown(settings.deleteDirOnClose())
                .threadingMode(settings.threadingMode())
                .ipcTermBufferLength(settings.ipcTermLength())
                .publicationTermBufferLength(settings.udpTermLength())
                .ipcMtuLength(settings.ipcMtu())
                .mtuLength(settings.udpMtu())
                .socketSndbufLength(settings.socketBufferLength())
                .socketRcvbufLength(settings.socketBufferLength())
                .initialWindowLength(settings.receiverWindowLength())
                .errorHandler(t -> LOG.error("Aeron media driver error", t));
        ctx.driverTimeoutMs(settings.driverTimeout().toMillis());
        if (settings.threadingMode() == ThreadingMode.SHARED) {
            ctx.sharedIdleStrategy(settings.newIdleStrategy());
        } else {
            ctx.conductorIdleStrategy(settings.newIdleStrategy());
            ctx.senderIdleStrategy(settings.newIdleStrategy());
            ctx.receiverIdleStrategy(settings.newIdleStrategy());
            ctx.sharedNetworkIdleStrategy(settings.newIdleStrategy());
        }
        MediaDriver driver = MediaDriver.launch(ctx);
        try {
            Aeron aeron = Aeron.connect(clientContext(settings, dir));
            LOG.info("embedded Aeron media driver ({}) in {}", settings.threadingMode(), dir);
            return new AeronNode(settings, driver, aeron, dir, unique);
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    private static final Pattern OWN_DIR = Pattern.compile(
            "ndevid-aeron-(\\d+)-[0-9a-f]{8}");

    /**
     * Deletes the unique directories ({@code ndevid-aeron-<pid>-<random>}) under {@code baseDir} that a process which
     * no longer runs left behind, and returns how many went. A process killed with SIGKILL (or dying before its
     * ActorSystem terminated) cannot delete its own directory; on /dev/shm each holds its term buffers in memory
     * (≈ 60 MiB), so without this sweep a day of restarts and fail-overs fills the host's memory. A directory is
     * deleted only if its pid is not a live process and its driver has not beaten its heartbeat for
     * {@code driverTimeout} (a pid from another PID namespace sharing /dev/shm looks dead, its driver does not).
     */
    public static int sweepStaleDirectories(Path baseDir, Duration driverTimeout) {
        File[] entries = baseDir.toFile().listFiles();
        if (entries == null) {
            return 0;
        }
        long self = ProcessHandle.current().pid();
        int deleted = 0;
        for (File d : entries) {
            Matcher m = OWN_DIR.matcher(d.getName());
            if (!d.isDirectory() || !m.matches()) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                continue;
            }
            if (pid == self || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            if (driverBeating(d, driverTimeout)) {
                continue;
            }
            try {
                IoUtil.delete(d, true);
                deleted++;
            } catch (RuntimeException e) {
                // another process swept it first, or it is not ours to read: leave it
                LOG.debug("could not sweep {}: {}", d, e.toString());
            }
        }
        if (deleted > 0) {
            LOG.info("deleted {} Aeron director{} of processes that no longer run under {}", deleted,
                    deleted == 1 ? "y" : "ies", baseDir);
        }
        return deleted;
    }

    private static boolean driverBeating(File dir, Duration driverTimeout) {
        if (!new File(dir, CncFileDescriptor.CNC_FILE).exists()) {
            return false;
        }
        try {
            return CommonContext.isDriverActive(dir, driverTimeout.toMillis(), msg -> { });
        } catch (RuntimeException e) {
            // a cnc.dat never initialised (its process died starting) or cut short: no driver behind it
            return false;
        }
    }

    /** Connects to a media driver that already runs in {@code settings.aeronDir()}. */
    public static AeronNode connect(TransportSettings settings) {
        if (settings.aeronDir() == null) {
            throw new IllegalArgumentException("connect needs settings.aeronDir(): the running driver's directory");
        }
        Aeron aeron = Aeron.connect(clientContext(settings, settings.aeronDir()));
        return new AeronNode(settings, null, aeron, settings.aeronDir(), false);
    }

    private static Aeron.Context clientContext(TransportSettings settings, Path dir) {
        Aeron.Context ctx = new Aeron.Context()
                .aeronDirectoryName(dir.toString())
                .errorHandler(t -> LOG.error("Aeron client error", t));
        ctx.driverTimeoutMs(settings.driverTimeout().toMillis());
        return ctx;
    }

    public TransportSettings settings() {
        return settings;
    }

    public Aeron aeron() {
        return aeron;
    }

    /** The driver's directory (for {@link #connect} from another process on this host). */
    public Path aeronDirectory() {
        return dir;
    }

    public boolean isEmbedded() {
        return driver != null;
    }

    /** A sender on {@code channel} ({@code aeron:ipc} or {@code aeron:udp?endpoint=host:port}) and stream. */
    public TensorSender newSender(String channel, int streamId) {
        return newSender(channel, streamId, null);
    }

    /** A sender whose chunks pass through {@code filter} (fault injection in tests; null = none). */
    public synchronized TensorSender newSender(String channel, int streamId, ChunkFilter filter) {
        ensureOpen();
        TensorSender s = new TensorSender(aeron, settings, channel, streamId, filter);
        closeables.push(s);
        return s;
    }

    /**
     * A running receiver on {@code channel} and stream; for UDP, {@code aeron:udp?endpoint=host:0} binds a free port
     * ({@link TensorReceiver#channel()} then names it). Results land in 64-byte aligned direct buffers.
     */
    public TensorReceiver newReceiver(String channel, int streamId) {
        return newReceiver(channel, streamId, n -> BufferUtil.allocateDirectAligned(Math.max(n, 1), 64));
    }

    /** A running receiver whose result buffers come from {@code allocator} (direct, capacity ≥ the asked size). */
    public synchronized TensorReceiver newReceiver(String channel, int streamId, IntFunction<ByteBuffer> allocator) {
        ensureOpen();
        TensorReceiver r = new TensorReceiver(aeron, settings, channel, streamId, allocator);
        closeables.push(r);
        return r.start();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("AeronNode in " + dir + " is closed");
        }
    }

    /** Closes receivers and senders (newest first), the client, the embedded driver, and deletes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                LOG.warn("closing a transport resource failed", e);
            }
        }
        aeron.close();
        if (driver != null) {
            driver.close();
            if (ownsDir && settings.deleteDirOnClose()) {
                IoUtil.delete(new File(dir.toString()), true);
            }
        }
    }
}

package io.ndevid.actors.transport.bench;

import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.ReceivedTensor;
import io.ndevid.actors.transport.TensorDescriptor;
import io.ndevid.actors.transport.TensorReceiver;
import io.ndevid.actors.transport.TensorSender;
import io.ndevid.actors.transport.TransportSettings;
import org.HdrHistogram.Histogram;
import org.agrona.BufferUtil;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Tensor transfer over Aeron vs a plain memcpy of the same bytes, in one run (bench/aeron.sh; results in
 * BENCHMARKS.md, "actors: tensor transfer over Aeron"). Not a test: it prints measured numbers.
 *
 * <pre>
 * AeronBench [sizeMiB=24] [rounds=40] [warmupRounds=10]
 * </pre>
 *
 * One transfer = {@code sender.send} (CRC32C + offer of every chunk) → {@code receiver.expect(d)} completes with a
 * verified tensor (copy out of the term buffer, CRC per chunk, combined CRC check). Sender on the main thread,
 * receiver on its agent thread, embedded driver (SHARED) on a third — one JVM, as two processes on a host would use
 * it. Every configuration runs once per round, interleaved, so that load from other processes on a shared machine
 * hits them all alike; medians and percentiles are over rounds.
 *
 * <p>Two pairs are compared: the receiver writing into a <em>fresh</em> direct buffer per transfer (the default:
 * the caller owns the result) against memcpy into a freshly allocated buffer, and into <em>reused</em> buffers
 * (an allocator hook) against memcpy into a reused buffer — the transport's own overhead.
 */
public final class AeronBench {
    private AeronBench() {
    }

    public static void main(String[] args) throws Exception {
        int sizeMiB = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int n = sizeMiB << 20;
        ByteBuffer payload = BufferUtil.allocateDirectAligned(n, 64);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i + 8 <= n; i += 8) {
            payload.putLong(i, random.nextLong());
        }
        TransportSettings defaults = TransportSettings.defaults();
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        System.out.printf("tensor %d MiB, %d rounds after %d warm-up rounds, %d cores, Java %s, load %s%n", sizeMiB,
                rounds, warmup, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                loadAverage());
        System.out.printf("defaults: ipc term %d MiB, udp term %d MiB, mtu %d, socket buffers %d KiB, idle max park %d µs%n",
                defaults.ipcTermLength() >> 20, defaults.udpTermLength() >> 20, defaults.udpMtu(),
                defaults.socketBufferLength() >> 10, defaults.idleMaxPark().toNanos() / 1000);

        List<Case> cases = new ArrayList<>();
        Case memcpyReused = new Case("memcpy (ByteBuffer.put, direct → reused direct)");
        Case memcpyFresh = new Case("memcpy into a freshly allocated direct buffer");
        cases.add(memcpyReused);
        cases.add(memcpyFresh);
        List<AeronNode> nodes = new ArrayList<>();
        try {
            AeronNode shm = AeronNode.launchEmbedded(defaults);
            AeronNode onTmp = AeronNode.launchEmbedded(defaults.toBuilder().baseDir(tmp).build());
            nodes.add(shm);
            nodes.add(onTmp);
            int stream = 100;
            for (boolean reuse : new boolean[] {false, true}) {
                String results = reuse ? ", reused result buffers" : ", fresh result buffer";
                cases.add(new Case("aeron:ipc (dir in " + defaults.baseDir() + ")" + results, shm, "aeron:ipc",
                        stream++, n, reuse));
                if (!tmp.equals(defaults.baseDir())) {
                    cases.add(new Case("aeron:ipc (dir in " + tmp + ")" + results, onTmp, "aeron:ipc", stream++,
                            n, reuse));
                }
                cases.add(new Case("aeron:udp 127.0.0.1" + results, shm, "aeron:udp?endpoint=127.0.0.1:0",
                        stream++, n, reuse));
            }
            // Tuning rows: what the flow-control hand-off costs (reused buffers, so only the transport is timed).
            AeronNode shortPark = AeronNode.launchEmbedded(defaults.toBuilder()
                    .idleMaxPark(java.time.Duration.ofMillis(1).equals(defaults.idleMaxPark())
                            ? java.time.Duration.ofNanos(100_000) : java.time.Duration.ofMillis(1)).build());
            nodes.add(shortPark);
            cases.add(new Case("aeron:ipc, reused, idle max park " + shortPark.settings().idleMaxPark().toNanos()
                    / 1000 + " µs", shortPark, "aeron:ipc", stream++, n, true));

            AeronNode narrow = AeronNode.launchEmbedded(defaults.toBuilder().ipcTermLength(16 << 20).build());
            nodes.add(narrow);
            cases.add(new Case("aeron:ipc, reused, term 16 MiB (window 8 MiB)", narrow, "aeron:ipc", stream++, n,
                    true));
            ByteBuffer reusedTarget = BufferUtil.allocateDirectAligned(n, 64);
            for (int round = -warmup; round < rounds; round++) {
                for (Case c : cases) {
                    long ns;
                    if (c == memcpyReused) {
                        ns = memcpy(payload, reusedTarget);
                    } else if (c == memcpyFresh) {
                        ns = memcpy(payload, null);
                    } else {
                        ns = c.transfer(payload);
                    }
                    if (round >= 0) {
                        c.latency.recordValue(ns);
                    }
                }
            }
            System.out.printf("load after: %s%n%n", loadAverage());
            double reusedBase = memcpyReused.medianGbps(n);
            double freshBase = memcpyFresh.medianGbps(n);
            for (Case c : cases) {
                double base = c.receiver == null ? reusedBase : c.reuse ? reusedBase : freshBase;
                System.out.printf("%-62s %5.2f GB/s median (p10 %5.2f, p90 %5.2f)  %.2f× its memcpy;"
                                + "  latency p50 %5.1f p90 %5.1f p99 %5.1f max %5.1f ms%n",
                        c.name, c.medianGbps(n), gbps(n, c.latency.getValueAtPercentile(90)),
                        gbps(n, c.latency.getValueAtPercentile(10)), c.medianGbps(n) / base,
                        ms(c.latency.getValueAtPercentile(50)), ms(c.latency.getValueAtPercentile(90)),
                        ms(c.latency.getValueAtPercentile(99)), ms(c.latency.getMaxValue()));
            }
            Case ipc = cases.get(2);
            System.out.printf("%nend-to-end latency per %d MiB transfer, %s (ms):%n", sizeMiB, ipc.name);
            ipc.latency.outputPercentileDistribution(System.out, 1, 1e6);
            System.out.println(ipc.receiver.assemblyLatency().summary());
            System.out.println(ipc.sender.sendLatency().summary());
        } finally {
            for (AeronNode node : nodes) {
                node.close();
            }
        }
    }

    private static long memcpy(ByteBuffer src, ByteBuffer reused) {
        long t0 = System.nanoTime();
        ByteBuffer d = reused != null ? reused : ByteBuffer.allocateDirect(src.capacity());
        d.clear();
        d.put(src.duplicate().clear());
        return System.nanoTime() - t0;
    }

    /** One configuration: its receiver and sender stay up for the whole run. */
    private static final class Case {
        final String name;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final TensorReceiver receiver;
        final TensorSender sender;
        final boolean reuse;

        Case(String name) {
            this.name = name;
            this.receiver = null;
            this.sender = null;
            this.reuse = true;
        }

        Case(String name, AeronNode node, String channel, int stream, int size, boolean reuse) {
            this.name = name;
            this.reuse = reuse;
            if (reuse) {
                ByteBuffer[] pool = {BufferUtil.allocateDirectAligned(size, 64),
                        BufferUtil.allocateDirectAligned(size, 64)};
                int[] next = {0};
                IntFunction<ByteBuffer> allocator = s -> pool[next[0]++ & 1];
                this.receiver = node.newReceiver(channel, stream, allocator);
            } else {
                this.receiver = node.newReceiver(channel, stream);
            }
            this.sender = node.newSender(receiver.channel(), stream);
        }

        long transfer(ByteBuffer payload) throws Exception {
            long t0 = System.nanoTime();
            TensorDescriptor d = sender.send("bench", new long[] {payload.capacity() / 4}, "float32", payload);
            ReceivedTensor t = receiver.expect(d).get(30, TimeUnit.SECONDS);
            long ns = System.nanoTime() - t0;
            if (t.payload().remaining() != payload.capacity()) {
                throw new IllegalStateException("short tensor");
            }
            return ns;
        }

        double medianGbps(int bytes) {
            return gbps(bytes, latency.getValueAtPercentile(50));
        }
    }

    private static double gbps(int bytes, long nanos) {
        return bytes / (double) nanos;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}

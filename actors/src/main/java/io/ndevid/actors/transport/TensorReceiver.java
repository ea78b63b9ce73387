package io.ndevid.actors.transport;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

import static io.ndevid.actors.transport.TransferException.Reason;

/**
 * Receives chunked tensors on one channel/stream and completes one future per expected descriptor with a verified
 * tensor, or with a {@link TransferException} that says why not. Never a silently wrong tensor: a result is
 * delivered only when every chunk passed its CRC32C at its place in the result buffer and the combined CRC equals
 * the descriptor's.
 *
 * <h2>What is checked</h2>
 * <ul>
 *   <li>header: magic and header CRC (a damaged header is dropped and counted: it cannot be attributed);
 *       index within 0..count-1, count and chunk size consistent with the total length and with earlier chunks,
 *       frame length equal to the chunk's length → otherwise MALFORMED_CHUNK;</li>
 *   <li>chunk payload CRC → a failing chunk is not counted as received (its bytes are overwritten by the resend);
 *       once every chunk has arrived or failed, CORRUPT_CHUNKS with the chunks to resend;</li>
 *   <li>duplicates: a byte-identical duplicate is ignored; a damaged duplicate of a good chunk is ignored (counted);
 *       a different but valid duplicate is DUPLICATE_CONFLICT;</li>
 *   <li>no new chunk for receiveTimeout → LOST_CHUNKS with the missing indices;</li>
 *   <li>the whole payload's CRC32C against the descriptor → PAYLOAD_CRC_MISMATCH; the descriptor's length against
 *       the chunks' → DESCRIPTOR_MISMATCH.</li>
 * </ul>
 *
 * <h2>Retry protocol</h2>
 * Chunks may arrive before or after {@link #expect}: chunks of a transfer nobody expects yet are kept for
 * orphanTimeout (within maxPendingBytes). On LOST_CHUNKS and CORRUPT_CHUNKS the receiver keeps the verified chunks:
 * the caller asks the sender to resend {@link TransferException#missingChunks()} (or everything), then calls
 * {@link #expect} again with the same descriptor. On the other retryable failures the state is dropped and the
 * whole transfer must be resent. A resend reuses the transfer id; since it carries the same bytes, chunks of an
 * earlier attempt that arrive late are harmless duplicates. {@link TransferRetry} implements "up to N times".
 *
 * <h2>Threads</h2>
 * An {@link Agent}: normally run by its own {@link AgentRunner} ({@link AeronNode#newReceiver} starts one). All
 * state belongs to the agent thread; {@link #expect} and {@link #cancel} enqueue commands. Futures complete on the
 * agent thread: dependent stages must not block (use the {@code *Async} variants) or the receiver stops polling.
 */
public final class TensorReceiver implements Agent, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TensorReceiver.class);
    private static final long CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final TransportSettings settings;
    private final Subscription subscription;
    private final String channel;
    private final int streamId;
    private final IntFunction<ByteBuffer> allocator;
    private final FragmentHandler handler;
    private final long receiveTimeoutNs;
    private final long orphanTimeoutNs;
    private final int fragmentLimit;

    private final Long2ObjectHashMap<Assembly> assemblies = new Long2ObjectHashMap<>();
    /** transferId → time until which late chunks of a delivered transfer are dropped quietly. */
    private final Long2LongHashMap delivered = new Long2LongHashMap(Long.MIN_VALUE);
    private final ConcurrentLinkedQueue<Expectation> commands = new ConcurrentLinkedQueue<>();
    private final UnsafeBuffer headerScratch;
    private final ByteBuffer headerScratchView;
    private final CRC32C crc = new CRC32C();
    private final LatencyStats assemblyLatency;
    private long unexpectedBytes;
    private long nextCheckNs;
    private AgentRunner runner;
    private volatile boolean closed;

    // Counters: written by the agent thread only, read by anyone.
    private volatile long completed;
    private volatile long failed;
    private volatile long duplicateChunks;
    private volatile long corruptChunks;
    private volatile long malformedFrames;
    private volatile long lateChunks;
    private volatile long rejectedChunks;

    TensorReceiver(Aeron aeron, TransportSettings settings, String channel, int streamId,
                   IntFunction<ByteBuffer> allocator) {
        this.settings = settings;
        this.streamId = streamId;
        this.allocator = allocator;
        this.receiveTimeoutNs = settings.receiveTimeout().toNanos();
        this.orphanTimeoutNs = settings.orphanTimeout().toNanos();
        this.fragmentLimit = settings.fragmentLimit();
        this.subscription = aeron.addSubscription(subscriptionChannel(settings, channel), streamId);
        try {
            this.channel = resolvedChannel(channel, subscription, settings.driverTimeout().toNanos());
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        // Chunks that fit one frame pass through the assembler without a copy; larger ones are reassembled.
        this.handler = new FragmentAssembler(this::onChunk);
        this.headerScratchView = BufferUtil.allocateDirectAligned(64, 64);
        this.headerScratch = new UnsafeBuffer(headerScratchView);
        this.assemblyLatency = new LatencyStats("receive " + this.channel + " stream " + streamId);
    }

    /** The channel senders should publish to: for UDP with port 0, the port actually bound. */
    public String channel() {
        return channel;
    }

    public int streamId() {
        return streamId;
    }

    /** First chunk seen → verified tensor, per delivered transfer. */
    public LatencyStats assemblyLatency() {
        return assemblyLatency;
    }

    /** Counters for a status console. */
    public Stats stats() {
        return new Stats(completed, failed, duplicateChunks, corruptChunks, malformedFrames, lateChunks,
                rejectedChunks);
    }

    /**
     * Counters since start.
     *
     * @param completed       transfers delivered
     * @param failed          futures failed (each failure, retries included)
     * @param duplicateChunks identical duplicates ignored
     * @param corruptChunks   chunks that failed their CRC (never written into a delivered result)
     * @param malformedFrames frames with a damaged header or foreign magic, dropped unattributed
     * @param lateChunks      chunks of already delivered transfers, dropped
     * @param rejectedChunks  chunks of unexpected transfers dropped for maxPendingBytes / maxTransferBytes
     */
    public record Stats(long completed, long failed, long duplicateChunks, long corruptChunks, long malformedFrames,
                        long lateChunks, long rejectedChunks) {
    }

    /**
     * The future of the tensor this descriptor announces: completed with a verified {@link ReceivedTensor}, or
     * exceptionally with a {@link TransferException}. Call again with the same descriptor after a resend.
     */
    public CompletableFuture<ReceivedTensor> expect(TensorDescriptor descriptor) {
        Expectation e = new Expectation(descriptor.transferId(), descriptor, new CompletableFuture<>());
        if (closed) {
            e.future.completeExceptionally(closedFailure(e.transferId));
            return e.future;
        }
        commands.offer(e);
        if (closed) {
            failQueuedCommands();
        }
        return e.future;
    }

    /** Forgets a transfer (e.g. after the last retry): frees its buffer; a pending future fails with CLOSED. */
    public void cancel(long transferId) {
        commands.offer(new Expectation(transferId, null, null));
        if (closed) {
            failQueuedCommands();
        }
    }

    /** Runs this receiver on its own thread; {@link #close()} stops it. */
    synchronized TensorReceiver start() {
        if (runner == null) {
            runner = new AgentRunner(settings.newIdleStrategy(), t -> LOG.error("tensor receiver error", t), null,
                    this);
            AgentRunner.startOnThread(runner);
        }
        return this;
    }

    @Override
    public String roleName() {
        return "tensor-receiver-" + streamId;
    }

    @Override
    public int doWork() {
        int work = drainCommands();
        work += subscription.poll(handler, fragmentLimit);
        long now = System.nanoTime();
        if (now - nextCheckNs >= 0) {
            nextCheckNs = now + CHECK_INTERVAL_NS;
            work += checkTimeouts(now);
        }
        return work;
    }

    @Override
    public void onClose() {
        closed = true;
        failQueuedCommands();
        for (Assembly a : assemblies.values()) {
            if (a.future != null) {
                a.future.completeExceptionally(closedFailure(a.transferId));
            }
        }
        assemblies.clear();
        subscription.close();
    }

    @Override
    public void close() {
        AgentRunner r;
        synchronized (this) {
            r = runner;
        }
        if (r != null) {
            r.close();
        } else if (!closed) {
            onClose();
        }
    }

    // ---------------------------------------------------------------------------------------------------- commands

    private record Expectation(long transferId, TensorDescriptor descriptor,
                               CompletableFuture<ReceivedTensor> future) {
    }

    private int drainCommands() {
        int n = 0;
        Expectation e;
        while (n < 64 && (e = commands.poll()) != null) {
            n++;
            if (e.descriptor == null) {
                onCancel(e.transferId);
            } else {
                onExpect(e.descriptor, e.future);
            }
        }
        return n;
    }

    private void failQueuedCommands() {
        Expectation e;
        while ((e = commands.poll()) != null) {
            if (e.future != null) {
                e.future.completeExceptionally(closedFailure(e.transferId));
            }
        }
    }

    private void onExpect(TensorDescriptor d, CompletableFuture<ReceivedTensor> future) {
        long id = d.transferId();
        if (d.streamId() != streamId) {
            fail(future, new TransferException(Reason.DESCRIPTOR_MISMATCH, id, "descriptor is for stream "
                    + d.streamId() + ", this receiver listens on " + channel + " stream " + streamId));
            return;
        }
        if (d.byteLength() > settings.maxTransferBytes()) {
            fail(future, new TransferException(Reason.TOO_LARGE, id, d.byteLength()
                    + " bytes > maxTransferBytes " + settings.maxTransferBytes()));
            return;
        }
        delivered.remove(id); // expected again: a resend of a delivered transfer is a new delivery
        long now = System.nanoTime();
        Assembly a = assemblies.get(id);
        if (a == null) {
            a = new Assembly(id);
            a.descriptor = d;
            String failure = a.allocate(d.byteLength(), allocator);
            if (failure != null) {
                fail(future, new TransferException(Reason.TOO_LARGE, id, failure));
                return;
            }
            a.lastActivityNs = now;
            assemblies.put(id, a);
        } else if (a.pendingFailure != null) {
            TransferException f = a.pendingFailure;
            remove(a);
            fail(future, f);
            return;
        } else if (a.descriptor == null) {
            if (a.totalLength != d.byteLength()) {
                remove(a);
                fail(future, new TransferException(Reason.DESCRIPTOR_MISMATCH, id, "descriptor says "
                        + d.byteLength() + " bytes, the chunks say " + a.totalLength));
                return;
            }
            unexpectedBytes -= a.accountedBytes;
            a.accountedBytes = 0;
            a.descriptor = d;
        } else if (!a.descriptor.equals(d)) {
            fail(future, new TransferException(Reason.DESCRIPTOR_MISMATCH, id, "transfer already expected as "
                    + a.descriptor + ", now as " + d));
            return;
        }
        if (a.future != null && !a.future.isDone()) {
            // Expected twice while pending: both callers get the same outcome.
            a.future.whenComplete((r, t) -> {
                if (t != null) {
                    future.completeExceptionally(t);
                } else {
                    future.complete(r);
                }
            });
            return;
        }
        a.future = future;
        a.lastActivityNs = now;
        tryComplete(a, now);
    }

    private void onCancel(long transferId) {
        Assembly a = assemblies.get(transferId);
        if (a != null) {
            remove(a);
            if (a.future != null) {
                fail(a.future, new TransferException(Reason.CLOSED, transferId, "cancelled"));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ chunks

    private void onChunk(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < ChunkHeader.LENGTH || ChunkHeader.magic(buffer, offset) != ChunkHeader.MAGIC) {
            malformedFrames++;
            LOG.debug("dropped a {}-byte frame that is not a tensor chunk", length);
            return;
        }
        headerScratch.putBytes(0, buffer, offset, ChunkHeader.LENGTH);
        if (ChunkHeader.headerCrc(headerScratchView, 0, crc) != ChunkHeader.storedHeaderCrc(buffer, offset)) {
            malformedFrames++;
            LOG.debug("dropped a chunk whose header fails its CRC");
            return;
        }
        long id = ChunkHeader.transferId(buffer, offset);
        if (delivered.containsKey(id)) {
            lateChunks++;
            return;
        }
        long now = System.nanoTime();
        long total = ChunkHeader.totalLength(buffer, offset);
        int count = ChunkHeader.chunkCount(buffer, offset);
        int size = ChunkHeader.chunkSize(buffer, offset);
        Assembly a = assemblies.get(id);
        if (a == null) {
            String bad = checkGeometry(total, count, size);
            if (bad != null) {
                // Nobody expects it yet: remember why, so that expect() fails with the reason at once.
                a = new Assembly(id);
                a.pendingFailure = new TransferException(Reason.MALFORMED_CHUNK, id, bad);
                a.lastActivityNs = now;
                assemblies.put(id, a);
                return;
            }
            if (total > settings.maxTransferBytes() || unexpectedBytes + total > settings.maxPendingBytes()) {
                rejectedChunks++;
                LOG.debug("dropped a chunk of unexpected transfer {} ({} bytes): over the pending limit", id, total);
                return;
            }
            a = new Assembly(id);
            String failure = a.allocate(total, allocator);
            if (failure != null) {
                rejectedChunks++;
                LOG.warn("dropped a chunk of unexpected transfer {}: {}", id, failure);
                return;
            }
            a.accountedBytes = total;
            unexpectedBytes += total;
            assemblies.put(id, a);
        }
        if (a.pendingFailure != null) {
            return;
        }
        if (a.chunkCrcs == null) {
            // First chunk of a transfer that was expected before any chunk arrived.
            String bad = checkGeometry(total, count, size);
            if (bad == null && total != a.totalLength) {
                bad = "chunks say " + total + " bytes, the descriptor " + a.totalLength;
            }
            if (bad != null) {
                failAssembly(a, new TransferException(Reason.MALFORMED_CHUNK, id, bad), now);
                return;
            }
            a.geometry(count, size);
        } else if (total != a.totalLength || count != a.chunkCount || size != a.chunkSize) {
            failAssembly(a, new TransferException(Reason.MALFORMED_CHUNK, id, "chunk header (total " + total
                    + ", count " + count + ", size " + size + ") disagrees with earlier chunks (total "
                    + a.totalLength + ", count " + a.chunkCount + ", size " + a.chunkSize + ")"), now);
            return;
        }
        int index = ChunkHeader.index(buffer, offset);
        if (index < 0 || index >= count) {
            failAssembly(a, new TransferException(Reason.MALFORMED_CHUNK, id, "chunk index " + index
                    + " outside 0.." + (count - 1)), now);
            return;
        }
        int payloadLength = length - ChunkHeader.LENGTH;
        int expectedLength = ChunkHeader.chunkLength(total, size, index);
        if (payloadLength != expectedLength) {
            failAssembly(a, new TransferException(Reason.MALFORMED_CHUNK, id, "chunk " + index + " carries "
                    + payloadLength + " bytes, expected " + expectedLength), now);
            return;
        }
        if (a.firstChunkNs == 0) {
            a.firstChunkNs = now;
        }
        a.lastActivityNs = now;
        int src = offset + ChunkHeader.LENGTH;
        int dst = index * size;
        int sentCrc = ChunkHeader.payloadCrc(buffer, offset);
        if (a.received.get(index)) {
            onDuplicate(a, index, buffer, src, dst, payloadLength, sentCrc, now);
            return;
        }
        // Copy out of Aeron's term buffer, then check the CRC where the bytes will stay.
        buffer.getBytes(src, a.dest, dst, payloadLength);
        a.crcView.limit(dst + payloadLength).position(dst);
        crc.reset();
        crc.update(a.crcView);
        int actualCrc = (int) crc.getValue();
        if (actualCrc != sentCrc) {
            corruptChunks++;
            a.corruptTotal++;
            a.corrupt.set(index);
            LOG.debug("transfer {} chunk {} failed its CRC", id, index);
        } else {
            a.corrupt.clear(index);
            a.received.set(index);
            a.chunkCrcs[index] = actualCrc;
            a.receivedCount++;
        }
        tryComplete(a, now);
    }

    private void onDuplicate(Assembly a, int index, DirectBuffer buffer, int src, int dst, int length, int sentCrc,
                             long now) {
        if (regionsEqual(buffer, src, a.dest, dst, length)) {
            duplicateChunks++;
            a.duplicates++;
            return;
        }
        // Different bytes: damaged in flight (ignore, we hold a verified copy) or a genuinely different chunk.
        byte[] copy = new byte[length]; // rare path
        buffer.getBytes(src, copy);
        crc.reset();
        crc.update(copy, 0, length);
        if ((int) crc.getValue() != sentCrc) {
            corruptChunks++;
            a.corruptTotal++;
            return;
        }
        failAssembly(a, new TransferException(Reason.DUPLICATE_CONFLICT, a.transferId, "chunk " + index
                + " arrived twice with different valid contents; resend the whole transfer"), now);
    }

    private static String checkGeometry(long total, int count, int size) {
        if (total < 0 || size <= 0) {
            return "chunk header has total length " + total + " and chunk size " + size;
        }
        if (total > Integer.MAX_VALUE - 64) {
            return "total length " + total + " exceeds one ByteBuffer";
        }
        int expected = ChunkHeader.chunkCount(total, size);
        if (count != expected) {
            return "chunk count " + count + " != ceil(" + total + " / " + size + ") = " + expected;
        }
        return null;
    }

    private static boolean regionsEqual(DirectBuffer a, int ai, DirectBuffer b, int bi, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            if (a.getLong(ai + i) != b.getLong(bi + i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (a.getByte(ai + i) != b.getByte(bi + i)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------- completion

    private void tryComplete(Assembly a, long now) {
        if (a.future == null || a.chunkCrcs == null) {
            return;
        }
        if (a.receivedCount == a.chunkCount) {
            int whole = a.combinedCrc();
            if (whole != a.descriptor.crcAsInt()) {
                failAssembly(a, new TransferException(Reason.PAYLOAD_CRC_MISMATCH, a.transferId, "every chunk "
                        + "passed its CRC, but the payload's CRC32C " + Integer.toHexString(whole)
                        + " != descriptor's " + Long.toHexString(a.descriptor.crc32c())
                        + "; resend the whole transfer"), now);
                return;
            }
            remove(a);
            delivered.put(a.transferId, now + orphanTimeoutNs);
            long latency = now - a.firstChunkNs;
            assemblyLatency.record(latency);
            completed++;
            ByteBuffer payload = a.destination.duplicate().clear().limit((int) a.totalLength)
                    .slice().order(ByteOrder.nativeOrder());
            a.future.complete(new ReceivedTensor(a.descriptor, payload, latency, a.duplicates, a.corruptTotal));
        } else if (!a.corrupt.isEmpty() && a.receivedCount + a.corrupt.cardinality() == a.chunkCount) {
            int[] missing = a.missing();
            int[] bad = a.corrupt.stream().toArray();
            a.corrupt.clear();
            keepForResend(a, new TransferException(Reason.CORRUPT_CHUNKS, a.transferId, missing, "chunks "
                    + TransferException.describeChunks(bad) + " failed their CRC32C and were discarded; resend "
                    + "chunks " + TransferException.describeChunks(missing)), now);
        }
    }

    private int checkTimeouts(long now) {
        int work = 0;
        List<Assembly> lost = null;
        for (Iterator<Assembly> it = assemblies.values().iterator(); it.hasNext(); ) {
            Assembly a = it.next();
            if (a.future != null) {
                if (now - (a.lastActivityNs + receiveTimeoutNs) > 0) {
                    if (lost == null) {
                        lost = new ArrayList<>();
                    }
                    lost.add(a);
                }
            } else if (now - (a.lastActivityNs + orphanTimeoutNs) > 0) {
                it.remove();
                unexpectedBytes -= a.accountedBytes;
                LOG.debug("forgot transfer {}: nobody expected it within the orphan timeout", a.transferId);
                work++;
            }
        }
        if (lost != null) {
            for (Assembly a : lost) {
                work++;
                long quietMs = TimeUnit.NANOSECONDS.toMillis(now - a.lastActivityNs);
                if (a.chunkCrcs == null) {
                    keepForResend(a, new TransferException(Reason.LOST_CHUNKS, a.transferId, null,
                            "no chunk arrived within " + quietMs + " ms; resend the whole transfer"), now);
                } else {
                    int[] missing = a.missing();
                    a.corrupt.clear();
                    keepForResend(a, new TransferException(Reason.LOST_CHUNKS, a.transferId, missing,
                            "chunks " + TransferException.describeChunks(missing) + " of " + a.chunkCount
                                    + " missing after " + quietMs + " ms without progress"), now);
                }
            }
        }
        if (!delivered.isEmpty()) {
            Long2LongHashMap.EntryIterator entries = delivered.entrySet().iterator();
            while (entries.hasNext()) {
                entries.next();
                if (now - entries.getLongValue() > 0) {
                    entries.remove();
                }
            }
        }
        return work;
    }

    /** Fails the pending future but keeps the verified chunks, so that a partial resend can finish the transfer. */
    private void keepForResend(Assembly a, TransferException f, long now) {
        CompletableFuture<ReceivedTensor> future = a.future;
        a.future = null;
        a.lastActivityNs = now;
        if (future != null) {
            fail(future, f);
        }
    }

    /** Fails and forgets the transfer; if nobody expects it yet, the failure waits for expect(). */
    private void failAssembly(Assembly a, TransferException f, long now) {
        if (a.future == null) {
            a.pendingFailure = f;
            a.lastActivityNs = now;
            a.releaseBuffer();
            unexpectedBytes -= a.accountedBytes;
            a.accountedBytes = 0;
            return;
        }
        remove(a);
        fail(a.future, f);
    }

    private void remove(Assembly a) {
        assemblies.remove(a.transferId);
        unexpectedBytes -= a.accountedBytes;
        a.accountedBytes = 0;
    }

    private void fail(CompletableFuture<ReceivedTensor> future, TransferException f) {
        failed++;
        LOG.debug("{}", f.getMessage());
        future.completeExceptionally(f);
    }

    private TransferException closedFailure(long transferId) {
        return new TransferException(Reason.CLOSED, transferId, "receiver on " + channel + " stream " + streamId
                + " is closed");
    }

    // ------------------------------------------------------------------------------------------------------ setup

    /** The subscription's channel: the caller's, plus (UDP) receiver window and socket buffer unless set. */
    static String subscriptionChannel(TransportSettings settings, String channel) {
        if (TransportSettings.isIpc(channel)) {
            return channel;
        }
        ChannelUri uri = ChannelUri.parse(channel);
        TensorSender.putIfAbsent(uri, CommonContext.SOCKET_RCVBUF_PARAM_NAME,
                Integer.toString(settings.socketBufferLength()));
        TensorSender.putIfAbsent(uri, CommonContext.RECEIVER_WINDOW_LENGTH_PARAM_NAME,
                Integer.toString(settings.receiverWindowLength()));
        return uri.toString();
    }

    /** For UDP endpoints with port 0, waits for the driver to bind and puts the real port into the channel. */
    private static String resolvedChannel(String channel, Subscription subscription, long timeoutNs) {
        if (TransportSettings.isIpc(channel)) {
            return channel;
        }
        ChannelUri uri = ChannelUri.parse(channel);
        String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (endpoint == null || !endpoint.endsWith(":0")) {
            return channel;
        }
        long deadline = System.nanoTime() + timeoutNs;
        String resolved;
        while ((resolved = subscription.resolvedEndpoint()) == null) {
            if (deadline - System.nanoTime() < 0) {
                throw new IllegalStateException("the driver did not bind " + channel + " within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        uri.put(CommonContext.ENDPOINT_PARAM_NAME, resolved);
        return uri.toString();
    }

    /** One transfer being put together. Agent thread only. */
    private static final class Assembly {
        final long transferId;
        TensorDescriptor descriptor;
        CompletableFuture<ReceivedTensor> future;
        TransferException pendingFailure;
        long totalLength = -1;
        /** Bytes counted in unexpectedBytes (held while nobody expects the transfer). */
        long accountedBytes;
        int chunkCount;
        int chunkSize;
        ByteBuffer destination;
        UnsafeBuffer dest;
        ByteBuffer crcView;
        int[] chunkCrcs;
        final BitSet received = new BitSet();
        final BitSet corrupt = new BitSet();
        int receivedCount;
        int corruptTotal;
        int duplicates;
        long firstChunkNs;
        long lastActivityNs;

        Assembly(long transferId) {
            this.transferId = transferId;
        }

        /** Allocates the result buffer; returns why not (the agent thread must not die of an OutOfMemoryError). */
        String allocate(long total, IntFunction<ByteBuffer> allocator) {
            totalLength = total;
            ByteBuffer b;
            try {
                b = allocator.apply((int) total);
            } catch (OutOfMemoryError | RuntimeException e) {
                return "could not allocate " + total + " bytes for the result: " + e;
            }
            if (b == null || !b.isDirect() || b.capacity() < total) {
                return "allocator returned " + b + " for " + total + " bytes (need a direct buffer that large)";
            }
            destination = b;
            dest = new UnsafeBuffer(destination, 0, (int) total);
            crcView = destination.duplicate();
            return null;
        }

        void geometry(int count, int size) {
            chunkCount = count;
            chunkSize = size;
            chunkCrcs = new int[count];
        }

        void releaseBuffer() {
            destination = null;
            dest = null;
            crcView = null;
        }

        int[] missing() {
            int[] m = new int[chunkCount - receivedCount];
            int k = 0;
            for (int i = received.nextClearBit(0); i < chunkCount; i = received.nextClearBit(i + 1)) {
                m[k++] = i;
            }
            return m;
        }

        /** CRC32C of the destination buffer, from the chunk CRCs computed over it. */
        int combinedCrc() {
            int whole = chunkCrcs[0];
            Crc32c.Shift full = chunkCount > 2 ? new Crc32c.Shift(chunkSize) : null;
            for (int i = 1; i < chunkCount; i++) {
                int length = ChunkHeader.chunkLength(totalLength, chunkSize, i);
                whole = length == chunkSize && full != null
                        ? full.apply(whole) ^ chunkCrcs[i]
                        : Crc32c.combine(whole, chunkCrcs[i], length);
            }
            return whole;
        }
    }
}

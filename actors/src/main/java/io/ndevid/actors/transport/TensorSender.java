package io.ndevid.actors.transport;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static io.ndevid.actors.transport.TransferException.Reason;

/**
 * Publishes tensors as chunks on one Aeron channel/stream (an exclusive publication of its own).
 *
 * <p>{@link #send} cuts {@code payload[position, limit)} into chunks of {@link #chunkSize()} bytes (by default the
 * largest that fits one frame, so Aeron never fragments and the receiver copies each chunk once), prefixes each with
 * a {@link ChunkHeader}, and offers it. The caller's buffer is neither copied whole nor modified (position and limit
 * stay); the header is written into one preallocated aligned buffer and offered together with the payload slice.
 * The whole-payload CRC32C in the returned descriptor is combined from the chunk CRCs, so the payload is read once.
 *
 * <p>Blocking: a send returns once every chunk is in the publication's log (not when the receiver has it: the
 * receiver's future says that). Call from a thread that may block (in the actors layer, a blocking dispatcher).
 * Methods are synchronized, so concurrent callers queue rather than interleave chunks.
 *
 * <p>Retry protocol: see {@link TensorReceiver}. On a receiver failure the caller resends with
 * {@link #resend(TensorDescriptor, ByteBuffer)} (everything, same transfer id) or
 * {@link #resend(TensorDescriptor, ByteBuffer, int[])} (only the chunks the failure lists).
 */
public final class TensorSender implements AutoCloseable {
    private final TransportSettings settings;
    private final String channel;
    private final int streamId;
    private final ExclusivePublication publication;
    private final int chunkSize;
    private final ChunkFilter filter;
    private final long connectTimeoutNs;
    private final long backPressureTimeoutNs;

    // Reused for every chunk of every transfer: the hot loop allocates nothing.
    private final UnsafeBuffer chunkBuffer;
    private final ByteBuffer chunkView;
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private final CRC32C crc = new CRC32C();
    private final Crc32c.Shift chunkShift;
    private final IdleStrategy idle;
    private final SplittableRandom ids = new SplittableRandom(new SecureRandom().nextLong());
    private final LatencyStats sendLatency;

    // Fault injection only.
    private final Chunk chunk;
    private final List<byte[]> deferred = new ArrayList<>();
    private final ChunkFilter.Sink sink;
    private int currentChunkIndex;
    private int currentChunkCount;

    TensorSender(Aeron aeron, TransportSettings settings, String channel, int streamId, ChunkFilter filter) {
        this.settings = settings;
        this.channel = channel;
        this.streamId = streamId;
        this.filter = filter;
        this.connectTimeoutNs = settings.connectTimeout().toNanos();
        this.backPressureTimeoutNs = settings.backPressureTimeout().toNanos();
        this.idle = settings.newIdleStrategy();
        this.publication = aeron.addExclusivePublication(publicationChannel(settings, channel), streamId);
        try {
            int fitsOneFrame = publication.maxPayloadLength() - ChunkHeader.LENGTH;
            this.chunkSize = settings.chunkSize() == 0 ? fitsOneFrame : settings.chunkSize();
            if (chunkSize + ChunkHeader.LENGTH > publication.maxMessageLength()) {
                throw new IllegalArgumentException("chunkSize " + chunkSize + " + header exceeds the publication's "
                        + "max message " + publication.maxMessageLength() + " (term length / 8)");
            }
            int capacity = BitUtil.align(ChunkHeader.LENGTH + chunkSize, 64);
            this.chunkView = BufferUtil.allocateDirectAligned(capacity, 64);
            this.chunkBuffer = new UnsafeBuffer(chunkView);
            this.chunkShift = new Crc32c.Shift(chunkSize);
            this.sendLatency = new LatencyStats("send " + channel + " stream " + streamId);
            this.chunk = new Chunk(chunkBuffer, chunkView);
            this.sink = new ChunkFilter.Sink() {
                @Override
                public void send() {
                    offerChunk(chunkBuffer, 0, chunk.frameLength(), null, 0, 0);
                }

                @Override
                public void defer() {
                    byte[] copy = new byte[chunk.frameLength()];
                    chunk.copyTo(copy);
                    deferred.add(copy);
                }
            };
        } catch (RuntimeException e) {
            publication.close();
            throw e;
        }
    }

    /** The channel as given (e.g. {@code aeron:ipc}), which descriptors carry. */
    public String channel() {
        return channel;
    }

    public int streamId() {
        return streamId;
    }

    /** Payload bytes per chunk. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Whether a subscriber is connected right now. */
    public boolean isConnected() {
        return publication.isConnected();
    }

    /** Time per send (first chunk offered → last chunk accepted), for a status console. */
    public LatencyStats sendLatency() {
        return sendLatency;
    }

    /**
     * Sends a new tensor and returns its descriptor (to pass to the receiver, e.g. inside an Akka message).
     *
     * @throws IllegalArgumentException if {@code payload.remaining()} is not what shape and dtype say
     * @throws TransferException        NOT_CONNECTED, BACK_PRESSURE_TIMEOUT, PUBLICATION_CLOSED,
     *                                  MAX_POSITION_EXCEEDED or TOO_LARGE
     */
    public synchronized TensorDescriptor send(String name, long[] shape, String dtype, ByteBuffer payload) {
        long transferId = ids.nextLong();
        checkPayload(transferId, TensorDescriptor.byteLengthOf(shape, dtype), payload);
        int crc32c = publish(transferId, payload, null, false);
        return new TensorDescriptor(transferId, name, shape, dtype, payload.remaining(),
                Integer.toUnsignedLong(crc32c), channel, streamId);
    }

    public TensorDescriptor send(String name, long[] shape, String dtype, byte[] payload) {
        return send(name, shape, dtype, ByteBuffer.wrap(payload));
    }

    /**
     * A descriptor for {@code payload} without sending it (one CRC pass), for protocols that announce the tensor
     * before the bytes; then {@link #send(TensorDescriptor, ByteBuffer)}.
     */
    public TensorDescriptor describe(String name, long[] shape, String dtype, ByteBuffer payload) {
        long transferId;
        synchronized (this) {
            transferId = ids.nextLong();
        }
        checkPayload(transferId, TensorDescriptor.byteLengthOf(shape, dtype), payload);
        return new TensorDescriptor(transferId, name, shape, dtype, payload.remaining(),
                Integer.toUnsignedLong(Crc32c.of(payload)), channel, streamId);
    }

    /**
     * Sends every chunk of a described tensor (first send after {@link #describe}, or a full resend).
     *
     * @throws TransferException PAYLOAD_CHANGED if the bytes no longer match the descriptor's CRC (they were sent
     *                           anyway; the receiver rejects them with PAYLOAD_CRC_MISMATCH), or any reason of
     *                           {@link #send(String, long[], String, ByteBuffer)}
     */
    public synchronized void send(TensorDescriptor descriptor, ByteBuffer payload) {
        checkDescriptor(descriptor, payload);
        int crc32c = publish(descriptor.transferId(), payload, null, true);
        if (crc32c != descriptor.crcAsInt()) {
            throw new TransferException(Reason.PAYLOAD_CHANGED, descriptor.transferId(), "payload CRC32C "
                    + Integer.toHexString(crc32c) + " != descriptor's " + Long.toHexString(descriptor.crc32c())
                    + ": the buffer was modified after it was described");
        }
    }

    /** Resends the whole transfer under the same transfer id. */
    public void resend(TensorDescriptor descriptor, ByteBuffer payload) {
        send(descriptor, payload);
    }

    /** Resends only the listed chunks (from {@link TransferException#missingChunks()}); empty = everything. */
    public synchronized void resend(TensorDescriptor descriptor, ByteBuffer payload, int[] chunks) {
        if (chunks.length == 0) {
            send(descriptor, payload);
            return;
        }
        checkDescriptor(descriptor, payload);
        int count = ChunkHeader.chunkCount(payload.remaining(), chunkSize);
        for (int c : chunks) {
            if (c < 0 || c >= count) {
                throw new IllegalArgumentException("chunk " + c + " outside 0.." + (count - 1));
            }
        }
        publish(descriptor.transferId(), payload, chunks, true);
    }

    @Override
    public void close() {
        publication.close();
    }

    private void checkPayload(long transferId, long expectedLength, ByteBuffer payload) {
        if (payload.remaining() != expectedLength) {
            throw new IllegalArgumentException("payload has " + payload.remaining() + " bytes, shape × dtype says "
                    + expectedLength);
        }
        if (payload.remaining() > settings.maxTransferBytes()) {
            throw new TransferException(Reason.TOO_LARGE, transferId, payload.remaining()
                    + " bytes > maxTransferBytes " + settings.maxTransferBytes());
        }
    }

    private void checkDescriptor(TensorDescriptor d, ByteBuffer payload) {
        if (d.streamId() != streamId) {
            throw new TransferException(Reason.DESCRIPTOR_MISMATCH, d.transferId(), "descriptor is for stream "
                    + d.streamId() + ", this sender publishes on " + streamId);
        }
        checkPayload(d.transferId(), d.byteLength(), payload);
    }

    /** Offers the chunks (all, or only those listed) and returns the combined CRC32C (meaningful for all). */
    private int publish(long transferId, ByteBuffer payload, int[] only, boolean resend) {
        long start = System.nanoTime();
        int base = payload.position();
        long total = payload.remaining();
        int count = ChunkHeader.chunkCount(total, chunkSize);
        ByteBuffer crcView = payload.duplicate();
        source.wrap(payload);
        deferred.clear();
        currentChunkCount = count;
        int whole = 0;
        int n = only == null ? count : only.length;
        try {
            for (int k = 0; k < n; k++) {
                int i = only == null ? k : only[k];
                int offset = base + i * chunkSize;
                int length = ChunkHeader.chunkLength(total, chunkSize, i);
                crcView.limit(offset + length).position(offset);
                crc.reset();
                crc.update(crcView);
                int chunkCrc = (int) crc.getValue();
                if (k == 0) {
                    whole = chunkCrc;
                } else if (length == chunkSize) {
                    whole = chunkShift.apply(whole) ^ chunkCrc;
                } else {
                    whole = Crc32c.combine(whole, chunkCrc, length);
                }
                ChunkHeader.write(chunkBuffer, 0, transferId, i, total, count, chunkSize, chunkCrc);
                ChunkHeader.seal(chunkBuffer, 0, chunkView, crc);
                currentChunkIndex = i;
                if (filter == null) {
                    offerChunk(chunkBuffer, 0, ChunkHeader.LENGTH, source, offset, length);
                } else {
                    chunkBuffer.putBytes(ChunkHeader.LENGTH, source, offset, length);
                    chunk.reset(resend, length);
                    filter.onChunk(chunk, sink);
                }
            }
            for (int d = deferred.size() - 1; d >= 0; d--) {
                byte[] frame = deferred.get(d);
                chunkBuffer.putBytes(0, frame);
                offerChunk(chunkBuffer, 0, frame.length, null, 0, 0);
            }
        } finally {
            deferred.clear();
            source.wrap(0, 0);
        }
        sendLatency.record(System.nanoTime() - start);
        return whole;
    }

    /**
     * Offers one chunk (header + payload slice, or a prepared frame when {@code two} is null), handling every result.
     * Back pressure and admin action retry until no progress for backPressureTimeout; not connected waits up to
     * connectTimeout for a subscriber; closed and max position fail at once.
     */
    private void offerChunk(DirectBuffer one, int oneOffset, int oneLength, DirectBuffer two, int twoOffset,
                            int twoLength) {
        long now = System.nanoTime();
        long backPressureDeadline = now + backPressureTimeoutNs;
        long connectDeadline = now + connectTimeoutNs;
        idle.reset();
        while (true) {
            long result = two == null
                    ? publication.offer(one, oneOffset, oneLength)
                    : publication.offer(one, oneOffset, oneLength, two, twoOffset, twoLength);
            if (result > 0) {
                return;
            } else if (result == Publication.BACK_PRESSURED) {
                if (backPressureDeadline - System.nanoTime() < 0) {
                    throw failure(Reason.BACK_PRESSURE_TIMEOUT, "back-pressured for longer than "
                            + settings.backPressureTimeout().toMillis() + " ms: the receiver does not keep up");
                }
            } else if (result == Publication.ADMIN_ACTION) {
                // Term rotation or similar inside the client: retry at once, bounded by the same deadline.
                if (backPressureDeadline - System.nanoTime() < 0) {
                    throw failure(Reason.BACK_PRESSURE_TIMEOUT, "admin action did not clear within "
                            + settings.backPressureTimeout().toMillis() + " ms");
                }
                continue;
            } else if (result == Publication.NOT_CONNECTED) {
                if (connectDeadline - System.nanoTime() < 0) {
                    throw failure(Reason.NOT_CONNECTED, "no subscriber on " + channel + " stream " + streamId
                            + " within " + settings.connectTimeout().toMillis() + " ms");
                }
                // A subscriber that (re)connects restarts the back-pressure clock.
                backPressureDeadline = System.nanoTime() + backPressureTimeoutNs;
            } else if (result == Publication.CLOSED) {
                throw failure(Reason.PUBLICATION_CLOSED, "the publication on " + channel + " stream " + streamId
                        + " is closed");
            } else if (result == Publication.MAX_POSITION_EXCEEDED) {
                throw failure(Reason.MAX_POSITION_EXCEEDED, "the publication on " + channel + " stream " + streamId
                        + " reached its maximum position; close this sender and create a new one");
            } else {
                throw new IllegalStateException("unknown Publication.offer result " + result);
            }
            idle.idle();
        }
    }

    private TransferException failure(Reason reason, String message) {
        long transferId = ChunkHeader.transferId(chunkBuffer, 0);
        return new TransferException(reason, transferId, null,
                message + " (at chunk " + currentChunkIndex + " of " + currentChunkCount + ")");
    }

    /** The channel the publication uses: the caller's, plus term length, MTU and (UDP) socket buffer unless set. */
    static String publicationChannel(TransportSettings settings, String channel) {
        ChannelUri uri = ChannelUri.parse(channel);
        putIfAbsent(uri, CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(settings.termLengthFor(channel)));
        putIfAbsent(uri, CommonContext.MTU_LENGTH_PARAM_NAME, Integer.toString(settings.mtuFor(channel)));
        if (!TransportSettings.isIpc(channel)) {
            putIfAbsent(uri, CommonContext.SOCKET_SNDBUF_PARAM_NAME, Integer.toString(settings.socketBufferLength()));
        }
        return uri.toString();
    }

    static void putIfAbsent(ChannelUri uri, String key, String value) {
        if (!uri.containsKey(key)) {
            uri.put(key, value);
        }
    }
}

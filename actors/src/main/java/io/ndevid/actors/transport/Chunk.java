package io.ndevid.actors.transport;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * One chunk as a {@link ChunkFilter} sees it: header fields to read, payload bytes to damage, and the means to reseal
 * CRCs so that a damaged chunk looks valid (to test the checks behind the per-chunk CRC). A view over the sender's
 * one chunk buffer, valid only during {@link ChunkFilter#onChunk}.
 */
public final class Chunk {
    private final MutableDirectBuffer buffer;
    private final ByteBuffer view;
    private final CRC32C crc = new CRC32C();
    private boolean resend;
    private int payloadLength;

    Chunk(MutableDirectBuffer buffer, ByteBuffer view) {
        this.buffer = buffer;
        this.view = view;
    }

    void reset(boolean resend, int payloadLength) {
        this.resend = resend;
        this.payloadLength = payloadLength;
    }

    /** False on the first send of a transfer, true on {@code resend}: filters that fault "once" look at this. */
    public boolean isResend() { return resend; }
    public long transferId() { return ChunkHeader.transferId(buffer, 0); }
    public int index() { return ChunkHeader.index(buffer, 0); }
    public int chunkCount() { return ChunkHeader.chunkCount(buffer, 0); }
    public int payloadLength() { return payloadLength; }
    int frameLength() { return ChunkHeader.LENGTH + payloadLength; }

    public byte payloadByte(int i) {
        return buffer.getByte(ChunkHeader.LENGTH + checkIndex(i));
    }

    /** Changes a payload byte; the chunk CRC still describes the old bytes (so the receiver must see corruption). */
    public void setPayloadByte(int i, byte value) {
        buffer.putByte(ChunkHeader.LENGTH + checkIndex(i), value);
    }

    /** Recomputes the payload CRC (and header CRC) over the current bytes: a "consistent" corruption. */
    public void resealPayloadCrc() {
        view.limit(ChunkHeader.LENGTH + payloadLength).position(ChunkHeader.LENGTH);
        crc.reset();
        crc.update(view);
        buffer.putInt(ChunkHeader.PAYLOAD_CRC_OFFSET, (int) crc.getValue(), ByteOrder.LITTLE_ENDIAN);
        ChunkHeader.seal(buffer, 0, view, crc);
    }

    /** Rewrites the chunk index and reseals the header CRC (e.g. to send an out-of-range index). */
    public void setIndex(int index) {
        buffer.putInt(ChunkHeader.INDEX_OFFSET, index, ByteOrder.LITTLE_ENDIAN);
        ChunkHeader.seal(buffer, 0, view, crc);
    }

    /** Changes a header byte without resealing: the receiver must reject the frame. */
    public void damageHeaderByte(int offset) {
        if (offset < 0 || offset >= ChunkHeader.LENGTH) {
            throw new IndexOutOfBoundsException(offset);
        }
        buffer.putByte(offset, (byte) (buffer.getByte(offset) ^ 0x5A));
    }

    void copyTo(byte[] dst) {
        buffer.getBytes(0, dst, 0, frameLength());
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= payloadLength) {
            throw new IndexOutOfBoundsException("payload byte " + i + " of " + payloadLength);
        }
        return i;
    }
}

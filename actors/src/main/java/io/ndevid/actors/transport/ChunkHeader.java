package io.ndevid.actors.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of the 40-byte header in front of every chunk (little-endian, 8-byte aligned fields):
 *
 * <pre>
 *  0  int   magic 'NDT1'             rejects frames that are not ours
 *  4  int   chunkIndex               0 .. chunkCount-1
 *  8  long  transferId               = TensorDescriptor.transferId
 * 16  long  totalLength              payload bytes of the whole tensor
 * 24  int   chunkCount               max(1, ceil(totalLength / chunkSize)); an empty tensor sends one empty chunk
 * 28  int   chunkSize                nominal payload per chunk: chunk i covers [i*chunkSize, min(total, (i+1)*chunkSize))
 * 32  int   payloadCrc32c            CRC32C of this chunk's payload bytes
 * 36  int   headerCrc32c             CRC32C of bytes 0..35: a damaged header can never put bytes at a wrong offset
 * 40        payload
 * </pre>
 *
 * Static helpers only; callers own the buffers.
 */
final class ChunkHeader {
    static final int MAGIC = 0x3154444E; // "NDT1" read as little-endian bytes
    static final int LENGTH = 40;

    static final int MAGIC_OFFSET = 0;
    static final int INDEX_OFFSET = 4;
    static final int TRANSFER_ID_OFFSET = 8;
    static final int TOTAL_LENGTH_OFFSET = 16;
    static final int CHUNK_COUNT_OFFSET = 24;
    static final int CHUNK_SIZE_OFFSET = 28;
    static final int PAYLOAD_CRC_OFFSET = 32;
    static final int HEADER_CRC_OFFSET = 36;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private ChunkHeader() {
    }

    static int chunkCount(long totalLength, int chunkSize) {
        return totalLength == 0 ? 1 : (int) ((totalLength + chunkSize - 1) / chunkSize);
    }

    static int chunkLength(long totalLength, int chunkSize, int index) {
        return (int) Math.min(chunkSize, totalLength - (long) index * chunkSize);
    }

    /** Writes every field but the header CRC; call {@link #seal} after. */
    static void write(MutableDirectBuffer b, int o, long transferId, int index, long totalLength, int chunkCount,
                      int chunkSize, int payloadCrc) {
        b.putInt(o + MAGIC_OFFSET, MAGIC, LE);
        b.putInt(o + INDEX_OFFSET, index, LE);
        b.putLong(o + TRANSFER_ID_OFFSET, transferId, LE);
        b.putLong(o + TOTAL_LENGTH_OFFSET, totalLength, LE);
        b.putInt(o + CHUNK_COUNT_OFFSET, chunkCount, LE);
        b.putInt(o + CHUNK_SIZE_OFFSET, chunkSize, LE);
        b.putInt(o + PAYLOAD_CRC_OFFSET, payloadCrc, LE);
    }

    /**
     * Computes and stores the header CRC. {@code view} is a ByteBuffer over the same memory as {@code b} at index 0
     * (CRC32C reads ByteBuffers); {@code crc} is the caller's reusable instance.
     */
    static void seal(MutableDirectBuffer b, int o, ByteBuffer view, CRC32C crc) {
        b.putInt(o + HEADER_CRC_OFFSET, headerCrc(view, o, crc), LE);
    }

    static int headerCrc(ByteBuffer view, int o, CRC32C crc) {
        view.limit(o + HEADER_CRC_OFFSET).position(o);
        crc.reset();
        crc.update(view);
        return (int) crc.getValue();
    }

    static int magic(DirectBuffer b, int o) { return b.getInt(o + MAGIC_OFFSET, LE); }
    static int index(DirectBuffer b, int o) { return b.getInt(o + INDEX_OFFSET, LE); }
    static long transferId(DirectBuffer b, int o) { return b.getLong(o + TRANSFER_ID_OFFSET, LE); }
    static long totalLength(DirectBuffer b, int o) { return b.getLong(o + TOTAL_LENGTH_OFFSET, LE); }
    static int chunkCount(DirectBuffer b, int o) { return b.getInt(o + CHUNK_COUNT_OFFSET, LE); }
    static int chunkSize(DirectBuffer b, int o) { return b.getInt(o + CHUNK_SIZE_OFFSET, LE); }
    static int payloadCrc(DirectBuffer b, int o) { return b.getInt(o + PAYLOAD_CRC_OFFSET, LE); }
    static int storedHeaderCrc(DirectBuffer b, int o) { return b.getInt(o + HEADER_CRC_OFFSET, LE); }
}

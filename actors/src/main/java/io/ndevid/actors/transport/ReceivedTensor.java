package io.ndevid.actors.transport;

import java.nio.ByteBuffer;

/**
 * A verified tensor: every chunk passed its CRC and the whole payload matches the descriptor's CRC32C.
 *
 * @param descriptor      the descriptor it was checked against
 * @param payload         the bytes, exactly as sent: a direct, 64-byte aligned buffer owned by the caller (Aeron's
 *                        buffers were copied out of), position 0, limit = byteLength, native byte order
 * @param assemblyNanos   first chunk seen → verified (receiver clock)
 * @param duplicateChunks identical duplicate chunks that were ignored
 * @param corruptChunks   chunks dropped for a failed CRC during this transfer (all later resent and verified)
 */
public record ReceivedTensor(TensorDescriptor descriptor, ByteBuffer payload, long assemblyNanos,
                             int duplicateChunks, int corruptChunks) {
}

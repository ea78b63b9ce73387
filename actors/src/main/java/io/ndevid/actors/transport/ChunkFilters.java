package io.ndevid.actors.transport;

import java.util.Arrays;

/** Ready-made {@link ChunkFilter}s for tests. Those named "…OnFirstSend" leave resends alone. */
public final class ChunkFilters {
    private ChunkFilters() {
    }

    /** Drops the given chunk indices on the first send. */
    public static ChunkFilter dropOnFirstSend(int... indices) {
        int[] set = sorted(indices);
        return (chunk, sink) -> {
            if (chunk.isResend() || Arrays.binarySearch(set, chunk.index()) < 0) {
                sink.send();
            }
        };
    }

    /** Sends the given chunk indices twice, identical bytes. */
    public static ChunkFilter duplicate(int... indices) {
        int[] set = sorted(indices);
        return (chunk, sink) -> {
            sink.send();
            if (Arrays.binarySearch(set, chunk.index()) >= 0) {
                sink.send();
            }
        };
    }

    /** Sends the chunk, then a second copy whose first payload byte differs and whose CRC is resealed (valid). */
    public static ChunkFilter conflictingDuplicateOnFirstSend(int index) {
        return (chunk, sink) -> {
            sink.send();
            if (!chunk.isResend() && chunk.index() == index) {
                chunk.setPayloadByte(0, (byte) ~chunk.payloadByte(0));
                chunk.resealPayloadCrc();
                sink.send();
            }
        };
    }

    /** Flips one payload bit of the given chunks on the first send, leaving the CRC stale. */
    public static ChunkFilter corruptOnFirstSend(int... indices) {
        int[] set = sorted(indices);
        return (chunk, sink) -> {
            if (!chunk.isResend() && Arrays.binarySearch(set, chunk.index()) >= 0) {
                int i = chunk.payloadLength() / 2;
                chunk.setPayloadByte(i, (byte) (chunk.payloadByte(i) ^ 0x10));
            }
            sink.send();
        };
    }

    /** Flips one payload bit of a chunk and reseals its CRC on the first send: only the whole-payload CRC can tell. */
    public static ChunkFilter corruptAndResealOnFirstSend(int index) {
        return (chunk, sink) -> {
            if (!chunk.isResend() && chunk.index() == index) {
                int i = chunk.payloadLength() / 2;
                chunk.setPayloadByte(i, (byte) (chunk.payloadByte(i) ^ 0x10));
                chunk.resealPayloadCrc();
            }
            sink.send();
        };
    }

    /** Damages a header byte of the given chunk on the first send (without resealing the header CRC). */
    public static ChunkFilter damageHeaderOnFirstSend(int index, int headerOffset) {
        return (chunk, sink) -> {
            if (!chunk.isResend() && chunk.index() == index) {
                chunk.damageHeaderByte(headerOffset);
            }
            sink.send();
        };
    }

    /** Rewrites the given chunk's index to chunkCount + 5 (header resealed) on the first send. */
    public static ChunkFilter outOfRangeIndexOnFirstSend(int index) {
        return (chunk, sink) -> {
            if (!chunk.isResend() && chunk.index() == index) {
                chunk.setIndex(chunk.chunkCount() + 5);
            }
            sink.send();
        };
    }

    /** Sends every chunk after the last one, in reverse order. */
    public static ChunkFilter reverseOrder() {
        return (chunk, sink) -> sink.defer();
    }

    private static int[] sorted(int[] indices) {
        int[] s = indices.clone();
        Arrays.sort(s);
        return s;
    }
}

package io.ndevid.actors.transport;

/**
 * Fault injection on the sender side, for tests: sees every chunk after its header and CRCs are written and decides
 * what goes on the wire. The default (no filter) offers each chunk once, in order. A filter may
 * <ul>
 *   <li>drop a chunk: return without calling the sink;</li>
 *   <li>duplicate it: call {@link Sink#send()} twice (optionally changing bytes in between);</li>
 *   <li>corrupt it: change bytes through {@link Chunk} before sending, with or without resealing its CRC;</li>
 *   <li>reorder: {@link Sink#defer()} it, deferred chunks go out after the transfer's last chunk, last deferred first.</li>
 * </ul>
 * {@link ChunkFilters} has the usual ones. Production code passes no filter; the unfiltered path avoids the copy a
 * filter needs.
 */
@FunctionalInterface
public interface ChunkFilter {

    void onChunk(Chunk chunk, Sink sink);

    /** Where a filter puts what should go on the wire. */
    interface Sink {
        /** Offers the chunk's current bytes now; may be called more than once. */
        void send();

        /** Keeps a copy of the chunk's current bytes and offers it after the last chunk of this transfer. */
        void defer();
    }
}

package io.ndevid.actors.transport;

import java.util.Arrays;

/**
 * A transfer that did not deliver a verified tensor, and why. Thrown by {@link TensorSender}; the exceptional
 * completion of {@link TensorReceiver#expect}'s future. {@link #missingChunks()} lists the chunks the receiver
 * still needs (for {@link TensorSender#resend(TensorDescriptor, java.nio.ByteBuffer, int[])}); empty means "resend
 * everything" or "not applicable".
 */
public final class TransferException extends RuntimeException {

    /** Why a transfer failed. {@link #retryable} says whether sending again can help. */
    public enum Reason {
        /** Sender: no subscriber appeared on the channel/stream within the connect timeout. */
        NOT_CONNECTED(true),
        /** Sender: a chunk stayed back-pressured (or in admin action) past the back-pressure timeout. */
        BACK_PRESSURE_TIMEOUT(true),
        /** Sender: the publication is closed. */
        PUBLICATION_CLOSED(false),
        /** Sender: the publication reached its maximum position; a new sender (publication) is needed. */
        MAX_POSITION_EXCEEDED(false),
        /** Sender: the payload's CRC no longer matches the descriptor being resent (the buffer was modified). */
        PAYLOAD_CHANGED(false),
        /** Receiver: chunks stopped arriving before the transfer was complete; see missingChunks. */
        LOST_CHUNKS(true),
        /** Receiver: chunks failed their CRC (never written into the result); see missingChunks. */
        CORRUPT_CHUNKS(true),
        /** Receiver: one chunk index arrived twice with different bytes; the whole transfer must be resent. */
        DUPLICATE_CONFLICT(true),
        /** Receiver: a chunk header disagrees with the transfer (index out of range, lengths, sizes). */
        MALFORMED_CHUNK(true),
        /** Receiver: every chunk verified, yet the whole payload's CRC32C differs from the descriptor. */
        PAYLOAD_CRC_MISMATCH(true),
        /** Either side: the descriptor disagrees with the transfer (length, stream) or with the limits. */
        DESCRIPTOR_MISMATCH(false),
        /** Either side: the tensor exceeds the configured limits (max transfer or pending bytes). */
        TOO_LARGE(false),
        /** Receiver: closed or cancelled before the transfer completed. */
        CLOSED(false);

        private final boolean retryable;

        Reason(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Reason reason;
    private final long transferId;
    private final int[] missingChunks;

    public TransferException(Reason reason, long transferId, int[] missingChunks, String message) {
        super(reason + " (transfer " + Long.toUnsignedString(transferId, 16) + "): " + message);
        this.reason = reason;
        this.transferId = transferId;
        this.missingChunks = missingChunks == null ? new int[0] : missingChunks.clone();
    }

    public TransferException(Reason reason, long transferId, String message) {
        this(reason, transferId, null, message);
    }

    public Reason reason() {
        return reason;
    }

    public long transferId() {
        return transferId;
    }

    /** Chunk indices the receiver still needs, ascending; empty = resend everything / not applicable. */
    public int[] missingChunks() {
        return missingChunks.clone();
    }

    public boolean retryable() {
        return reason.retryable();
    }

    /** "3, 7, 9" or "3, 7, 9, … (120 in all)" for messages. */
    static String describeChunks(int[] chunks) {
        if (chunks.length <= 16) {
            String s = Arrays.toString(chunks);
            return s.substring(1, s.length() - 1);
        }
        String s = Arrays.toString(Arrays.copyOf(chunks, 16));
        return s.substring(1, s.length() - 1) + ", … (" + chunks.length + " in all)";
    }
}

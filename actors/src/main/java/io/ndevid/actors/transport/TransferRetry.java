package io.ndevid.actors.transport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The retry loop the actors layer runs: expect a tensor; on a retryable failure ask the sender to resend (the
 * failure names the missing chunks) and expect again, up to {@code maxResends} times. The final failure carries the
 * earlier ones as suppressed exceptions.
 */
public final class TransferRetry {
    private TransferRetry() {
    }

    /**
     * @param resendRequest asks the sender to resend, e.g. tells the sender's actor, or calls
     *                      {@link TensorSender#resend(TensorDescriptor, java.nio.ByteBuffer, int[])} in process;
     *                      runs on {@code executor} (never on the receiver's thread), may block, may throw a
     *                      {@link TransferException} (the sender's failure then counts as this attempt's)
     */
    public static CompletableFuture<ReceivedTensor> receive(TensorReceiver receiver, TensorDescriptor descriptor,
                                                            int maxResends, Consumer<TransferException> resendRequest,
                                                            Executor executor) {
        if (maxResends < 0) {
            throw new IllegalArgumentException("maxResends " + maxResends + " < 0");
        }
        return attempt(receiver, descriptor, maxResends, resendRequest, executor, null);
    }

    private static CompletableFuture<ReceivedTensor> attempt(TensorReceiver receiver, TensorDescriptor d,
                                                             int resendsLeft, Consumer<TransferException> resend,
                                                             Executor executor, TransferException earlier) {
        return receiver.expect(d)
                .handle((r, t) -> t == null ? Outcome.ok(r) : Outcome.failed(unwrap(t, d)))
                .thenComposeAsync(o -> {
                    if (o.tensor != null) {
                        return CompletableFuture.completedFuture(o.tensor);
                    }
                    TransferException failure = o.failure;
                    if (earlier != null) {
                        failure.addSuppressed(earlier);
                    }
                    if (!failure.retryable() || resendsLeft == 0) {
                        return CompletableFuture.failedFuture(failure);
                    }
                    try {
                        resend.accept(failure);
                    } catch (TransferException senderFailure) {
                        senderFailure.addSuppressed(failure);
                        if (!senderFailure.retryable() || resendsLeft == 1) {
                            return CompletableFuture.failedFuture(senderFailure);
                        }
                        // Some chunks may have gone out; expect again and let the receiver say what is missing.
                        return attempt(receiver, d, resendsLeft - 1, resend, executor, senderFailure);
                    }
                    return attempt(receiver, d, resendsLeft - 1, resend, executor, failure);
                }, executor);
    }

    private static TransferException unwrap(Throwable t, TensorDescriptor d) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof TransferException te) {
            return te;
        }
        TransferException te = new TransferException(TransferException.Reason.CLOSED, d.transferId(),
                "receiver failed: " + cause);
        te.initCause(cause);
        return te;
    }

    private record Outcome(ReceivedTensor tensor, TransferException failure) {
        static Outcome ok(ReceivedTensor t) {
            return new Outcome(t, null);
        }

        static Outcome failed(TransferException f) {
            return new Outcome(null, f);
        }
    }
}

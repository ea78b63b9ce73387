package io.ndevid.actors.api;

/**
 * An HTTP API call that did not get an answer about the experiment itself: no or wrong token (401), the server not
 * reachable ({@code status} 0), the coordinator not answering (503), or another unexpected status.
 */
public final class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status, or 0 when no answer came (connection refused, timeout). */
    public int status() {
        return status;
    }
}

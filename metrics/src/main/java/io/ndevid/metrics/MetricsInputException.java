package io.ndevid.metrics;

/**
 * The input to a metric is unusable: wrong shape, NaN/Inf, too few samples, not probabilities, a bad file. The
 * message says what was expected and what was found; the CLI prints it and exits with a usage error code.
 */
public class MetricsInputException extends IllegalArgumentException {

    public MetricsInputException(String message) {
        super(message);
    }

    public MetricsInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

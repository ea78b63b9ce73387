package io.ndevid.metrics.npy;

import io.ndevid.metrics.MetricsInputException;

/** A {@code .npy} file this reader cannot use: not NPY, unsupported dtype/order/rank, truncated. */
public class NpyFormatException extends MetricsInputException {

    public NpyFormatException(String message) {
        super(message);
    }
}

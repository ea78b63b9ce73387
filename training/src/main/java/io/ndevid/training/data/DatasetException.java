package io.ndevid.training.data;

/** A dataset could not be opened or read: a missing path, a bad split file, no readable clip left. */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}

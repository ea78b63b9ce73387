package io.ndevid.metrics.linalg;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Chooses the dense backend once per process. Setting: system property {@code ndevid.metrics.linalg} (or environment
 * variable {@code NDEVID_METRICS_LINALG}) = {@code auto} (default: OpenBLAS, else EJML with a warning),
 * {@code openblas} (fail if it cannot load) or {@code ejml}.
 */
public final class Backends {

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static volatile DenseBackend best;
    private static volatile Throwable openBlasFailure;

    private Backends() {}

    /** The configured backend (OpenBLAS unless it failed to load or {@code ejml} was asked for). */
    public static DenseBackend best() {
        DenseBackend b = best;
        if (b == null) {
            synchronized (Backends.class) {
                b = best;
                if (b == null) {
                    b = choose(setting());
                    best = b;
                }
            }
        }
        return b;
    }

    /** The pure-Java backend. */
    public static DenseBackend ejml() {
        return new EjmlBackend();
    }

    /**
     * The OpenBLAS backend.
     *
     * @throws IllegalStateException if libopenblas cannot be loaded on this platform
     */
    public static DenseBackend openBlas() {
        try {
            return new OpenBlasBackend();
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            openBlasFailure = t;
            throw new IllegalStateException("OpenBLAS (org.bytedeco:openblas) could not be loaded: " + t, t);
        }
    }

    /** Whether OpenBLAS loads here (tries once). */
    public static boolean openBlasAvailable() {
        if (openBlasFailure != null) {
            return false;
        }
        try {
            openBlas();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static String setting() {
        String s = System.getProperty("ndevid.metrics.linalg");
        if (s == null || s.isBlank()) {
            s = System.getenv("NDEVID_METRICS_LINALG");
        }
        return s == null || s.isBlank() ? "auto" : s.trim().toLowerCase(Locale.ROOT);
    }

    private static DenseBackend choose(String setting) {
        switch (setting) {
            case "ejml":
                LOG.info("FID linear algebra: EJML (pure Java), as configured");
                return ejml();
            case "openblas":
                return openBlas();
            case "auto":
                try {
                    return openBlas();
                } catch (IllegalStateException e) {
                    LOG.warn("FID linear algebra: OpenBLAS failed to load ({}); falling back to EJML (pure Java, "
                            + "much slower at d = 4096)", e.getCause() == null ? e.toString() : e.getCause().toString());
                    return ejml();
                }
            default:
                throw new IllegalArgumentException("ndevid.metrics.linalg = '" + setting
                        + "': expected auto, openblas or ejml");
        }
    }
}

package io.ndevid.metrics.fid;

/**
 * A Fréchet distance and how it was obtained.
 *
 * @param fid                   ‖μ1−μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr((Σ1Σ2)^½); may be a rounding-sized negative number
 *                              (≈ −1e-12 · trace) for identical sets, it is not clamped
 * @param meanTerm              ‖μ1−μ2‖²
 * @param trace1                Tr Σ1 (first argument: the real set by convention)
 * @param trace2                Tr Σ2
 * @param traceSqrt             Tr((Σ1Σ2)^½)
 * @param route                 the route taken (never {@link FidRoute#AUTO})
 * @param backend               {@code openblas} or {@code ejml}
 * @param n1                    samples behind Σ1
 * @param n2                    samples behind Σ2
 * @param d                     feature dimension
 * @param clampedEigenvalues    eigenvalues below zero set to zero before the square roots (rounding noise of
 *                              PSD matrices; summed over every eigenproblem on the route)
 * @param mostNegativeEigenvalue the most negative of those (0 if none)
 * @param largestEigenvalue     the largest eigenvalue seen on the route, to judge the clamped ones against
 */
public record FidResult(double fid, double meanTerm, double trace1, double trace2, double traceSqrt, FidRoute route,
                        String backend, long n1, long n2, int d, int clampedEigenvalues,
                        double mostNegativeEigenvalue, double largestEigenvalue) {

    /** The route's name, e.g. {@code nxn-cross-gram-eigh}. */
    public String method() {
        return route.methodName();
    }
}

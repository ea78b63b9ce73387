package io.ndevid.metrics.fid;

/**
 * How Tr((Σ1Σ2)^½) is computed. Each route uses only symmetric eigenvalue problems of positive semi-definite
 * matrices, so no complex numbers arise; eigenvalues that rounding pushes below zero are clamped to 0 and counted
 * in {@link FidResult#clampedEigenvalues()}.
 */
public enum FidRoute {

    /** Pick by shapes: {@link #CROSS_GRAM} when a feature set has fewer samples than dimensions, else the d×d route. */
    AUTO("auto"),

    /**
     * Both sets as features, n × n: with C = X̃₁X̃₂ᵀ / √((n1−1)(n2−1)) (X̃ centred), Σ1Σ2 and CCᵀ share their non-zero
     * eigenvalues, so Tr((Σ1Σ2)^½) = Σ √max(0, eig(CCᵀ)) (the smaller of CCᵀ and CᵀC is used). Cost
     * O(n1·n2·d + min(n)³): the route for n < d.
     */
    CROSS_GRAM("nxn-cross-gram-eigh"),

    /**
     * Real set as statistics, fake set as features (n2 < d): with B = X̃₂ / √(n2−1), Σ2 = BᵀB and
     * Tr((Σ1Σ2)^½) = Σ √max(0, eig(B Σ1 Bᵀ)), an n2 × n2 problem. Cost O(n2·d² + n2³).
     */
    STATS_GRAM("nxn-stats-gram-eigh"),

    /**
     * Both sets as statistics, d × d: Σ1 = V Λ Vᵀ (symmetric eigendecomposition), G = V Λ₊^½ over the kept
     * eigenvalues, then Tr((Σ1^½Σ2Σ1^½)^½) = Σ √max(0, eig(Gᵀ Σ2 G)) (Gᵀ Σ2 G is similar to Σ1^½ Σ2 Σ1^½ restricted to
     * the range of Σ1). Cost O(d³).
     */
    COVARIANCE_EIGEN("dxd-sqrt-eigh");

    private final String methodName;

    FidRoute(String methodName) {
        this.methodName = methodName;
    }

    /** The name recorded in results and printed by the CLI. */
    public String methodName() {
        return methodName;
    }

    /** Parses {@code auto}, {@code gram}/{@code nxn}, {@code eigen}/{@code dxd}, or a {@link #methodName()}. */
    public static FidRoute parse(String s) {
        String k = s.trim().toLowerCase(java.util.Locale.ROOT);
        for (FidRoute r : values()) {
            if (r.methodName.equals(k) || r.name().equalsIgnoreCase(k)) {
                return r;
            }
        }
        return switch (k) {
            case "gram", "nxn" -> CROSS_GRAM;
            case "eigen", "dxd" -> COVARIANCE_EIGEN;
            default -> throw new IllegalArgumentException("unknown FID route '" + s + "': expected auto, nxn or dxd");
        };
    }
}

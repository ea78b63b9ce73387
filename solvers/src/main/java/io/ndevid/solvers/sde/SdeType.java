package io.ndevid.solvers.sde;

/**
 * The stochastic calculus an SDE is written in. The same drift means a different process under each, so a solver
 * must be told which one it integrates: Itô methods (Euler–Maruyama, Milstein) converge to the Itô solution and
 * Stratonovich methods (Heun) to the Stratonovich one. With diagonal noise the two are related by the drift
 * correction μ_strat = μ_ito − ½ σ ∂σ/∂y (element-wise).
 */
public enum SdeType {
    ITO("Itô"),
    STRATONOVICH("Stratonovich");

    private final String label;

    SdeType(String label) {
        this.label = label;
    }

    /** The name as it is written in papers, for messages. */
    public String label() {
        return label;
    }
}

package io.ndevid.solvers.sde;

/** A scalar-per-element SDE whose solution is known in closed form as a function of the Brownian increment. */
interface ExactSde extends Sde {

    /** Y_T for Y_0 = y0 and W_T − W_0 = w over a time T. */
    double exact(double y0, double t, double w);
}

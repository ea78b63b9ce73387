/*
 * A Java port of parts of fdlibm 5.3 (e_log.c, k_sin.c, k_cos.c, e_rem_pio2.c, s_sin.c, s_cos.c), written for
 * ndevid from the published C algorithm. fdlibm carries this notice:
 *
 * ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 */
package io.ndevid.solvers.sde;

/**
 * {@link StrictMath#log}, {@link StrictMath#sin} and {@link StrictMath#cos} with the same result bits for every
 * double input, computed in Java so the JIT compiles and inlines them. {@code StrictMath} specifies fdlibm's
 * results; on JDK 17 it reaches fdlibm's C code through a JNI call per function, which made those three calls most
 * of the cost of {@link BrownianInterval}'s normals (docs: BENCHMARKS.md, "Brownian normals without JNI").
 *
 * <p>Only the inputs the Box–Muller transform of {@link BrownianInterval} produces take the ported path: log of a
 * positive normal double (u = 1 − U lies in [2^-53, 1]) and sine and cosine of θ in [0, 2π] (θ = 2π·U), where the
 * argument reduction needs no more than fdlibm's medium-size path with n ≤ 4. Every other input (zero, subnormal,
 * negative, infinite, NaN, θ outside [0, 2π]) is handed to {@code StrictMath} itself, so the results equal
 * {@code StrictMath}'s everywhere. Java's {@code double} arithmetic is IEEE 754 round-to-nearest without fused
 * multiply-add (strict since Java 17), which is the arithmetic fdlibm's C code is written for.
 *
 * <p>The code follows the C functions step by step (the order of every operation matters for the bits); the
 * constants are fdlibm's, written as the C source writes them, with their bit patterns in the comments.
 */
final class FdlibmMath {

    private FdlibmMath() {}

    // e_log.c
    private static final double LN2_HI = 6.93147180369123816490e-01; // 3fe62e42 fee00000
    private static final double LN2_LO = 1.90821492927058770002e-10; // 3dea39ef 35793c76
    private static final double LG1 = 6.666666666666735130e-01; // 3FE55555 55555593
    private static final double LG2 = 3.999999999940941908e-01; // 3FD99999 9997FA04
    private static final double LG3 = 2.857142874366239149e-01; // 3FD24924 94229359
    private static final double LG4 = 2.222219843214978396e-01; // 3FCC71C5 1D8E78AF
    private static final double LG5 = 1.818357216161805012e-01; // 3FC74664 96CB03DE
    private static final double LG6 = 1.531383769920937332e-01; // 3FC39A09 D078C69F
    private static final double LG7 = 1.479819860511658591e-01; // 3FC2F112 DF3E5244

    // k_sin.c
    private static final double S1 = -1.66666666666666324348e-01; // BFC55555 55555549
    private static final double S2 = 8.33333333332248946124e-03; // 3F811111 1110F8A6
    private static final double S3 = -1.98412698298579493134e-04; // BF2A01A0 19C161D5
    private static final double S4 = 2.75573137070700676789e-06; // 3EC71DE3 57B1FE7D
    private static final double S5 = -2.50507602534068634195e-08; // BE5AE5E6 8A2B9CEB
    private static final double S6 = 1.58969099521155010221e-10; // 3DE5D93A 5ACFD57C

    // k_cos.c
    private static final double C1 = 4.16666666666666019037e-02; // 3FA55555 5555554C
    private static final double C2 = -1.38888888888741095749e-03; // BF56C16C 16C15177
    private static final double C3 = 2.48015872894767294178e-05; // 3EFA01A0 19CB1590
    private static final double C4 = -2.75573143513906633035e-07; // BE927E4F 809C52AD
    private static final double C5 = 2.08757232129817482790e-09; // 3E21EE9E BDB4B1C4
    private static final double C6 = -1.13596475577881948265e-11; // BDA8FAE9 BE8838D4

    // e_rem_pio2.c
    private static final double INVPIO2 = 6.36619772367581382433e-01; // 3FE45F30 6DC9C883
    private static final double PIO2_1 = 1.57079632673412561417e+00; // 3FF921FB 54400000
    private static final double PIO2_1T = 6.07710050650619224932e-11; // 3DD0B461 1A626331
    private static final double PIO2_2 = 6.07710050630396597660e-11; // 3DD0B461 1A600000
    private static final double PIO2_2T = 2.02226624879595063154e-21; // 3BA3198A 2E037073
    private static final double PIO2_3 = 2.02226624871116645580e-21; // 3BA3198A 2E000000
    private static final double PIO2_3T = 8.47842766036889956997e-32; // 397B839A 252049C1
    /** High words of n·π/2 for n = 1..4 (fdlibm's npio2_hw, the entries the domain [0, 2π] reaches). */
    private static final int[] NPIO2_HW = {0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB};

    /** The upper end of the ported sine/cosine domain: 2π as a double (θ = 2π·U with U in [0, 1) stays below). */
    static final double TWO_PI = 2.0 * StrictMath.PI;

    /** {@link StrictMath#log}'s result bits for every x. */
    static double log(double x) {
        return logInDomain(x) ? ieee754Log(x) : StrictMath.log(x);
    }

    /** Whether {@link #log} computes x's logarithm here: x positive, normal and finite. */
    static boolean logInDomain(double x) {
        return x >= Double.MIN_NORMAL && x <= Double.MAX_VALUE;
    }

    /**
     * {@link StrictMath#sin} of x into {@code out[0]} and {@link StrictMath#cos} of x into {@code out[1]}, the same
     * bits for every x, with one argument reduction for both.
     */
    static void sinCos(double x, double[] out) {
        if (sinCosInDomain(x)) {
            sinCosReduced(x, out);
        } else {
            out[0] = StrictMath.sin(x);
            out[1] = StrictMath.cos(x);
        }
    }

    /** Whether {@link #sinCos} computes x's sine and cosine here: 0 ≤ x ≤ 2π (−0 included). */
    static boolean sinCosInDomain(double x) {
        return x >= 0.0 && x <= TWO_PI;
    }

    private static int hi(double x) {
        return (int) (Double.doubleToRawLongBits(x) >>> 32);
    }

    private static double withHi(double x, int high) {
        return Double.longBitsToDouble(((long) high << 32) | (Double.doubleToRawLongBits(x) & 0xFFFFFFFFL));
    }

    /**
     * fdlibm's __ieee754_log for a positive normal finite x (the {@link #logInDomain} inputs: the C function's
     * zero, negative, subnormal, infinite and NaN branches are {@link StrictMath}'s job).
     * Writes x = 2^k·(1 + f) with √2/2 < 1 + f < √2, then log(1 + f) = f − s·(f − R) with s = f/(2 + f) and R a
     * minimax polynomial in s², and adds k·ln2 in two parts.
     */
    static double ieee754Log(double x) {
        int hx = hi(x);
        int k = (hx >> 20) - 1023;
        hx &= 0x000fffff;
        int i = (hx + 0x95f64) & 0x100000;
        x = withHi(x, hx | (i ^ 0x3ff00000)); // normalize x or x/2
        k += i >> 20;
        double f = x - 1.0;
        if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^-20
            if (f == 0.0) {
                if (k == 0) {
                    return 0.0;
                }
                double dk = k;
                return dk * LN2_HI + dk * LN2_LO;
            }
            double r = f * f * (0.5 - 0.33333333333333333 * f);
            if (k == 0) {
                return f - r;
            }
            double dk = k;
            return dk * LN2_HI - ((r - dk * LN2_LO) - f);
        }
        double s = f / (2.0 + f);
        double dk = k;
        double z = s * s;
        i = hx - 0x6147a;
        double w = z * z;
        int j = 0x6b851 - hx;
        double t1 = w * (LG2 + w * (LG4 + w * LG6));
        double t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
        i |= j;
        double r = t2 + t1;
        if (i > 0) {
            double hfsq = 0.5 * f * f;
            if (k == 0) {
                return f - (hfsq - s * (hfsq + r));
            }
            return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
        }
        if (k == 0) {
            return f - s * (f - r);
        }
        return dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
    }

    /**
     * fdlibm's sin and cos (s_sin.c, s_cos.c) for 0 ≤ x ≤ 2π: x = n·π/2 + (y0 + y1) by __ieee754_rem_pio2 (only
     * its n = ±1 and medium-size paths are reached), then the kernels on [−π/4, π/4] chosen by n mod 4.
     */
    static void sinCosReduced(double x, double[] out) {
        int ix = hi(x) & 0x7fffffff;
        if (ix <= 0x3fe921fb) { // |x| ≤ ~π/4: no reduction
            out[0] = kernelSin(x, 0.0, false);
            out[1] = kernelCos(x, 0.0);
            return;
        }
        int n;
        double y0;
        double y1;
        if (ix < 0x4002d97c) { // x < 3π/4: n = 1
            double z = x - PIO2_1;
            if (ix != 0x3ff921fb) { // 33 + 53 bits of π/2 are enough
                y0 = z - PIO2_1T;
                y1 = (z - y0) - PIO2_1T;
            } else { // near π/2: 33 + 33 + 53 bits
                z -= PIO2_2;
                y0 = z - PIO2_2T;
                y1 = (z - y0) - PIO2_2T;
            }
            n = 1;
        } else { // medium size (x ≥ 0, so |x| = x and n ≥ 1)
            double t = x;
            n = (int) (t * INVPIO2 + 0.5);
            double fn = n;
            double r = t - fn * PIO2_1;
            double w = fn * PIO2_1T; // first round, good to 85 bits
            y0 = r - w;
            if (ix == NPIO2_HW[n - 1]) { // possible cancellation: check the exponent lost
                int j = ix >> 20;
                int i = j - ((hi(y0) >> 20) & 0x7ff);
                if (i > 16) { // second round, good to 118 bits
                    t = r;
                    w = fn * PIO2_2;
                    r = t - w;
                    w = fn * PIO2_2T - ((t - r) - w);
                    y0 = r - w;
                    i = j - ((hi(y0) >> 20) & 0x7ff);
                    if (i > 49) { // third round, 151 bits
                        t = r;
                        w = fn * PIO2_3;
                        r = t - w;
                        w = fn * PIO2_3T - ((t - r) - w);
                        y0 = r - w;
                    }
                }
            }
            y1 = (r - y0) - w;
        }
        switch (n & 3) {
            case 0 -> {
                out[0] = kernelSin(y0, y1, true);
                out[1] = kernelCos(y0, y1);
            }
            case 1 -> {
                out[0] = kernelCos(y0, y1);
                out[1] = -kernelSin(y0, y1, true);
            }
            case 2 -> {
                out[0] = -kernelSin(y0, y1, true);
                out[1] = -kernelCos(y0, y1);
            }
            default -> {
                out[0] = -kernelCos(y0, y1);
                out[1] = kernelSin(y0, y1, true);
            }
        }
    }

    /** fdlibm's __kernel_sin on [−π/4, π/4]: x + y the argument, y its tail (used when {@code hasTail}). */
    private static double kernelSin(double x, double y, boolean hasTail) {
        int ix = hi(x) & 0x7fffffff;
        if (ix < 0x3e400000 && (int) x == 0) { // |x| < 2^-27
            return x;
        }
        double z = x * x;
        double v = z * x;
        double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
        if (!hasTail) {
            return x + v * (S1 + z * r);
        }
        return x - ((z * (0.5 * y - v * r) - y) - v * S1);
    }

    /** fdlibm's __kernel_cos on [−π/4, π/4]: x + y the argument, y its tail. */
    private static double kernelCos(double x, double y) {
        int ix = hi(x) & 0x7fffffff;
        if (ix < 0x3e400000 && (int) x == 0) { // |x| < 2^-27
            return 1.0;
        }
        double z = x * x;
        double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
        if (ix < 0x3FD33333) { // |x| < 0.3
            return 1.0 - (0.5 * z - (z * r - x * y));
        }
        double qx = ix > 0x3fe90000 ? 0.28125 // |x| > 0.78125
                : Double.longBitsToDouble((long) (ix - 0x00200000) << 32); // |x|/4, low word 0
        double hz = 0.5 * z - qx;
        double a = 1.0 - qx;
        return a - (hz - (z * r - x * y));
    }
}

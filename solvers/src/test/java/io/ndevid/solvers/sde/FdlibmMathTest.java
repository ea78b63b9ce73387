package io.ndevid.solvers.sde;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link FdlibmMath} returns {@link StrictMath}'s bits: the normals' draws, the branch edges, the fallback inputs. */
class FdlibmMathTest {

    private static final double ULP_53 = 0x1p-53;

    @Test
    void boxMullerDrawsMatchStrictMath() {
        checkDraws(0x5DEECE66DL, 10_000_000);
    }

    @Tag("slow")
    @Test
    void boxMullerDrawsMatchStrictMathLongSweep() {
        for (long seed = 1; seed <= 20; seed++) {
            checkDraws(BrownianInterval.nodeSeed(seed, seed, (int) seed, seed), 20_000_000);
        }
    }

    /** Draws exactly as BrownianInterval's normals: u1 = 1 − U in (0, 1], θ = 2π·U' in [0, 2π). */
    private static void checkDraws(long seed, int pairs) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] sc = new double[2];
        for (int i = 0; i < pairs; i++) {
            double u1 = 1.0 - r.nextDouble();
            double u2 = r.nextDouble();
            double theta = 2.0 * StrictMath.PI * u2;
            if (!FdlibmMath.logInDomain(u1) || !FdlibmMath.sinCosInDomain(theta)) {
                fail("draw " + i + " outside the ported domain: u1 = " + u1 + ", theta = " + theta);
            }
            same("log", u1, StrictMath.log(u1), FdlibmMath.ieee754Log(u1));
            FdlibmMath.sinCosReduced(theta, sc);
            same("sin", theta, StrictMath.sin(theta), sc[0]);
            same("cos", theta, StrictMath.cos(theta), sc[1]);
        }
    }

    @Test
    void logEdgesAndSweeps() {
        List<Double> xs = new ArrayList<>(List.of(1.0, ULP_53, 2 * ULP_53, 3 * ULP_53, 1.0 - ULP_53, 1.0 - 2 * ULP_53,
                0.5, Math.nextUp(0.5), Math.nextDown(0.5), 0.25, Math.sqrt(0.5), Math.E, 2.0, 1e300,
                Double.MIN_NORMAL, Math.nextUp(Double.MIN_NORMAL), Double.MAX_VALUE, Math.nextUp(1.0)));
        for (long k = 1; k <= 200_000; k++) {
            xs.add(k * ULP_53);             // the smallest u
            xs.add(1.0 - k * ULP_53);       // u next to 1: |f| < 2^-20, the short polynomial
            xs.add(1.0 - (k + (1L << 33) - 100_000) * ULP_53); // around |f| = 2^-20 below 1
            xs.add(Math.sqrt(0.5) + (k - 100_000) * ULP_53);   // around the √2/2 normalisation edge
        }
        // Around the high-word thresholds 0x6147a and 0x6b851 that choose the two forms of the final sum, in [0.5, 1)
        // and in [2^-30, 2^-29).
        for (int exponent : new int[] {0x3fe, 0x3e1}) {
            for (int mant : new int[] {0x6147a, 0x6b851, 0x100000 - 0x95f64}) {
                for (int d = -2; d <= 2; d++) {
                    long hi = ((long) exponent << 20) | (mant + d);
                    for (long lo : new long[] {0, 1, 0x7fffffffL, 0xfffffffeL, 0xffffffffL}) {
                        xs.add(Double.longBitsToDouble(hi << 32 | lo));
                    }
                }
            }
        }
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < 1_000_000; i++) { // any positive normal double
            xs.add(Double.longBitsToDouble(r.nextLong(Double.doubleToRawLongBits(Double.MIN_NORMAL),
                    Double.doubleToRawLongBits(Double.MAX_VALUE) + 1)));
        }
        for (double x : xs) {
            assertTrue(FdlibmMath.logInDomain(x), () -> x + " should take the ported path");
            same("log", x, StrictMath.log(x), FdlibmMath.log(x));
        }
    }

    @Test
    void logFallbackInputs() {
        double[] xs = {0.0, -0.0, Double.MIN_VALUE, Math.nextDown(Double.MIN_NORMAL), 1e-310, -1.0, -Double.MIN_VALUE,
            -Double.MIN_NORMAL, Double.NaN, Double.longBitsToDouble(0x7ff8_0000_dead_beefL),
            Double.longBitsToDouble(0xfff0_0000_0000_0001L), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (double x : xs) {
            assertFalse(FdlibmMath.logInDomain(x), () -> x + " should go to StrictMath");
            same("log", x, StrictMath.log(x), FdlibmMath.log(x));
        }
    }

    @Test
    void sinCosEdgesAndSweeps() {
        List<Double> xs = new ArrayList<>(List.of(0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 1e-310, 0x1p-27,
                Math.nextDown(0x1p-27), 0.3, 0.78125, FdlibmMath.TWO_PI, Math.nextDown(FdlibmMath.TWO_PI),
                2.0 * StrictMath.PI * Math.nextDown(1.0)));
        for (int k = 1; k <= 8; k++) { // ±20,000 ulps around every multiple of π/4 up to 2π
            double c = k * (Math.PI / 4);
            double up = c;
            double down = c;
            xs.add(c);
            for (int i = 0; i < 20_000; i++) {
                up = Math.nextUp(up);
                down = Math.nextDown(down);
                xs.add(up);
                if (down >= 0) {
                    xs.add(down);
                }
            }
        }
        // Both ends of every high word the code compares against: |x| < 2^-27, 0.3, 0.78125, π/4, the n = 1 special
        // case and its 3π/4 end, and the multiples of π/2 whose high words trigger a second or third round.
        int[] his = {0x3e400000, 0x3FD33333, 0x3fe90000, 0x3fe921fb, 0x3fe921fc, 0x3ff921fb, 0x4002d97c, 0x4002d97b,
            0x400921fb, 0x4012D97C, 0x401921FB};
        for (int hi : his) {
            for (long lo = 0; lo < 2_000; lo++) {
                xs.add(Double.longBitsToDouble((long) hi << 32 | lo));
                xs.add(Double.longBitsToDouble((long) hi << 32 | (0xffffffffL - lo)));
                xs.add(Double.longBitsToDouble((long) (hi - 1) << 32 | (0xffffffffL - lo)));
            }
        }
        SplittableRandom r = new SplittableRandom(23);
        for (int i = 0; i < 1_000_000; i++) { // log-uniform in [2^-40, 2π]: the small arguments too
            xs.add(FdlibmMath.TWO_PI * Math.scalb(1.0 + r.nextDouble(), -r.nextInt(1, 43)));
        }
        double[] sc = new double[2];
        for (double x : xs) {
            if (x > FdlibmMath.TWO_PI) {
                continue;
            }
            assertTrue(FdlibmMath.sinCosInDomain(x), () -> x + " should take the ported path");
            FdlibmMath.sinCos(x, sc);
            same("sin", x, StrictMath.sin(x), sc[0]);
            same("cos", x, StrictMath.cos(x), sc[1]);
        }
    }

    @Test
    void sinCosFallbackInputs() {
        double[] xs = {Math.nextUp(FdlibmMath.TWO_PI), 7.0, -Double.MIN_VALUE, -1e-300, -1.0, -Math.PI,
            -FdlibmMath.TWO_PI, 1e6, 1e22, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY};
        double[] sc = new double[2];
        for (double x : xs) {
            assertFalse(FdlibmMath.sinCosInDomain(x), () -> x + " should go to StrictMath");
            FdlibmMath.sinCos(x, sc);
            same("sin", x, StrictMath.sin(x), sc[0]);
            same("cos", x, StrictMath.cos(x), sc[1]);
        }
    }

    private static void same(String f, double x, double expected, double actual) {
        if (Double.doubleToRawLongBits(expected) != Double.doubleToRawLongBits(actual)) {
            fail(f + "(" + x + " = 0x" + Long.toHexString(Double.doubleToRawLongBits(x)) + "): StrictMath "
                    + expected + " (0x" + Long.toHexString(Double.doubleToRawLongBits(expected)) + "), port " + actual
                    + " (0x" + Long.toHexString(Double.doubleToRawLongBits(actual)) + ")");
        }
    }
}

package io.ndevid.training.testing.cycle.c;

/** Fixture for PackageCyclesTest (see A): the reference back to a is a fully qualified call, no import. */
public final class C {
    public static int size() {
        return io.ndevid.training.testing.cycle.a.A.class.getName().length();
    }
}

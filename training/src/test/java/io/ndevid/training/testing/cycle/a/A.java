package io.ndevid.training.testing.cycle.a;

import io.ndevid.training.testing.cycle.b.B;

/** Fixture for PackageCyclesTest: a → b → c → a, one reference each (a field, a method signature, a call). */
public final class A {
    B b;
}

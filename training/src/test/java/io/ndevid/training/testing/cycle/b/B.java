package io.ndevid.training.testing.cycle.b;

import io.ndevid.training.testing.cycle.c.C;

/** Fixture for PackageCyclesTest (see A). */
public final class B {
    public C make() {
        return null;
    }
}

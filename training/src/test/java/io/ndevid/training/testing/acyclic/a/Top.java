package io.ndevid.training.testing.acyclic.a;

import io.ndevid.training.testing.acyclic.b.Bottom;

import java.util.List;

/** Fixture for PackageCyclesTest: a → b only (through a generic signature). */
public final class Top {
    public List<Bottom> bottoms;
}

package io.ndevid.training.testing.acyclic.b;

/** Fixture for PackageCyclesTest: depends on nothing. */
public final class Bottom {}

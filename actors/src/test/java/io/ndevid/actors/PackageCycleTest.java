package io.ndevid.actors;

import io.ndevid.training.testing.PackageCycles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * No package of this module's main classes depends, directly or through others, on a package that depends back on
 * it (read from the compiled classes, so a fully qualified name counts as much as an import).
 */
class PackageCycleTest {

    @Test
    void noPackageCycles() {
        PackageCycles graph = PackageCycles.ofModuleOf(CborSerializable.class, "io.ndevid");
        assertEquals(List.of(), graph.cycles(), "package cycles among " + graph.edges().keySet());
    }
}

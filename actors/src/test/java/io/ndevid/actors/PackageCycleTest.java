package io.ndevid.actors;

import io.ndevid.training.testing.PackageCycles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No package of this module's main classes depends, directly or through others, on a package that depends back on
 * it (read from the compiled classes, so a fully qualified name counts as much as an import).
 */
class PackageCycleTest {

    @Test
    void noPackageCycles() throws Exception {
        Path classes = Path.of(CborSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        PackageCycles graph = PackageCycles.scan(classes, "io.ndevid");
        assertTrue(graph.edges().containsKey("io.ndevid.actors.coordinator"), "scanned " + graph.edges().keySet());
        assertEquals(List.of(), graph.cycles(), "package cycles in " + classes);
    }
}

package io.ndevid.training.testing;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The checker behind every module's package-cycle test, on fixture packages with and without a cycle. */
class PackageCyclesTest {

    private static Path testClasses() throws URISyntaxException {
        return Path.of(PackageCyclesTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void findsACycleThroughAFieldASignatureAndAQualifiedName() throws Exception {
        String root = "io.ndevid.training.testing.cycle";
        PackageCycles graph = PackageCycles.scan(testClasses(), root);
        assertEquals(Map.of(root + ".a", Set.of(root + ".b"), root + ".b", Set.of(root + ".c"),
                root + ".c", Set.of(root + ".a")), graph.edges());
        assertEquals(List.of(root + ".a → " + root + ".b → " + root + ".c → " + root + ".a"), graph.cycles());
    }

    @Test
    void noCycleInALayeredGraph() throws Exception {
        String root = "io.ndevid.training.testing.acyclic";
        PackageCycles graph = PackageCycles.scan(testClasses(), root);
        assertEquals(Map.of(root + ".a", Set.of(root + ".b"), root + ".b", Set.of()), graph.edges());
        assertEquals(List.of(), graph.cycles());
    }
}

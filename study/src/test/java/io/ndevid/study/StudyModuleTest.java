package io.ndevid.study;

import io.ndevid.training.testing.PackageCycles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The study module's two structural rules: no Akka on its class path, and no package cycles. */
class StudyModuleTest {

    @Test
    void akkaIsNotOnTheClassPath() {
        for (String c : List.of("akka.actor.typed.ActorRef", "akka.actor.ActorSystem", "akka.http.javadsl.Http")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(c), c + " is on the study's class path");
        }
    }

    @Test
    void noPackageCycles() {
        PackageCycles graph = PackageCycles.ofModuleOf(GridSpec.class, "io.ndevid.study");
        assertEquals(List.of(), graph.cycles(), "package cycles among " + graph.edges().keySet());
    }
}

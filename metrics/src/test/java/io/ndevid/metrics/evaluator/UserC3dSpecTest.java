package io.ndevid.metrics.evaluator;

import io.ndevid.metrics.MetricsInputException;
import io.ndevid.metrics.c3d.C3dDropout;
import io.ndevid.metrics.c3d.C3dPreprocessing;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserC3dSpecTest {

    @Test
    void defaultsAreTheAuthorsRouteWithDropoutOff() {
        UserC3dSpec s = UserC3dSpec.parse("c3d=w.npz,mean=m.npz");
        assertEquals(new UserC3dSpec(Path.of("w.npz"), Path.of("m.npz"), C3dPreprocessing.Route.AUTHORS,
                C3dDropout.off()), s);
        assertEquals("c3d=w.npz,mean=m.npz,route=authors,dropout=off", s.format());
        assertEquals(s, UserC3dSpec.parse(s.format()));
    }

    @Test
    void everySettingCanBeSpeltOutAndRoundTrips() {
        UserC3dSpec s = UserC3dSpec.parse("c3d=a/w.params,mean=b/m.npz,route=tgan2,dropout=authors:42");
        assertEquals(C3dPreprocessing.Route.TGAN2, s.route());
        assertEquals(C3dDropout.authors(42), s.dropout());
        assertEquals(s, UserC3dSpec.parse(s.format()));
        assertEquals(C3dDropout.authors(0), UserC3dSpec.parse("c3d=w,mean=m,dropout=authors").dropout());
        UserC3dSpec abs = s.absolute();
        assertTrue(abs.weights().isAbsolute() && abs.mean().isAbsolute());
        assertEquals(Path.of("b/m.npz").toAbsolutePath().normalize(), abs.mean());
        assertTrue(UserC3dSpec.names("c3d=x") && !UserC3dSpec.names("synthetic"));
    }

    @Test
    void badValuesAreOneLineMessagesNamingWhatIsMissing() {
        String noMean = message("c3d=w.npz");
        assertTrue(noMean.contains("the C3D mean clip is missing — add ,mean=FILE")
                && noMean.contains("(3, 16, 128, 171)") && noMean.contains("evaluation/mean2.npz"), noMean);
        assertTrue(message("c3d=w,mean=m,route=tgan").contains("unknown C3D preprocessing route 'tgan' (known: "
                + "authors, tgan2)"));
        assertTrue(message("c3d=w,mean=m,dropout=on").contains("dropout must be off, authors or authors:SEED"));
        assertTrue(message("c3d=w,mean=m,dropout=authors:x").contains("got 'authors:x'"));
        assertTrue(message("c3d=w,mean=m,std=sample").contains("unknown key 'std'"));
        assertTrue(message("c3d=w,mean=m,mean=n").contains("'mean' given twice"));
        assertTrue(message("c3d=w,mean=").contains("'mean=' needs a value"));
        assertTrue(message("inception").contains("expected synthetic or " + UserC3dSpec.FORMAT));
        for (String bad : new String[] {"c3d=w", "c3d=w,mean=m,route=x", "inception"}) {
            assertFalse(message(bad).contains("\n"), "one line: " + message(bad));
        }
    }

    private static String message(String value) {
        return assertThrows(MetricsInputException.class, () -> UserC3dSpec.parse(value)).getMessage();
    }
}

package io.ndevid.study.stats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Debian's python3 with numpy and scipy, for the statistics' cross-checks; a test is skipped without them. */
final class Python {

    private Python() {}

    /** What {@code script} printed (it must exit 0). */
    static String run(String script) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "/usr/bin/python3 is not installed: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() == 0 || !out.contains("ModuleNotFoundError"),
                "python3 lacks numpy or scipy: " + out.strip());
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}

package io.ndevid.actors.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The child processes' logs, for a failure message of a multi-process test. */
public final class ProcessLogs {

    private ProcessLogs() {}

    /** The last 40 lines of every file under {@code logsDir}, each headed by its path. */
    public static String tail(Path logsDir) {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> files = Files.walk(logsDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                List<String> lines = Files.readAllLines(f);
                b.append("==== ").append(f).append('\n');
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> b.append(l).append('\n'));
            }
        } catch (IOException e) {
            b.append("(no logs: ").append(e.getMessage()).append(")");
        }
        return b.toString();
    }
}

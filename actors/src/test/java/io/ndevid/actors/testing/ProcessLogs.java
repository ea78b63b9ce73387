package io.ndevid.actors.testing;

import io.ndevid.actors.api.ExperimentClient;
import io.ndevid.study.experiment.ExperimentStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
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

    /**
     * The experiment's final status, polled every 500 ms for up to {@code timeout}; if it does not finish, an
     * AssertionError carrying the child processes' logs ({@link #tail}).
     */
    public static ExperimentStatus awaitCompletion(ExperimentClient client, String experimentId, Duration timeout,
                                                   Path logsDir) throws InterruptedException {
        try {
            return client.awaitCompletion(experimentId, Duration.ofMillis(500), timeout).toCompletableFuture().get();
        } catch (ExecutionException | RuntimeException e) {
            throw new AssertionError("did not finish: " + e.getMessage() + "\n" + tail(logsDir), e);
        }
    }
}

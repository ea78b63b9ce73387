package io.ndevid.actors.coordinator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.report.Renderer;
import io.ndevid.study.report.StudyReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Writes a finished experiment's results into its folder: {@code results.json} (the final status) at once, then —
 * on its own thread, so the coordinator never blocks on rendering — {@link StudyReport}'s tables and report, with the
 * renderer it was handed. Requests for an experiment whose report is already queued are folded into that one.
 */
final class ResultsPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultsPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String STATUS_FILE = "results.json";
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final Renderer renderer;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ndevid-results");
        t.setDaemon(true);
        return t;
    });
    private final Set<Path> queued = ConcurrentHashMap.newKeySet();

    ResultsPublisher(Renderer renderer) {
        this.renderer = renderer;
    }

    /** Writes {@code results.json} now and queues the tables and report. */
    void finished(Path expDir, ExperimentStatus status) {
        try {
            Path tmp = expDir.resolve(STATUS_FILE + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(status));
            Files.move(tmp, expDir.resolve(STATUS_FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot write results of {}: {}", status.id(), e.getMessage());
        }
        report(expDir);
    }

    /** Queues the tables and report of the experiment in {@code expDir}. */
    void report(Path expDir) {
        if (!queued.add(expDir)) {
            return;
        }
        thread.execute(() -> {
            queued.remove(expDir);
            StringWriter notes = new StringWriter();
            try (PrintWriter log = new PrintWriter(notes)) {
                StudyReport.Written w = StudyReport.write(expDir, renderer, log);
                LOG.info("experiment {}: wrote {}, {}, {}", expDir.getFileName(), w.markdown().getFileName(),
                        w.csv().getFileName(), w.html().getFileName());
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot write the results tables or report of {}: {}", expDir, e.toString());
            }
            if (!notes.toString().isBlank()) {
                LOG.warn("report of {}:{}{}", expDir.getFileName(), System.lineSeparator(), notes.toString().strip());
            }
        });
    }

    /**
     * Stops taking requests and waits (up to {@value #CLOSE_WAIT_SECONDS} s) until the reports already queued are
     * written, so that a stopped coordinator leaves no writer behind in its data folder.
     */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("results reports still being written after {} s; left to finish on their own thread",
                        CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.ndevid.actors.coordinator;

import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.training.run.EpochFence;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.study.experiment.TrialState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a (re)started coordinator finds in its data directory: every experiment folder with a journal, replayed —
 * readable ones with the trials the journal shows RUNNING (to be reclaimed by their trainers or re-queued), and
 * unreadable ones with the reason. Plain Java: the coordinator adopts the result.
 */
final class Recovery {

    /** A RUNNING trial of a recovered experiment, on the slot the journal last assigned it to. */
    record Running(String experimentId, String trial, SlotInfo slot) {}

    /**
     * @param experiments readable journals (open for appending), by experiment id, in folder-name order
     * @param unreadable  why each unreadable experiment cannot be recovered
     * @param running     trials to reclaim
     * @param recovered   one line per recovered experiment, for the coordinator's log
     * @param errors      one line per experiment (or data directory) that cannot be read
     */
    record Recovered(Map<String, ExperimentJournal> experiments, Map<String, String> unreadable, List<Running> running,
                     List<String> recovered, List<String> errors) {}

    private Recovery() {}

    /** Replays every journal under {@code dataDir} (none: an empty result), unfenced. */
    static Recovered recover(Path dataDir) {
        return recover(dataDir, null);
    }

    /** Replays every journal under {@code dataDir}, each opened for appending under {@code fence} (null: none). */
    static Recovered recover(Path dataDir, EpochFence fence) {
        Map<String, ExperimentJournal> experiments = new LinkedHashMap<>();
        Map<String, String> unreadable = new LinkedHashMap<>();
        List<Running> running = new ArrayList<>();
        List<String> log = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        if (!Files.isDirectory(dataDir)) {
            return new Recovered(experiments, unreadable, running, log, errors);
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(dataDir)) {
            dirs = s.filter(d -> Files.isRegularFile(ExperimentJournal.fileIn(d))).sorted().toList();
        } catch (IOException e) {
            errors.add("cannot list experiments in " + dataDir + ": " + e.getMessage());
            return new Recovered(experiments, unreadable, running, log, errors);
        }
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            try {
                ExperimentJournal j = ExperimentJournal.open(dir, fence);
                experiments.put(id, j);
                int reclaim = 0;
                for (TrialRecord t : j.state().trials().values()) {
                    if (t.state() == TrialState.RUNNING) {
                        running.add(new Running(id, t.name(), t.current().slot()));
                        reclaim++;
                    }
                }
                log.add("recovered experiment " + id + " from " + j.replayed() + " journal events: "
                        + j.state().counts() + " (" + reclaim + " to reclaim)");
            } catch (RuntimeException e) {
                unreadable.put(id, e.getMessage());
                errors.add("experiment " + id + " cannot be recovered: " + e.getMessage());
            }
        }
        return new Recovered(experiments, unreadable, running, log, errors);
    }
}

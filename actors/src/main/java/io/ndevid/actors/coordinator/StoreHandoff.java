package io.ndevid.actors.coordinator;

import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.study.experiment.TrialState;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * How a finished trial's final checkpoint reaches the experiment store: the trainer shipped it over Aeron and the
 * store acknowledged it (the stored copy is final), or a store copies it from the shared run folder, or nothing is
 * kept (a trial that did not complete). Plain Java: the coordinator sends what {@link #afterEnd} decides.
 */
final class StoreHandoff {

    /** What to do once an attempt's end is journaled. */
    sealed interface Action {}

    /** The store already holds the final checkpoint at {@code path} (shipped by the trainer). */
    record AlreadyStored(String path, long iteration) implements Action {}

    /** Ask a store to copy the final checkpoint out of {@code runDir}. */
    record Export(String runDir) implements Action {}

    /** Nothing to store. */
    enum Nothing implements Action { INSTANCE }

    private StoreHandoff() {}

    /**
     * @param after            the trial once the end is journaled
     * @param storedCheckpoint where the store put the checkpoint the trainer shipped, or null
     * @param storeKnown       whether a store is listed (nothing is exported without one)
     */
    static Action afterEnd(Outcome outcome, TrialRecord after, long iterations, String storedCheckpoint,
                           boolean storeKnown) {
        if (after.state() != TrialState.TERMINATED) {
            return Nothing.INSTANCE;
        }
        if (outcome.isResult() && storedCheckpoint != null) {
            return new AlreadyStored(storedCheckpoint, iterations);
        }
        if (outcome == Outcome.COMPLETED && storeKnown) {
            return new Export(after.result().runDir());
        }
        return Nothing.INSTANCE;
    }

    /** The stored final checkpoint of a TERMINATED trial, or null (not terminated, or not stored yet). */
    static String storedCheckpoint(Path dataDir, String experimentId, TrialRecord t) {
        if (t.state() != TrialState.TERMINATED) {
            return null;
        }
        Path p = CheckpointActor.storedPath(dataDir, experimentId, t.name());
        return Files.isRegularFile(p) ? p.toString() : null;
    }

    /**
     * The names of the files in an experiment's checkpoint store, for {@link #storedCheckpoint}: one listing for a
     * whole status instead of one file lookup per trial (thousands in a large grid; a page of a status looks its few
     * trials up one by one).
     */
    static Set<String> storedFiles(Path dataDir, String experimentId) {
        Path dir = CheckpointActor.storedDir(dataDir, experimentId);
        Set<String> names = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        } catch (IOException | DirectoryIteratorException e) {
            return Set.of(); // nothing stored yet, or unreadable: none shown as stored (as a failed lookup would)
        }
        return names;
    }

    /**
     * The stored final checkpoint of a TERMINATED trial, or null (not terminated, or not stored yet), given the
     * store's {@link #storedFiles}.
     */
    static String storedCheckpoint(Path dataDir, String experimentId, TrialRecord t, Set<String> storedFiles) {
        if (t.state() != TrialState.TERMINATED) {
            return null;
        }
        Path p = CheckpointActor.storedPath(dataDir, experimentId, t.name());
        return storedFiles.contains(p.getFileName().toString()) ? p.toString() : null;
    }
}

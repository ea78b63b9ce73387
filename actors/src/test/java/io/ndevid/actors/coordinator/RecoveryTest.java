package io.ndevid.actors.coordinator;

import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a restarted coordinator finds: running trials to reclaim, finished experiments, unreadable journals. */
class RecoveryTest {

    @TempDir
    Path dir;

    @Test
    void recoversJournalsWithTheirRunningTrialsAndNamesTheUnreadable() throws Exception {
        SlotInfo slot = new SlotInfo("node", 1, 42, "cpu");
        var grid = TestSpecs.grid("running", 1, 20, 5, 1);
        try (ExperimentJournal j = ExperimentJournal.create(dir.resolve("running"), new JournalEvent.Submitted(
                "running", grid, grid.expand(), "2026-01-01T00:00:00Z"))) {
            j.record(new JournalEvent.Assigned("tgan-ode1-linear-s0", 1, slot, "2026-01-01T00:00:01Z"));
            j.record(new JournalEvent.Assigned("tgan-ode2-linear-s0", 1, slot, "2026-01-01T00:00:01Z"));
            j.record(new JournalEvent.Ended("tgan-ode2-linear-s0", 1, Outcome.COMPLETED, 20, "", Map.of(), Map.of(),
                    "/x", "2026-01-01T00:00:02Z"));
        }
        Files.createDirectories(dir.resolve("broken"));
        Files.writeString(dir.resolve("broken").resolve("journal.jsonl"), "{\"type\":\"started\"}\n");
        Files.createDirectories(dir.resolve("not-an-experiment"));

        Recovery.Recovered r = Recovery.recover(dir);
        try {
            assertEquals(List.of("running"), List.copyOf(r.experiments().keySet()));
            assertEquals(ExperimentState.Phase.RUNNING, r.experiments().get("running").state().phase());
            assertEquals(List.of(new Recovery.Running("running", "tgan-ode1-linear-s0", slot)), r.running());
            assertEquals(List.of("broken"), List.copyOf(r.unreadable().keySet()));
            assertTrue(r.unreadable().get("broken").contains("does not start with a submitted event"),
                    r.unreadable().toString());
            assertEquals(1, r.recovered().size());
            assertTrue(r.recovered().get(0).contains("(1 to reclaim)"), r.recovered().toString());
            assertEquals(1, r.errors().size());
        } finally {
            r.experiments().values().forEach(ExperimentJournal::close);
        }
    }

    @Test
    void aMissingDataDirectoryIsEmpty() {
        Recovery.Recovered r = Recovery.recover(dir.resolve("nothing-yet"));
        assertTrue(r.experiments().isEmpty() && r.unreadable().isEmpty() && r.running().isEmpty()
                && r.errors().isEmpty());
    }
}

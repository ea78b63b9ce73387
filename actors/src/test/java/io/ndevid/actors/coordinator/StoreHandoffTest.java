package io.ndevid.actors.coordinator;

import io.ndevid.actors.checkpoint.CheckpointActor;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialRecord;
import io.ndevid.study.experiment.TrialResult;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** How a finished trial's checkpoint reaches the store, decided without an actor. */
class StoreHandoffTest {

    @TempDir
    Path dir;

    private static TrialRecord trial(TrialState state, Outcome outcome) {
        return new TrialRecord(TestSpecs.trial("a", 20, 5), state, 1, 0, false, false, List.of(),
                new TrialResult(outcome, 20, "", Map.of(), Map.of(), "/runs/a"));
    }

    @Test
    void shippedCheckpointsAreFinalCompletedOnesAreExportedTheRestStayPut() {
        assertEquals(new StoreHandoff.AlreadyStored("/store/a.ckpt", 20), StoreHandoff.afterEnd(Outcome.COMPLETED,
                trial(TrialState.TERMINATED, Outcome.COMPLETED), 20, "/store/a.ckpt", true));
        assertEquals(new StoreHandoff.AlreadyStored("/store/a.ckpt", 7), StoreHandoff.afterEnd(Outcome.DIVERGED,
                trial(TrialState.TERMINATED, Outcome.DIVERGED), 7, "/store/a.ckpt", false));
        assertEquals(new StoreHandoff.Export("/runs/a"), StoreHandoff.afterEnd(Outcome.COMPLETED,
                trial(TrialState.TERMINATED, Outcome.COMPLETED), 20, null, true));
        assertEquals(StoreHandoff.Nothing.INSTANCE, StoreHandoff.afterEnd(Outcome.COMPLETED,
                trial(TrialState.TERMINATED, Outcome.COMPLETED), 20, null, false), "no store listed");
        assertEquals(StoreHandoff.Nothing.INSTANCE, StoreHandoff.afterEnd(Outcome.DIVERGED,
                trial(TrialState.TERMINATED, Outcome.DIVERGED), 7, null, true), "a diverged run is not exported");
        assertEquals(StoreHandoff.Nothing.INSTANCE, StoreHandoff.afterEnd(Outcome.FAILED,
                trial(TrialState.PENDING, Outcome.FAILED), 5, "/store/a.ckpt", true), "retried: not final");
    }

    @Test
    void theStatusNamesTheStoredCheckpointOfTerminatedTrialsOnly() throws Exception {
        TrialRecord done = trial(TrialState.TERMINATED, Outcome.COMPLETED);
        assertNull(StoreHandoff.storedCheckpoint(dir, "exp", done,
                StoreHandoff.storedFiles(dir, "exp")), "not stored yet");
        Path stored = CheckpointActor.storedPath(dir, "exp", "a");
        Files.createDirectories(stored.getParent());
        Files.writeString(stored, "bytes");
        assertEquals(stored.toString(), StoreHandoff.storedCheckpoint(dir, "exp", done,
                StoreHandoff.storedFiles(dir, "exp")));
        assertEquals(stored.toString(), StoreHandoff.storedCheckpoint(dir, "exp", done), "looked up alone");
        assertNull(StoreHandoff.storedCheckpoint(dir, "exp", trial(TrialState.PAUSED, Outcome.STOPPED)));
        assertNull(StoreHandoff.storedCheckpoint(dir, "exp", trial(TrialState.PAUSED, Outcome.STOPPED),
                StoreHandoff.storedFiles(dir, "exp")));
    }
}

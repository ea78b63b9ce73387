package io.ndevid.study.experiment;

import io.ndevid.study.GridSpec;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.run.EpochFence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentJournalTest {

    private static final SlotInfo SLOT_A = new SlotInfo("node-a", 0, 111, "cpu");
    private static final SlotInfo SLOT_B = new SlotInfo("node-a", 1, 222, "cpu");
    private static final String T0 = "tgan-ode1-linear-s0";
    private static final String T1 = "tgan-ode1-linear-s1";
    private static final String T2 = "tgan-ode2-linear-s0";
    private static final String T3 = "tgan-ode2-linear-s1";

    @TempDir
    Path dir;

    private static JournalEvent.Submitted submitted(int maxFailures) {
        GridSpec g = TestSpecs.grid("exp", 2, 20, 5, maxFailures);
        return new JournalEvent.Submitted("exp", g, g.expand(), "2024-01-01T00:00:00Z");
    }

    private static JournalEvent.Ended ended(String trial, int attempt, Outcome o, long its) {
        return new JournalEvent.Ended(trial, attempt, o, its, o.name().toLowerCase(), Map.of("d_loss", 0.5),
                Map.of(), "/runs/" + trial, "t");
    }

    /** A history touching every transition: completion, retries, divergence, pause/resume, a running attempt. */
    private static List<JournalEvent> history() {
        return List.of(
                new JournalEvent.Assigned(T0, 1, SLOT_A, "t"),
                new JournalEvent.Assigned(T1, 1, SLOT_B, "t"),
                new JournalEvent.Started(T0, 1, 0, "t"),
                new JournalEvent.Started(T1, 1, 0, "t"),
                ended(T0, 1, Outcome.COMPLETED, 20),
                ended(T1, 1, Outcome.LOST, 7),
                new JournalEvent.PauseRequested(T3, "t"),
                new JournalEvent.Assigned(T1, 2, SLOT_A, "t"),
                new JournalEvent.Started(T1, 2, 5, "t"),
                new JournalEvent.Assigned(T2, 1, SLOT_B, "t"),
                ended(T2, 1, Outcome.DIVERGED, 3),
                new JournalEvent.Evaluated(T0, 20, Map.of("fid", 80.0, "is", 2.0), "t"),
                new JournalEvent.Evaluated(T0, 20, Map.of("fid", 90.0, "is", 2.5), "t"),
                new JournalEvent.Evaluated(T1, 20, Map.of("fid", 1.0), "t"),
                new JournalEvent.Resumed(T3, "t"),
                new JournalEvent.Assigned(T3, 1, SLOT_B, "t"));
    }

    @Test
    void stateFollowsTheTrialLifecycle() {
        ExperimentState s = ExperimentState.submitted(submitted(3));
        history().forEach(s::apply);
        assertEquals(TrialState.TERMINATED, s.trial(T0).state());
        assertEquals(Outcome.COMPLETED, s.trial(T0).result().outcome());
        assertEquals(20, s.trial(T0).result().iterations());
        assertEquals(Map.of("fid", 80.0, "is", 2.5), s.trial(T0).result().metrics(), "the best of each metric");
        assertEquals(Map.of(), s.trial(T1).result().metrics(), "a running trial is not evaluated");
        TrialRecord t1 = s.trial(T1);
        assertEquals(TrialState.RUNNING, t1.state());
        assertEquals(2, t1.attempt());
        assertEquals(1, t1.failures());
        assertEquals(5, t1.current().startIteration(), "second attempt resumed from its checkpoint");
        assertEquals(TrialState.TERMINATED, s.trial(T2).state(), "a diverged trial is a result, not retried");
        assertEquals(TrialState.RUNNING, s.trial(T3).state());
        assertEquals(ExperimentState.Phase.RUNNING, s.phase());
        assertEquals(Map.of(TrialState.PENDING, 0, TrialState.RUNNING, 2, TrialState.PAUSED, 0,
                TrialState.TERMINATED, 2, TrialState.ERROR, 0, TrialState.CANCELLED, 0), s.counts());
    }

    @Test
    void failuresAreRetriedUpToMaxFailuresThenError() {
        ExperimentState s = ExperimentState.submitted(submitted(2));
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertEquals(TrialState.PENDING, s.trial(T0).state(), "attempt " + attempt + " is queued");
            assertTrue(s.apply(new JournalEvent.Assigned(T0, attempt, SLOT_A, "t")));
            assertTrue(s.apply(ended(T0, attempt, attempt == 2 ? Outcome.LOST : Outcome.FAILED, attempt)));
        }
        assertEquals(TrialState.ERROR, s.trial(T0).state());
        assertEquals(3, s.trial(T0).failures());
        assertEquals(3, s.trial(T0).attempts().size());
        // stops and refusals do not count
        assertTrue(s.apply(new JournalEvent.Assigned(T1, 1, SLOT_A, "t")));
        assertTrue(s.apply(ended(T1, 1, Outcome.REJECTED, 0)));
        assertTrue(s.apply(new JournalEvent.Assigned(T1, 2, SLOT_A, "t")));
        assertTrue(s.apply(ended(T1, 2, Outcome.ORPHANED, 0)));
        assertEquals(TrialState.PENDING, s.trial(T1).state());
        assertEquals(0, s.trial(T1).failures());
    }

    @Test
    void staleOrOutOfOrderEventsAreRefused() {
        ExperimentState s = ExperimentState.submitted(submitted(3));
        assertFalse(s.apply(new JournalEvent.Assigned(T0, 2, SLOT_A, "t")), "attempts count up by one");
        assertFalse(s.apply(ended(T0, 1, Outcome.COMPLETED, 1)), "not running");
        assertTrue(s.apply(new JournalEvent.Assigned(T0, 1, SLOT_A, "t")));
        assertFalse(s.apply(new JournalEvent.Assigned(T0, 2, SLOT_B, "t")), "already running");
        assertFalse(s.apply(ended(T0, 2, Outcome.COMPLETED, 1)), "another attempt");
        assertFalse(s.apply(new JournalEvent.Assigned("nope", 1, SLOT_A, "t")));
        assertTrue(s.apply(ended(T0, 1, Outcome.COMPLETED, 20)));
        assertFalse(s.apply(ended(T0, 1, Outcome.FAILED, 20)), "a duplicate end changes nothing");
        assertEquals(TrialState.TERMINATED, s.trial(T0).state());
    }

    @Test
    void cancelStopsWhatRunsAndDropsWhatWaits() {
        ExperimentState s = ExperimentState.submitted(submitted(3));
        s.apply(new JournalEvent.Assigned(T0, 1, SLOT_A, "t"));
        s.apply(new JournalEvent.Assigned(T1, 1, SLOT_B, "t"));
        s.apply(ended(T1, 1, Outcome.COMPLETED, 20));
        s.apply(new JournalEvent.PauseRequested(T3, "t"));
        assertTrue(s.apply(new JournalEvent.Cancelled("enough", "t")));
        assertEquals(TrialState.RUNNING, s.trial(T0).state());
        assertTrue(s.trial(T0).cancelRequested());
        assertEquals(TrialState.TERMINATED, s.trial(T1).state());
        assertEquals(TrialState.CANCELLED, s.trial(T2).state());
        assertEquals(TrialState.CANCELLED, s.trial(T3).state());
        assertEquals(ExperimentState.Phase.RUNNING, s.phase());
        assertFalse(s.apply(new JournalEvent.Assigned(T2, 1, SLOT_B, "t")), "nothing starts after a cancel");
        assertTrue(s.apply(ended(T0, 1, Outcome.STOPPED, 9)));
        assertEquals(TrialState.CANCELLED, s.trial(T0).state());
        assertEquals(ExperimentState.Phase.CANCELLED, s.phase());
    }

    @Test
    void pauseWhileRunningTakesEffectWhenTheAttemptStops() {
        ExperimentState s = ExperimentState.submitted(submitted(3));
        s.apply(new JournalEvent.Assigned(T0, 1, SLOT_A, "t"));
        assertTrue(s.apply(new JournalEvent.PauseRequested(T0, "t")));
        assertEquals(TrialState.RUNNING, s.trial(T0).state());
        s.apply(ended(T0, 1, Outcome.STOPPED, 9));
        assertEquals(TrialState.PAUSED, s.trial(T0).state());
        assertTrue(s.pending().stream().noneMatch(t -> t.name().equals(T0)));
        assertTrue(s.apply(new JournalEvent.Resumed(T0, "t")));
        assertEquals(TrialState.PENDING, s.trial(T0).state());
        assertFalse(s.apply(new JournalEvent.Resumed(T0, "t")));
    }

    @Test
    void replayGivesAnIdenticalState() {
        ExperimentState live;
        try (ExperimentJournal j = ExperimentJournal.create(dir, submitted(3))) {
            history().forEach(j::record);
            live = j.state();
        }
        try (ExperimentJournal r = ExperimentJournal.open(dir)) {
            assertEquals(live, r.state());
            assertEquals(history().size() + 1, r.replayed());
            assertTrue(r.warnings().isEmpty());
            // and it keeps appending where it left off
            r.record(ended(T1, 2, Outcome.COMPLETED, 20));
        }
        try (ExperimentJournal r = ExperimentJournal.open(dir)) {
            assertEquals(TrialState.TERMINATED, r.state().trial(T1).state());
        }
    }

    /**
     * A paused coordinator (epoch 1) wakes after a new one (epoch 2) took over the experiment: its appends are
     * refused, the file holds only the new coordinator's lines, and it replays cleanly.
     */
    @Test
    void aStaleCoordinatorsAppendIsRefusedOnceANewerEpochExists() throws Exception {
        Path fences = dir.resolve(".fence");
        EpochFence old = EpochFence.claimNext(fences, "coordinator");
        ExperimentJournal stale = ExperimentJournal.create(dir.resolve("exp"), submitted(3), old);
        stale.record(history().get(0));
        TrialState staleT0 = stale.state().trial(T0).state();
        EpochFence successor = EpochFence.claimNext(fences, "coordinator");
        try (ExperimentJournal current = ExperimentJournal.open(dir.resolve("exp"), successor)) {
            current.record(history().get(1));
            byte[] before = Files.readAllBytes(ExperimentJournal.fileIn(dir.resolve("exp")));
            var refused = assertThrows(EpochFence.FencedException.class, () -> stale.record(history().get(2)));
            assertEquals(1, refused.epoch());
            assertEquals(2, refused.newest());
            assertArrayEquals(before, Files.readAllBytes(ExperimentJournal.fileIn(dir.resolve("exp"))),
                    "nothing appended by the fenced-off writer");
            assertEquals(staleT0, stale.state().trial(T0).state(), "its state did not change either");
            assertEquals(3, ExperimentJournal.read(dir.resolve("exp")).size());
            current.record(history().get(2));
        } finally {
            stale.close();
        }
        assertThrows(EpochFence.FencedException.class, () -> ExperimentJournal.create(dir.resolve("other"),
                submitted(3), old), "nor can it start a new experiment");
        List<String> lines = Files.readAllLines(ExperimentJournal.fileIn(dir.resolve("exp")));
        assertTrue(lines.get(1).contains("\"epoch\":1") && lines.get(3).contains("\"epoch\":2"), lines.toString());
        try (ExperimentJournal r = ExperimentJournal.open(dir.resolve("exp"))) {
            assertEquals(4, r.replayed());
            assertTrue(r.warnings().isEmpty());
        }
    }

    /** The one write a stale writer could slip between its check and its append is dropped on replay. */
    @Test
    void aLineOfAnOlderEpochAfterANewerOneIsDroppedOnReplay() throws Exception {
        Path fences = dir.resolve(".fence");
        EpochFence old = EpochFence.claimNext(fences, "coordinator");
        try (ExperimentJournal j = ExperimentJournal.create(dir.resolve("exp"), submitted(3), old)) {
            j.record(history().get(0));
        }
        try (ExperimentJournal j = ExperimentJournal.open(dir.resolve("exp"),
                EpochFence.claimNext(fences, "coordinator"))) {
            j.record(history().get(1));
        }
        // what a writer paused between its fence check and its write would leave: an epoch-1 line after epoch 2's
        Files.writeString(ExperimentJournal.fileIn(dir.resolve("exp")), "{\"type\":\"started\",\"trial\":\"" + T0
                + "\",\"attempt\":1,\"startIteration\":0,\"time\":\"t\",\"epoch\":1}\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        try (ExperimentJournal r = ExperimentJournal.open(dir.resolve("exp"))) {
            assertEquals(3, r.replayed(), "submitted, assigned (epoch 1), assigned (epoch 2); the stale line dropped");
            assertEquals(1, r.warnings().size(), r.warnings().toString());
            assertTrue(r.warnings().get(0).contains("appended by coordinator epoch 1 after epoch 2"),
                    r.warnings().toString());
            assertEquals(3, ExperimentJournal.read(dir.resolve("exp")).size());
        }
    }

    @Test
    void aCutOffLastLineIsDroppedWithAWarningAndTheFileRepaired() throws Exception {
        ExperimentState before;
        try (ExperimentJournal j = ExperimentJournal.create(dir, submitted(3))) {
            history().forEach(j::record);
            before = j.state();
        }
        Path file = ExperimentJournal.fileIn(dir);
        long goodLength = Files.size(file);
        Files.writeString(file, "{\"type\":\"ended\",\"trial\":\"" + T1 + "\",\"attempt\":2,\"outc",
                java.nio.file.StandardOpenOption.APPEND);
        try (ExperimentJournal r = ExperimentJournal.open(dir)) {
            assertEquals(before, r.state());
            assertEquals(1, r.warnings().size());
            assertTrue(r.warnings().get(0).contains("dropped the unreadable last line"), r.warnings().get(0));
            assertEquals(goodLength, Files.size(file), "the partial line was cut off");
            r.record(ended(T1, 2, Outcome.COMPLETED, 20));
        }
        try (ExperimentJournal r = ExperimentJournal.open(dir)) {
            assertTrue(r.warnings().isEmpty(), "the next line started clean");
            assertEquals(TrialState.TERMINATED, r.state().trial(T1).state());
        }
    }

    @Test
    void aCompleteLastLineWithoutItsNewlineIsKept() throws Exception {
        try (ExperimentJournal j = ExperimentJournal.create(dir, submitted(3))) {
            j.record(new JournalEvent.Assigned(T0, 1, SLOT_A, "t"));
        }
        Path file = ExperimentJournal.fileIn(dir);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 1)); // lose only the '\n'
        try (ExperimentJournal r = ExperimentJournal.open(dir)) {
            assertEquals(TrialState.RUNNING, r.state().trial(T0).state());
            r.record(ended(T0, 1, Outcome.COMPLETED, 20));
        }
        try (ExperimentJournal r = ExperimentJournal.open(dir)) {
            assertEquals(TrialState.TERMINATED, r.state().trial(T0).state());
        }
    }

    @Test
    void aDamagedLineInTheMiddleIsAnError() throws Exception {
        try (ExperimentJournal j = ExperimentJournal.create(dir, submitted(3))) {
            history().forEach(j::record);
        }
        Path file = ExperimentJournal.fileIn(dir);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        lines.set(3, lines.get(3).substring(0, 10));
        Files.write(file, lines, StandardCharsets.UTF_8);
        var e = assertThrows(IllegalStateException.class, () -> ExperimentJournal.open(dir));
        assertTrue(e.getMessage().contains("line 4 is unreadable and is not the last line"), e.getMessage());
    }

    @Test
    void aNewJournalRefusesAnExistingOne() {
        ExperimentJournal.create(dir, submitted(3)).close();
        var e = assertThrows(IllegalStateException.class, () -> ExperimentJournal.create(dir, submitted(3)));
        assertTrue(e.getMessage().contains("already has a journal"), e.getMessage());
    }

    @Test
    void theJournalIsOneJsonObjectPerLine() throws Exception {
        try (ExperimentJournal j = ExperimentJournal.create(dir, submitted(3))) {
            j.record(new JournalEvent.Assigned(T0, 1, SLOT_A, "2024-01-01T00:00:01Z"));
        }
        List<String> lines = Files.readAllLines(ExperimentJournal.fileIn(dir));
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("{\"type\":\"submitted\",\"experimentId\":\"exp\""), lines.get(0));
        assertEquals("{\"type\":\"assigned\",\"trial\":\"" + T0 + "\",\"attempt\":1,\"slot\":{\"nodeId\":\"node-a\","
                + "\"slot\":0,\"pid\":111,\"device\":\"cpu\"},\"time\":\"2024-01-01T00:00:01Z\"}", lines.get(1));
        assertNull(ExperimentState.submitted(submitted(3)).trial(T0).result());
    }
}

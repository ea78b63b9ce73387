package io.ndevid.study.experiment;

import io.ndevid.study.GridSpec;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@link ExperimentState} keeps indexes beside its trials (which are PENDING, how many are in each state) so that the
 * coordinator does not scan a large grid per message: they must say what a scan of the trials says after any event,
 * live and on replay. And a group commit ({@link ExperimentJournal#append}, then {@link ExperimentJournal#force}) must
 * leave the same file and state as one {@link ExperimentJournal#record} per event.
 */
class ExperimentStateIndexTest {

    private static final SlotInfo SLOT = new SlotInfo("node", 0, 1, "cpu");

    @TempDir
    Path dir;

    private static JournalEvent.Submitted submitted(String id, int seeds) {
        GridSpec g = TestSpecs.grid(id, seeds, 20, 5, 2);
        return new JournalEvent.Submitted(id, g, g.expand(), "2024-01-01T00:00:00Z");
    }

    /** What the indexes must agree with: a plain scan of the trials. */
    private static void assertIndexesMatchAScan(ExperimentState s, String when) {
        List<TrialRecord> scanPending = s.trials().values().stream()
                .filter(t -> t.state() == TrialState.PENDING).toList();
        assertEquals(scanPending, s.pending(), "pending() " + when);
        assertEquals(scanPending.isEmpty() ? null : scanPending.get(0), s.firstPending(t -> true),
                "firstPending " + when);
        TrialRecord secondOdd = scanPending.stream().filter(t -> t.name().endsWith("1")).findFirst().orElse(null);
        assertEquals(secondOdd, s.firstPending(t -> t.name().endsWith("1")), "firstPending(filter) " + when);
        Map<TrialState, Integer> scanCounts = new EnumMap<>(TrialState.class);
        for (TrialState st : TrialState.values()) {
            scanCounts.put(st, 0);
        }
        s.trials().values().forEach(t -> scanCounts.merge(t.state(), 1, Integer::sum));
        assertEquals(scanCounts, s.counts(), "counts() " + when);
        boolean allFinished = s.trials().values().stream().allMatch(t -> t.state().finished());
        ExperimentState.Phase phase = !allFinished ? ExperimentState.Phase.RUNNING
                : s.cancelled() ? ExperimentState.Phase.CANCELLED : ExperimentState.Phase.FINISHED;
        assertEquals(phase, s.phase(), "phase() " + when);
    }

    /** A random event that mostly fits the state (some do not: apply refuses those, and the indexes must not move). */
    private static JournalEvent randomEvent(ExperimentState s, Random r) {
        List<TrialRecord> all = new ArrayList<>(s.trials().values());
        TrialRecord t = all.get(r.nextInt(all.size()));
        int roll = r.nextInt(100);
        if (roll < 2) {
            return new JournalEvent.Cancelled("enough", "t");
        }
        if (roll < 8) {
            return new JournalEvent.PauseRequested(t.name(), "t");
        }
        if (roll < 14) {
            return new JournalEvent.Resumed(t.name(), "t");
        }
        if (roll < 18) {
            return new JournalEvent.Evaluated(t.name(), 20, Map.of("is", r.nextDouble()), "t");
        }
        if (t.state() == TrialState.PENDING || roll < 22) {
            return new JournalEvent.Assigned(t.name(), t.attempt() + (roll < 21 ? 2 : 1), SLOT, "t"); // some stale
        }
        if (t.state() == TrialState.RUNNING && t.current().startIteration() < 0 && roll < 50) {
            return new JournalEvent.Started(t.name(), t.attempt(), 0, "t");
        }
        Outcome o = Outcome.values()[r.nextInt(Outcome.values().length)];
        return new JournalEvent.Ended(t.name(), t.attempt(), o, 10, o.name(), Map.of(), Map.of(), "/runs/" + t.name(),
                "t");
    }

    @Test
    void theIndexesAgreeWithAScanOfTheTrialsAfterEveryEventLiveAndOnReplay() {
        for (long seed = 0; seed < 20; seed++) {
            Random r = new Random(seed);
            JournalEvent.Submitted sub = submitted("idx", 6);
            ExperimentState live = ExperimentState.submitted(sub);
            assertIndexesMatchAScan(live, "at submission");
            List<JournalEvent> events = new ArrayList<>();
            events.add(sub);
            for (int i = 0; i < 300; i++) {
                JournalEvent e = randomEvent(live, r);
                live.apply(e);
                events.add(e);
                assertIndexesMatchAScan(live, "after event " + i + " (" + e + ", seed " + seed + ")");
            }
            ExperimentState replayed = ExperimentJournal.replay(events);
            assertEquals(live, replayed, "seed " + seed);
            assertIndexesMatchAScan(replayed, "after replay (seed " + seed + ")");
        }
    }

    @Test
    void aGroupCommitWritesAndAppliesWhatOneRecordPerEventWould() throws Exception {
        JournalEvent.Submitted sub = submitted("exp", 3);
        List<JournalEvent> batch = List.of(
                new JournalEvent.Assigned("tgan-ode1-linear-s0", 1, SLOT, "t"),
                new JournalEvent.Assigned("tgan-ode1-linear-s1", 1, SLOT, "t"),
                new JournalEvent.Assigned("tgan-ode1-linear-s0", 1, SLOT, "t"), // no longer fits: refused
                new JournalEvent.Started("tgan-ode1-linear-s1", 1, 0, "t"));
        boolean[] grouped = new boolean[batch.size()];
        try (ExperimentJournal j = ExperimentJournal.create(dir.resolve("grouped"), sub)) {
            for (int i = 0; i < batch.size(); i++) {
                grouped[i] = j.append(batch.get(i));
            }
            j.force();
            j.force(); // nothing left to force
        }
        boolean[] one = new boolean[batch.size()];
        try (ExperimentJournal j = ExperimentJournal.create(dir.resolve("single"), sub)) {
            for (int i = 0; i < batch.size(); i++) {
                one[i] = j.record(batch.get(i));
            }
        }
        assertArrayEquals(new boolean[] {true, true, false, true}, grouped);
        assertArrayEquals(one, grouped);
        assertEquals(Files.readString(ExperimentJournal.fileIn(dir.resolve("single"))),
                Files.readString(ExperimentJournal.fileIn(dir.resolve("grouped"))));
        try (ExperimentJournal reopened = ExperimentJournal.open(dir.resolve("grouped"))) {
            assertEquals(TrialState.RUNNING, reopened.state().trial("tgan-ode1-linear-s1").state());
            assertEquals(0, reopened.state().trial("tgan-ode1-linear-s1").current().startIteration());
            assertNull(reopened.state().firstPending(t -> t.name().equals("tgan-ode1-linear-s0")));
            assertEquals(5, reopened.replayed());
        }
    }
}

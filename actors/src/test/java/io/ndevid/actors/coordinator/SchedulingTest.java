package io.ndevid.actors.coordinator;

import io.ndevid.actors.coordinator.Scheduling.SlotState;
import io.ndevid.actors.coordinator.Scheduling.TrialKey;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The coordinator's scheduling decisions on plain strings for trainer references: no actor system. */
class SchedulingTest {

    private static final long S = 1_000_000_000L;

    @TempDir
    Path dir;

    private final Map<String, ExperimentJournal> experiments = new LinkedHashMap<>();
    private final CoordinatorSettings settings = new CoordinatorSettings(Path.of("/unused"), Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(15), Duration.ofSeconds(5),
            Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(30));
    private final Scheduling<String> scheduling = new Scheduling<>(settings, experiments);

    @AfterEach
    void close() {
        experiments.values().forEach(ExperimentJournal::close);
    }

    private ExperimentJournal submit(String id, int seeds) {
        var grid = TestSpecs.grid(id, seeds, 20, 5, 1);
        ExperimentJournal j = ExperimentJournal.create(dir.resolve(id), new JournalEvent.Submitted(id, grid,
                grid.expand(), "2026-01-01T00:00:00Z"));
        experiments.put(id, j);
        return j;
    }

    /** Lists the slots and marks them described and idle, as the coordinator does on their answers. */
    private void idle(String... refs) {
        scheduling.listed(new LinkedHashSet<>(List.of(refs)), 0);
        for (String r : refs) {
            var s = scheduling.slots.get(r);
            s.info = new SlotInfo("node", List.of(refs).indexOf(r), 100, "cpu");
            s.state = SlotState.IDLE;
        }
    }

    /** A two-trial grid whose trials ask for {@code device}. */
    private ExperimentJournal submitOn(String id, String device) {
        var g = TestSpecs.grid(id, 1, 20, 5, 1);
        var overrides = new LinkedHashMap<>(g.overrides());
        overrides.put("device", com.fasterxml.jackson.databind.node.TextNode.valueOf(device));
        var grid = new io.ndevid.study.GridSpec(id, g.preset(), g.models(), g.temporal(), g.f(), g.seeds(),
                overrides, Map.of(), 100, 1);
        ExperimentJournal j = ExperimentJournal.create(dir.resolve(id), new JournalEvent.Submitted(id, grid,
                grid.expand(), "2026-01-01T00:00:00Z"));
        experiments.put(id, j);
        return j;
    }

    /** Lists slots with the given devices (ref = device + index), described and idle. */
    private void idleOn(String... devices) {
        List<String> refs = new java.util.ArrayList<>();
        for (int i = 0; i < devices.length; i++) {
            refs.add(devices[i] + "#" + i);
        }
        scheduling.listed(new LinkedHashSet<>(refs), 0);
        for (int i = 0; i < devices.length; i++) {
            var s = scheduling.slots.get(refs.get(i));
            s.info = new SlotInfo("node", i, 100, devices[i]);
            s.state = SlotState.IDLE;
        }
    }

    @Test
    void trialsGoOnlyToSlotsOfTheDeviceTheyAskFor() {
        submitOn("gpus", "gpu");
        submitOn("cpus", "cpu");
        submitOn("any", "auto");
        idleOn("cpu", "gpu:0", "gpu:0", "cpu", "gpu:GPU-5d3c", "cpu");
        var assigned = scheduling.dispatch(5 * S);
        Map<String, String> where = new LinkedHashMap<>();
        assigned.forEach(a -> where.put(a.experimentId() + "/" + a.trial().name(), a.slot().info.device()));
        assertEquals(Map.of("gpus/tgan-ode1-linear-s0", "gpu:0", "gpus/tgan-ode2-linear-s0", "gpu:0",
                "cpus/tgan-ode1-linear-s0", "cpu", "cpus/tgan-ode2-linear-s0", "cpu",
                "any/tgan-ode1-linear-s0", "gpu:GPU-5d3c", "any/tgan-ode2-linear-s0", "cpu"), where);
        assertEquals(6, assigned.size(), "every slot got a trial of its kind");
    }

    @Test
    void aGpuTrialWithNoGpuSlotWaitsVisiblyAndDoesNotBlockCpuTrials() {
        ExperimentJournal gpus = submitOn("gpus", "gpu");
        submitOn("cpus", "cpu");
        idleOn("cpu");
        var assigned = scheduling.dispatch(5 * S);
        assertEquals(List.of("cpus/tgan-ode1-linear-s0"),
                assigned.stream().map(a -> a.experimentId() + "/" + a.trial().name()).toList(),
                "the CPU slot skips the GPU trials ahead of it");
        var waiting = gpus.state().trial("tgan-ode1-linear-s0");
        assertEquals(TrialState.PENDING, waiting.state());
        assertEquals("waiting for a gpu slot", scheduling.waiting(waiting));
        idleOn("cpu", "gpu:1");
        assertNull(scheduling.waiting(waiting), "a GPU slot is listed now");
        assertEquals("gpus/tgan-ode1-linear-s0", scheduling.dispatch(6 * S).stream()
                .filter(a -> a.slot().info.device().equals("gpu:1"))
                .map(a -> a.experimentId() + "/" + a.trial().name()).findFirst().orElseThrow());
    }

    @Test
    void dispatchGivesPendingTrialsInSubmissionAndGridOrderAndJournalsThem() {
        ExperimentJournal first = submit("first", 1);
        submit("second", 1);
        idle("a", "b", "c");
        var assigned = scheduling.dispatch(5 * S);
        assertEquals(3, assigned.size());
        assertEquals(List.of("first/tgan-ode1-linear-s0", "first/tgan-ode2-linear-s0", "second/tgan-ode1-linear-s0"),
                assigned.stream().map(a -> a.experimentId() + "/" + a.trial().name()).toList());
        assertEquals(List.of("a", "b", "c"), assigned.stream().map(a -> a.slot().ref).toList());
        assertEquals(1, assigned.get(0).attempt());
        assertEquals(TrialState.RUNNING, first.state().trial("tgan-ode1-linear-s0").state());
        assertTrue(scheduling.slots.values().stream().allMatch(s -> s.state == SlotState.BUSY));
        assertTrue(scheduling.busy("a"));
        assertEquals(List.of(), scheduling.dispatch(6 * S), "no idle slot");
    }

    @Test
    void slotsThatLeftTheListingOrAreUndescribedGetNothing() {
        submit("exp", 2);
        idle("a", "b");
        scheduling.listed(Set.of("b"), 1);      // a is unreachable: not listed
        scheduling.slots.get("b").info = null;  // b has not answered "describe"
        assertEquals(List.of(), scheduling.dispatch(2 * S));
        assertEquals(SlotState.UNKNOWN, scheduling.slots.get("a").state);
        var change = scheduling.listed(new LinkedHashSet<>(List.of("a", "b", "c")), 3 * S);
        assertEquals(List.of("c"), change.added().stream().map(s -> s.ref).toList());
        assertEquals(Set.of("a", "c"), Set.copyOf(change.describe().stream().map(s -> s.ref).toList()));
    }

    @Test
    void cancelledExperimentsAreSkipped() {
        ExperimentJournal cancelled = submit("cancelled", 1);
        cancelled.record(new JournalEvent.Cancelled("enough", "2026-01-01T00:00:01Z"));
        submit("next", 1);
        idle("a");
        assertEquals("next", scheduling.dispatch(0).get(0).experimentId());
    }

    @Test
    void timeoutsRejectUnacceptedLoseSilentAndOrphanUnreclaimedTrials() {
        submit("exp", 2);
        idle("a", "b", "c");
        var assigned = scheduling.dispatch(0);
        TrialKey unaccepted = new TrialKey("exp", assigned.get(0).trial().name());
        TrialKey silent = new TrialKey("exp", assigned.get(1).trial().name());
        TrialKey orphan = new TrialKey("exp", assigned.get(2).trial().name());
        scheduling.live.get(silent).accepted = true;
        scheduling.live.get(orphan).trainer = null; // as after a coordinator restart
        assertEquals(List.of(), scheduling.expired(9 * S), "nothing is due yet");

        var at11 = scheduling.expired(11 * S);
        assertEquals(1, at11.size(), at11.toString());
        assertEquals(unaccepted, at11.get(0).key());
        assertEquals(Outcome.REJECTED, at11.get(0).outcome());
        assertNull(at11.get(0).stop());
        assertEquals(SlotState.UNKNOWN, scheduling.slots.get("a").state);

        scheduling.live.remove(unaccepted);
        var at16 = scheduling.expired(16 * S);
        assertEquals(List.of(orphan), at16.stream().map(Scheduling.Expired::key).toList());
        assertEquals(Outcome.ORPHANED, at16.get(0).outcome());

        scheduling.live.remove(orphan);
        var at61 = scheduling.expired(61 * S);
        assertEquals(List.of(silent), at61.stream().map(Scheduling.Expired::key).toList());
        assertEquals(Outcome.LOST, at61.get(0).outcome());
        assertEquals("b", at61.get(0).stop(), "the silent trainer is told to stop");
    }

    @Test
    void reclaimAdoptsOnlyTheJournaledAttemptAndOnlyForOneTrainer() {
        submit("exp", 1);
        idle("a");
        var assigned = scheduling.dispatch(0);
        String trial = assigned.get(0).trial().name();
        TrialKey key = new TrialKey("exp", trial);
        scheduling.live.get(key).trainer = null; // orphaned by a restart
        scheduling.listed(new LinkedHashSet<>(List.of("a", "b")), 0);
        var b = scheduling.slots.get("b");
        assertFalse(scheduling.reclaim("exp", trial, 2, b, S), "not the journaled attempt");
        assertTrue(scheduling.reclaim("exp", trial, 1, b, S));
        assertEquals("b", scheduling.live.get(key).trainer);
        assertEquals(SlotState.BUSY, b.state);
        assertFalse(scheduling.reclaim("exp", trial, 1, scheduling.slots.get("a"), S), "b holds it");
        assertEquals(List.of(key), scheduling.heldBy("b"));
    }

    @Test
    void unansweredDescribesAreRetried() {
        scheduling.listed(Set.of("a"), 0);
        assertEquals(List.of(), scheduling.describeDue(4 * S));
        assertEquals(List.of("a"), scheduling.describeDue(6 * S).stream().map(s -> s.ref).toList());
        assertEquals(List.of(), scheduling.describeDue(7 * S), "asked again at 6 s");
    }
}

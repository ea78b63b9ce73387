package io.ndevid.actors.coordinator;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoordinatorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final String T0 = "tgan-ode1-linear-s0";
    private static final String T1 = "tgan-ode1-linear-s1";
    private static final String T2 = "tgan-ode2-linear-s0";
    private static final String T3 = "tgan-ode2-linear-s1";

    @TempDir
    Path dir;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private CoordinatorSettings settings() {
        // generous against a loaded machine, short enough to wait for in a test
        return new CoordinatorSettings(dir, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofMinutes(1), Duration.ofMillis(300),
                Duration.ofSeconds(2));
    }

    private ActorRef<CoordinatorProtocol.Command> coordinator() {
        return testKit.spawn(Coordinator.create(settings()));
    }

    private static CoordinatorProtocol.SubmitReply submit(ActorRef<CoordinatorProtocol.Command> c, GridSpec g) {
        TestProbe<CoordinatorProtocol.SubmitReply> reply = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.Submit(g, reply.getRef()));
        return reply.receiveMessage();
    }

    private static ExperimentStatus status(ActorRef<CoordinatorProtocol.Command> c, String id) {
        TestProbe<CoordinatorProtocol.StatusReply> reply = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.GetStatus(id, reply.getRef()));
        CoordinatorProtocol.StatusReply r = reply.receiveMessage();
        assertNull(r.error());
        return r.status();
    }

    private static CoordinatorProtocol.Ack ask(ActorRef<CoordinatorProtocol.Command> c,
                                       java.util.function.Function<ActorRef<CoordinatorProtocol.Ack>,
                                               CoordinatorProtocol.Command> m) {
        TestProbe<CoordinatorProtocol.Ack> reply = testKit.createTestProbe();
        c.tell(m.apply(reply.getRef()));
        return reply.receiveMessage();
    }

    /**
     * The shared folder fails under the coordinator (its fence folder, checked before every journal append, turns
     * into a file: every append and every restart fails with an I/O error): it stops answering — what makes the
     * HTTP API answer 503 — and restarts with back-off until the folder is repaired; then it answers again, with
     * everything journaled before the failure, and the append that failed can be made again.
     */
    @Test
    void aJournalWriteFailureRestartsTheCoordinatorWithBackOffAndLosesNothing() throws Exception {
        ActorRef<CoordinatorProtocol.Command> c = testKit.spawn(Coordinator.supervised(settings(),
                io.ndevid.study.report.Renderer.inProcess()));
        try {
            restartsAfterAJournalWriteFailure(c);
        } finally {
            testKit.stop(c); // it would otherwise hand its trials to the next tests' trainers
        }
    }

    private void restartsAfterAJournalWriteFailure(ActorRef<CoordinatorProtocol.Command> c) throws Exception {
        GridSpec grid = TestSpecs.grid("restart", 2, 20, 5, 2);
        assertTrue(submit(c, grid) instanceof CoordinatorProtocol.Accepted);
        Path fence = Coordinator.fenceDir(dir);
        Path aside = dir.resolve("fence-aside");
        Files.move(fence, aside);
        Files.writeString(fence, "not a folder: reading the epochs fails");

        TestProbe<CoordinatorProtocol.Ack> cancelled = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.Cancel("restart", "first try", cancelled.getRef()));
        cancelled.expectNoMessage(Duration.ofSeconds(1));
        TestProbe<CoordinatorProtocol.StatusReply> waiting = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.GetStatus("restart", waiting.getRef()));
        waiting.expectNoMessage(Duration.ofSeconds(2)); // restarting with back-off: no answer, the API's 503

        Files.delete(fence);
        Files.move(aside, fence);
        // what arrived while a restart was failing may be dropped with that restart: clients ask again (503 → retry)
        CoordinatorProtocol.StatusReply after = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (after == null && System.nanoTime() < deadline) {
            TestProbe<CoordinatorProtocol.StatusReply> again = testKit.createTestProbe();
            c.tell(new CoordinatorProtocol.GetStatus("restart", again.getRef()));
            try {
                after = again.receiveMessage(Duration.ofSeconds(1));
            } catch (AssertionError noAnswerYet) {
                // still backing off
            }
        }
        assertNotNull(after, "the coordinator answers again within 20 s of the repair");
        assertNull(after.error());
        assertEquals(ExperimentState.Phase.RUNNING, after.status().phase(), "the failed cancel was not journaled");
        assertEquals(4, after.status().count(TrialState.PENDING), "the experiment survived the restarts");
        assertTrue(ask(c, r -> new CoordinatorProtocol.Cancel("restart", "again", r)).ok());
        assertEquals(ExperimentState.Phase.CANCELLED, status(c, "restart").phase());
        List<Long> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(ExperimentJournal.fileIn(dir.resolve("restart")))) {
            epochs.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line)
                    .path(ExperimentJournal.EPOCH).asLong());
        }
        assertEquals(2, epochs.size(), "submitted, cancelled: " + epochs);
        assertEquals(1L, epochs.get(0));
        assertTrue(epochs.get(1) > 1, "journaled by a restarted incarnation: " + epochs);
    }

    @Test
    void runsAGridToCompletionOnTheFreeSlotsAndJournalsIt() throws Exception {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n1", 0, c);
        FakeTrainer b = new FakeTrainer(testKit, "n1", 1, c);
        GridSpec grid = TestSpecs.grid("run", 2, 20, 5, 2);
        CoordinatorProtocol.Accepted acc = (CoordinatorProtocol.Accepted) submit(c, grid);
        assertEquals(List.of(T0, T1, T2, T3), acc.trials());
        assertFalse(acc.alreadyKnown());

        Set<String> ran = new HashSet<>();
        for (int round = 0; round < 2; round++) {
            TrainerProtocol.StartTrial sa = a.expectStart();
            TrainerProtocol.StartTrial sb = b.expectStart();
            assertEquals(1, sa.attempt());
            assertEquals(dir.resolve("run").resolve("trials").resolve(sa.spec().name()).toString(), sa.runDir());
            a.accept(sa);
            b.accept(sb);
            a.progress(sa, 0, 10);
            ExperimentStatus mid = status(c, "run");
            TrialStatus row = mid.trial(sa.spec().name()).orElseThrow();
            assertEquals(TrialState.RUNNING, row.state());
            assertEquals("n1/slot-0", row.slot());
            assertEquals(10, row.iteration());
            assertEquals(12.5, row.itPerSec());
            assertEquals(0, row.startIteration());
            a.end(sa, Outcome.COMPLETED, 20);
            b.complete(sb);
            ran.add(sa.spec().name());
            ran.add(sb.spec().name());
        }
        assertEquals(Set.of(T0, T1, T2, T3), ran, "each trial ran once");
        a.expectNothingBut(Duration.ofMillis(300));

        ExperimentStatus done = status(c, "run");
        assertEquals(ExperimentState.Phase.FINISHED, done.phase());
        assertEquals(4, done.count(TrialState.TERMINATED));
        for (TrialStatus t : done.trials()) {
            assertEquals(20, t.iteration());
            assertEquals(Outcome.COMPLETED, t.result().outcome());
            assertEquals(0.25, t.result().losses().get("d_loss"));
            assertEquals(2.0, t.bestMetrics().get("is"));
        }
        assertTrue(Files.isRegularFile(dir.resolve("run").resolve("results.json")));
        // the tables and report are written off the coordinator's thread: let them land before the folder goes
        long reportDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!io.ndevid.study.report.StudyReport.current(dir.resolve("run"))
                && System.nanoTime() < reportDeadline) {
            Thread.sleep(50);
        }
        List<String> journal = Files.readAllLines(ExperimentJournal.fileIn(dir.resolve("run")));
        // submitted + per trial: assigned, started, ended
        assertEquals(1 + 4 * 3, journal.size(), String.join("\n", journal));
        testKit.stop(c);
    }

    @Test
    void failedTrialsAreRetriedUpToMaxFailuresThenError() {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n2", 0, c);
        submit(c, TestSpecs.grid("retry", 2, 20, 5, 1));
        TrainerProtocol.StartTrial s1 = a.expectStart();
        assertEquals(T0, s1.spec().name());
        a.accept(s1);
        a.progress(s1, 0, 7);
        a.end(s1, Outcome.FAILED, 7);
        TrainerProtocol.StartTrial s2 = a.expectStart();
        assertEquals(T0, s2.spec().name(), "retried first: it is first in grid order");
        assertEquals(2, s2.attempt());
        assertEquals(s1.runDir(), s2.runDir(), "same run folder: it resumes from its checkpoint");
        a.accept(s2);
        a.progress(s2, 5, 8);
        a.end(s2, Outcome.FAILED, 8);
        TrainerProtocol.StartTrial s3 = a.expectStart();
        assertEquals(T1, s3.spec().name(), "T0 failed twice with maxFailures 1: no third attempt");
        TrialStatus t0 = status(c, "retry").trial(T0).orElseThrow();
        assertEquals(TrialState.ERROR, t0.state());
        assertEquals(2, t0.failures());
        assertEquals(List.of(0L, 5L), t0.attempts().stream().map(x -> x.startIteration()).toList());
        assertEquals("failed", t0.result().message());
        testKit.stop(c);
    }

    @Test
    void aTrainerThatDiesLosesItsTrialWhichRunsAgainElsewhere() {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n3", 0, c);
        FakeTrainer b = new FakeTrainer(testKit, "n3", 1, c);
        submit(c, TestSpecs.grid("lost", 1, 20, 5, 3));
        TrainerProtocol.StartTrial sa = a.expectStart();
        TrainerProtocol.StartTrial sb = b.expectStart();
        a.accept(sa);
        b.accept(sb);
        a.progress(sa, 0, 12);
        a.probe.stop(); // the trainer process died
        b.end(sb, Outcome.COMPLETED, 20);
        TrainerProtocol.StartTrial again = b.expectStart();
        assertEquals(sa.spec().name(), again.spec().name());
        assertEquals(2, again.attempt());
        TrialStatus t = status(c, "lost").trial(sa.spec().name()).orElseThrow();
        assertEquals(1, t.failures());
        assertEquals(Outcome.LOST, t.attempts().get(0).outcome());
        assertTrue(t.attempts().get(0).message().contains("died or left"), t.attempts().get(0).message());
        assertEquals(12, t.attempts().get(0).iterations());
        testKit.stop(c);
    }

    @Test
    void aSilentTrainerIsGivenUpOnAndAnUnansweredAssignmentIsRequeued() {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n4", 0, c);
        submit(c, TestSpecs.grid("silent", 1, 20, 5, 3));
        TrainerProtocol.StartTrial s1 = a.expectStart();
        // never accepted: after assign-timeout (2 s) it is re-queued without counting as a failure
        TrainerProtocol.StartTrial s2 = a.expectStart();
        assertEquals(s1.spec().name(), s2.spec().name());
        assertEquals(2, s2.attempt());
        a.accept(s2);
        a.progress(s2, 0, 3);
        // then silence: after progress-timeout (3 s) the trainer is told to stop and the trial is LOST
        TrainerProtocol.StopTrial stop = a.expect(TrainerProtocol.StopTrial.class, Duration.ofSeconds(6));
        assertEquals(2, stop.attempt());
        a.running = null;
        TrainerProtocol.StartTrial s3 = a.expectStart();
        assertEquals(3, s3.attempt());
        TrialStatus t = status(c, "silent").trial(s1.spec().name()).orElseThrow();
        assertEquals(List.of(Outcome.REJECTED, Outcome.LOST), t.attempts().subList(0, 2).stream()
                .map(x -> x.outcome()).toList());
        assertEquals(1, t.failures());
        // progress from the abandoned attempt makes the coordinator stop it again
        a.progress(s2, 0, 4);
        assertEquals(2, a.expect(TrainerProtocol.StopTrial.class, Duration.ofSeconds(2)).attempt());
        testKit.stop(c);
    }

    @Test
    void cancelStopsRunningTrialsAndDropsPendingOnes() {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n5", 0, c);
        submit(c, TestSpecs.grid("cancel", 2, 20, 5, 3));
        TrainerProtocol.StartTrial s = a.expectStart();
        a.accept(s);
        assertTrue(ask(c, r -> new CoordinatorProtocol.Cancel("cancel", "enough", r)).ok());
        TrainerProtocol.StopTrial stop = a.expect(TrainerProtocol.StopTrial.class, Duration.ofSeconds(2));
        assertEquals(s.spec().name(), stop.trial());
        assertEquals(ExperimentState.Phase.RUNNING, status(c, "cancel").phase(), "until the running one stops");
        a.end(s, Outcome.STOPPED, 6);
        ExperimentStatus st = status(c, "cancel");
        assertEquals(ExperimentState.Phase.CANCELLED, st.phase());
        assertEquals(4, st.count(TrialState.CANCELLED));
        a.expectNothingBut(Duration.ofMillis(500));
        assertFalse(ask(c, r -> new CoordinatorProtocol.Cancel("nope", "", r)).ok());
        testKit.stop(c);
    }

    @Test
    void pauseAndResume() {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n6", 0, c);
        submit(c, TestSpecs.grid("pause", 1, 20, 5, 3));
        TrainerProtocol.StartTrial s = a.expectStart();
        a.accept(s);
        assertTrue(ask(c, r -> new CoordinatorProtocol.Pause("pause", s.spec().name(), r)).ok());
        a.expect(TrainerProtocol.StopTrial.class, Duration.ofSeconds(2));
        a.end(s, Outcome.STOPPED, 5);
        TrainerProtocol.StartTrial other = a.expectStart();
        assertNotEquals(s.spec().name(), other.spec().name(), "a paused trial waits");
        assertEquals(TrialState.PAUSED, status(c, "pause").trial(s.spec().name()).orElseThrow().state());
        assertTrue(ask(c, r -> new CoordinatorProtocol.Resume("pause", s.spec().name(), r)).ok());
        a.complete(other);
        TrainerProtocol.StartTrial resumed = a.expectStart();
        assertEquals(s.spec().name(), resumed.spec().name());
        assertEquals(2, resumed.attempt());
        assertEquals(0, status(c, "pause").trial(s.spec().name()).orElseThrow().failures());
        testKit.stop(c);
    }

    /** The next StartTrial to either trainer (whichever slot the coordinator picks). */
    private static Object[] startOnEither(FakeTrainer a, FakeTrainer b) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (deadline - System.nanoTime() > 0) {
            for (FakeTrainer t : List.of(a, b)) {
                try {
                    return new Object[] {t, t.expect(TrainerProtocol.StartTrial.class, Duration.ofMillis(100))};
                } catch (AssertionError e) {
                    if (!e.getMessage().contains("got no StartTrial") && !e.getMessage().startsWith("Timeout")) {
                        throw e;
                    }
                }
            }
        }
        throw new AssertionError("no StartTrial to either trainer");
    }

    @Test
    void aRestartedCoordinatorReplaysItsJournalsAndLetsTheRunningTrainerReclaimItsTrial() {
        ActorRef<CoordinatorProtocol.Command> c1 = coordinator();
        FakeTrainer a = new FakeTrainer(testKit, "n7", 0, c1);
        FakeTrainer b = new FakeTrainer(testKit, "n7", 1, c1);
        submit(c1, TestSpecs.grid("restart", 2, 20, 5, 3));
        TrainerProtocol.StartTrial sa = a.expectStart();
        TrainerProtocol.StartTrial sb = b.expectStart();
        b.complete(sb);
        a.accept(sa);
        a.progress(sa, 0, 9);
        TrainerProtocol.StartTrial sb2 = b.expectStart();
        b.accept(sb2);
        ExperimentStatus before = status(c1, "restart");
        testKit.stop(c1);
        b.running = null; // b's process went down with the coordinator's node; a's kept running

        ActorRef<CoordinatorProtocol.Command> c2 = coordinator();
        a.coordinator = c2;
        b.coordinator = c2;
        ExperimentStatus after = status(c2, "restart");
        for (TrialStatus t : before.trials()) {
            TrialStatus u = after.trial(t.name()).orElseThrow();
            assertEquals(t.state(), u.state(), t.name());
            assertEquals(t.attempts(), u.attempts(), t.name());
            assertEquals(t.result(), u.result(), t.name());
        }
        // b is idle: it gets the trial that was still pending
        TrainerProtocol.StartTrial fourth = b.expectStart();
        assertEquals(T3, fourth.spec().name());
        assertEquals(1, fourth.attempt());
        // a answered "describe" with its running attempt: reclaimed, not re-run, and it finishes it
        a.progress(sa, 0, 15);
        a.end(sa, Outcome.COMPLETED, 20);
        b.complete(fourth);
        // nobody reclaimed sb2: after reclaim-timeout it is re-queued (not a failure) and runs again
        Object[] next = startOnEither(a, b);
        TrainerProtocol.StartTrial again = (TrainerProtocol.StartTrial) next[1];
        assertEquals(sb2.spec().name(), again.spec().name());
        assertEquals(2, again.attempt());
        ((FakeTrainer) next[0]).complete(again);
        ExperimentStatus end = status(c2, "restart");
        assertEquals(ExperimentState.Phase.FINISHED, end.phase());
        TrialStatus reclaimed = end.trial(sa.spec().name()).orElseThrow();
        assertEquals(1, reclaimed.attempt(), "the reclaimed trial kept its attempt");
        assertEquals(1, reclaimed.attempts().size());
        TrialStatus orphan = end.trial(sb2.spec().name()).orElseThrow();
        assertEquals(Outcome.ORPHANED, orphan.attempts().get(0).outcome());
        assertEquals(0, orphan.failures());
        assertEquals(1, end.trial(sb.spec().name()).orElseThrow().attempt(), "the finished trial never re-ran");
        a.expectNothingBut(Duration.ofMillis(300));
        b.expectNothingBut(Duration.ofMillis(300));
        testKit.stop(c2);
    }

    @Test
    void submissionsAreValidatedAndIdempotent() {
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        GridSpec g = TestSpecs.grid("sub", 1, 20, 5, 3);
        assertTrue(submit(c, g) instanceof CoordinatorProtocol.Accepted);
        CoordinatorProtocol.Accepted again = (CoordinatorProtocol.Accepted) submit(c, g);
        assertTrue(again.alreadyKnown());
        // a page of the status: the trials from..from+max-1 in the grid's order, counts of all
        List<String> names = again.trials();
        TestProbe<CoordinatorProtocol.StatusReply> page = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.GetStatus("sub", 1, 1, page.getRef()));
        ExperimentStatus second = page.receiveMessage().status();
        assertEquals(List.of(names.get(1)), second.trials().stream().map(TrialStatus::name).toList());
        assertEquals(names.size(), second.count(TrialState.PENDING) + second.count(TrialState.RUNNING));
        c.tell(new CoordinatorProtocol.GetStatus("sub", names.size(), 5, page.getRef()));
        assertTrue(page.receiveMessage().status().trials().isEmpty());
        // StatusPages joins the pages of a status larger than one: every trial, in order
        GridSpec many = new GridSpec("many", "cpu-tiny", g.models(), g.temporal(), g.f(),
                java.util.stream.LongStream.range(0, 300).boxed().toList(), g.overrides(), java.util.Map.of(), 1000,
                3);
        List<String> manyNames = ((CoordinatorProtocol.Accepted) submit(c, many)).trials();
        assertTrue(manyNames.size() > 2 * io.ndevid.actors.protocol.StatusPages.TRIALS_PER_PAGE, "3 pages");
        ExperimentStatus all = io.ndevid.actors.protocol.StatusPages.ask(c, "many", Duration.ofSeconds(10),
                testKit.system().scheduler()).toCompletableFuture().join().status();
        assertEquals(manyNames, all.trials().stream().map(TrialStatus::name).toList());
        assertEquals(manyNames.size(), all.count(TrialState.PENDING), all.counts().toString());
        CoordinatorProtocol.Rejected clash
                = (CoordinatorProtocol.Rejected) submit(c, TestSpecs.grid("sub", 2, 20, 5, 3));
        assertTrue(clash.reason().contains("already exists with a different grid"), clash.reason());
        GridSpec big = new GridSpec("big", "cpu-tiny", g.models(), g.temporal(), g.f(),
                java.util.stream.LongStream.range(0, 10).boxed().toList(), g.overrides(), java.util.Map.of(), 5, 3);
        CoordinatorProtocol.Rejected tooBig = (CoordinatorProtocol.Rejected) submit(c, big);
        assertTrue(tooBig.reason().contains("expands to 20 trials, more than maxTrials 5"), tooBig.reason());
        assertFalse(Files.exists(dir.resolve("big")), "a rejected grid leaves no folder");
        TestProbe<CoordinatorProtocol.StatusReply> reply = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.GetStatus("nope", reply.getRef()));
        CoordinatorProtocol.StatusReply r = reply.receiveMessage();
        assertNull(r.status());
        assertTrue(r.error().contains("unknown experiment 'nope'"));
        TestProbe<CoordinatorProtocol.ExperimentList> list = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.ListExperiments(list.getRef()));
        assertEquals(ExperimentState.Phase.RUNNING, list.receiveMessage().experiments().get("sub"));
        testKit.stop(c);
    }

    @Test
    void anUnreadableJournalIsReportedNotFatal() throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(ExperimentJournal.fileIn(broken), "{\"type\":\"assigned\"}\n{}\n");
        ActorRef<CoordinatorProtocol.Command> c = coordinator();
        TestProbe<CoordinatorProtocol.ExperimentList> list = testKit.createTestProbe();
        c.tell(new CoordinatorProtocol.ListExperiments(list.getRef()));
        CoordinatorProtocol.ExperimentList l = list.receiveMessage();
        assertNotNull(l.unreadable().get("broken"));
        CoordinatorProtocol.Rejected r
                = (CoordinatorProtocol.Rejected) submit(c, TestSpecs.grid("broken", 1, 20, 5, 3));
        assertTrue(r.reason().contains("cannot be read"), r.reason());
        testKit.stop(c);
    }
}

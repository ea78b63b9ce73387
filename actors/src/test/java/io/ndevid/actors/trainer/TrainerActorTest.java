package io.ndevid.actors.trainer;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.StopHandle;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerActorTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final TrainerSettings FAST = new TrainerSettings(Duration.ofMillis(200), Duration.ofMillis(600),
            Duration.ofMillis(300));
    private static final SlotInfo SLOT = new SlotInfo("test", 0, 42, "cpu");

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** Counts iterations with a sleep each; throws at {@code failAt} (if ≥ 0); honours stop requests. */
    private record Scripted(long stepMillis, long failAt) implements TrialExecutor {
        @Override
        public TrainerLoop.Result execute(TrialSpec spec, Path runDir, Listener listener, StopHandle stop)
                throws Exception {
            listener.onMessage("starting " + spec.name());
            for (long i = 0; i < spec.iterations(); i++) {
                if (stop.requested()) {
                    return new TrainerLoop.Result(TrainerLoop.Status.STOPPED, i, 0, Map.of(), "stopped", runDir);
                }
                if (i == failAt) {
                    throw new IllegalStateException("boom at " + i);
                }
                Thread.sleep(stepMillis);
                listener.onProgress(new TrainerLoop.Progress(spec, i + 1, spec.iterations(), 50, 0,
                        Map.of("d_loss", 1.0 / (i + 1))));
                if (i == 3) {
                    listener.onMetrics(i, Map.of("is", 1.5, "fid", 300.0));
                }
            }
            return new TrainerLoop.Result(TrainerLoop.Status.COMPLETED, spec.iterations(), 0,
                    Map.of("d_loss", 0.1), "completed", runDir);
        }
    }

    /** Run folders: the trainer claims each attempt in its folder (RunFolder.claimAttempt), so one per test. */
    @TempDir
    Path runs;

    private TrainerProtocol.StartTrial start(String trial, int iterations, int attempt) {
        return new TrainerProtocol.StartTrial("exp", TestSpecs.trial(trial, iterations, 5), attempt,
                runs.resolve(trial).toString());
    }

    /** Messages to the coordinator until (and including) the first TrialEnded. */
    private static List<CoordinatorProtocol.Command> untilEnded(TestProbe<CoordinatorProtocol.Command> probe,
            Duration max) {
        List<CoordinatorProtocol.Command> out = new ArrayList<>();
        probe.fishForMessage(max, m -> {
            out.add(m);
            return m instanceof CoordinatorProtocol.TrialEnded ? FishingOutcomes.complete()
                    : FishingOutcomes.continueAndIgnore();
        });
        return out;
    }

    @Test
    void runsATrialReportsThrottledProgressAndResendsTheEndUntilAcknowledged() {
        TestProbe<CoordinatorProtocol.Command> coordinator = testKit.createTestProbe();
        ActorRef<TrainerProtocol.Command> trainer = testKit.spawn(TrainerActor.create(SLOT, new Scripted(20, -1),
                coordinator.getRef(), FAST));
        trainer.tell(start("a", 40, 1));
        CoordinatorProtocol.TrialAccepted accepted = coordinator.expectMessageClass(
                CoordinatorProtocol.TrialAccepted.class);
        assertEquals("a", accepted.trial());
        assertEquals(SLOT, accepted.slot());

        long t0 = System.nanoTime();
        List<CoordinatorProtocol.Command> msgs = untilEnded(coordinator, Duration.ofSeconds(10));
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<CoordinatorProtocol.TrialProgress> progress = msgs.stream().filter(
                m -> m instanceof CoordinatorProtocol.TrialProgress)
                .map(m -> (CoordinatorProtocol.TrialProgress) m).toList();
        // ≤ one per 200 ms (+ the final one); 40 iterations were reported by the executor
        assertTrue(progress.size() <= seconds / 0.2 + 2, progress.size() + " progress messages in " + seconds + " s");
        assertTrue(progress.size() >= 2, "progress arrived: " + progress.size());
        CoordinatorProtocol.TrialProgress last = progress.get(progress.size() - 1);
        assertEquals(40, last.iteration());
        assertEquals(0, last.startIteration(), "a fresh start");
        assertEquals(Map.of("is", 1.5, "fid", 300.0), last.metrics());
        assertTrue(progress.stream().allMatch(p -> p.iteration() >= 0 || p.iteration() == -1));
        CoordinatorProtocol.TrialEnded ended = (CoordinatorProtocol.TrialEnded) msgs.get(msgs.size() - 1);
        assertEquals(Outcome.COMPLETED, ended.outcome());
        assertEquals(40, ended.iterations());
        assertEquals(Map.of("d_loss", 0.1), ended.losses());

        // not acknowledged: sent again; still busy with it
        assertEquals(ended, coordinator.expectMessageClass(CoordinatorProtocol.TrialEnded.class, 
                Duration.ofSeconds(2)));
        TestProbe<TrainerProtocol.Status> status = testKit.createTestProbe();
        trainer.tell(new TrainerProtocol.Describe(status.getRef()));
        assertEquals(new TrainerProtocol.TrialRef("exp", "a", 1), status.receiveMessage().running());

        trainer.tell(new TrainerProtocol.ResultAcked("exp", "a", 1));
        trainer.tell(new TrainerProtocol.Describe(status.getRef()));
        assertNull(status.receiveMessage().running());
        drain(coordinator); // a resend may have crossed the ack
        coordinator.expectNoMessage(Duration.ofMillis(700));
    }

    private static void drain(TestProbe<?> probe) {
        while (true) {
            try {
                probe.receiveMessage(Duration.ofMillis(300));
            } catch (AssertionError e) {
                return;
            }
        }
    }

    @Test
    void oneTrialAtATime() {
        TestProbe<CoordinatorProtocol.Command> coordinator = testKit.createTestProbe();
        ActorRef<TrainerProtocol.Command> trainer = testKit.spawn(TrainerActor.create(SLOT, new Scripted(50, -1),
                coordinator.getRef(), FAST));
        trainer.tell(start("a", 40, 1));
        coordinator.expectMessageClass(CoordinatorProtocol.TrialAccepted.class);
        trainer.tell(start("b", 10, 1));
        CoordinatorProtocol.TrialRejected r = (CoordinatorProtocol.TrialRejected) coordinator.fishForMessage(
                Duration.ofSeconds(3),
                m -> m instanceof CoordinatorProtocol.TrialRejected ? FishingOutcomes.complete()
                        : FishingOutcomes.continueAndIgnore()).get(0);
        assertEquals("b", r.trial());
        assertTrue(r.reason().contains("busy with a"), r.reason());
        // a duplicate of the running assignment is confirmed again, not rejected
        trainer.tell(start("a", 40, 1));
        coordinator.fishForMessage(Duration.ofSeconds(3), m -> m instanceof CoordinatorProtocol.TrialAccepted a
                && a.trial().equals("a") ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
        // let "a" end before the test's folder is deleted: its thread would otherwise still write into it
        List<CoordinatorProtocol.Command> rest = untilEnded(coordinator, Duration.ofSeconds(15));
        assertEquals("a", ((CoordinatorProtocol.TrialEnded) rest.get(rest.size() - 1)).trial());
        testKit.stop(trainer);
    }

    @Test
    void stopEndsTheAttemptStopped() {
        TestProbe<CoordinatorProtocol.Command> coordinator = testKit.createTestProbe();
        ActorRef<TrainerProtocol.Command> trainer = testKit.spawn(TrainerActor.create(SLOT, new Scripted(20, -1),
                coordinator.getRef(), FAST));
        trainer.tell(start("a", 10_000, 3));
        coordinator.expectMessageClass(CoordinatorProtocol.TrialAccepted.class);
        coordinator.expectMessageClass(CoordinatorProtocol.TrialProgress.class, Duration.ofSeconds(2));
        trainer.tell(new TrainerProtocol.StopTrial("exp", "a", 2, "wrong attempt: ignored"));
        trainer.tell(new TrainerProtocol.StopTrial("exp", "a", 3, "cancelled"));
        List<CoordinatorProtocol.Command> msgs = untilEnded(coordinator, Duration.ofSeconds(5));
        CoordinatorProtocol.TrialEnded ended = (CoordinatorProtocol.TrialEnded) msgs.get(msgs.size() - 1);
        assertEquals(Outcome.STOPPED, ended.outcome());
        assertEquals(3, ended.attempt());
        assertTrue(ended.iterations() > 0 && ended.iterations() < 10_000, "stopped mid-way: " + ended.iterations());
    }

    @Test
    void anExecutorThatThrowsEndsTheAttemptFailed() {
        TestProbe<CoordinatorProtocol.Command> coordinator = testKit.createTestProbe();
        ActorRef<TrainerProtocol.Command> trainer = testKit.spawn(TrainerActor.create(SLOT, new Scripted(5, 7),
                coordinator.getRef(), FAST));
        trainer.tell(start("a", 100, 1));
        List<CoordinatorProtocol.Command> msgs = untilEnded(coordinator, Duration.ofSeconds(5));
        CoordinatorProtocol.TrialEnded ended = (CoordinatorProtocol.TrialEnded) msgs.get(msgs.size() - 1);
        assertEquals(Outcome.FAILED, ended.outcome());
        assertEquals("failed: boom at 7", ended.message());
        assertEquals(7, ended.iterations());
        trainer.tell(new TrainerProtocol.ResultAcked("exp", "a", 1));
        // free again
        trainer.tell(start("b", 3, 1));
        coordinator.fishForMessage(Duration.ofSeconds(3), m -> m instanceof CoordinatorProtocol.TrialAccepted a
                && a.trial().equals("b") ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
        // let "b" finish writing its run folder before the temporary folder is deleted
        coordinator.fishForMessage(Duration.ofSeconds(5), m -> m instanceof CoordinatorProtocol.TrialEnded e
                && e.trial().equals("b") ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
        trainer.tell(new TrainerProtocol.ResultAcked("exp", "b", 1));
    }

    @Test
    void drainStopsTheTrialAndAnswersOnceItsEndIsAcknowledged() {
        TestProbe<CoordinatorProtocol.Command> coordinator = testKit.createTestProbe();
        ActorRef<TrainerProtocol.Command> trainer = testKit.spawn(TrainerActor.create(SLOT, new Scripted(20, -1),
                coordinator.getRef(), FAST));
        trainer.tell(start("a", 10_000, 1));
        coordinator.expectMessageClass(CoordinatorProtocol.TrialAccepted.class);
        TestProbe<Done> drained = testKit.createTestProbe();
        trainer.tell(new TrainerProtocol.Drain(drained.getRef()));
        List<CoordinatorProtocol.Command> msgs = untilEnded(coordinator, Duration.ofSeconds(5));
        assertEquals(Outcome.STOPPED, ((CoordinatorProtocol.TrialEnded) msgs.get(msgs.size() - 1)).outcome());
        drained.expectNoMessage(Duration.ofMillis(200));
        trainer.tell(new TrainerProtocol.StartTrial("exp", TestSpecs.trial("late", 5, 5), 1, runs.resolve("late").toString()));
        coordinator.fishForMessage(Duration.ofSeconds(3), m -> m instanceof CoordinatorProtocol.TrialRejected r
                && r.reason().contains("busy") ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
        trainer.tell(new TrainerProtocol.ResultAcked("exp", "a", 1));
        drained.expectMessage(Done.getInstance());
    }
}

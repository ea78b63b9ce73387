package io.ndevid.actors.coordinator;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.receptionist.Receptionist;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.TrainerProtocol;
import io.ndevid.actors.trainer.TrainerActor;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/** A trainer slot played by a test probe: registers like a TrainerActor, answers "describe", scripts the rest. */
final class FakeTrainer {

    final TestProbe<TrainerProtocol.Command> probe;
    final SlotInfo slot;
    ActorRef<CoordinatorProtocol.Command> coordinator;
    TrainerProtocol.TrialRef running;
    boolean ending;

    FakeTrainer(ActorTestKit kit, String node, int slot, ActorRef<CoordinatorProtocol.Command> coordinator) {
        this.probe = kit.createTestProbe("trainer-" + node + "-" + slot);
        this.slot = new SlotInfo(node, slot, 1000 + slot, "cpu");
        this.coordinator = coordinator;
        kit.system().receptionist().tell(Receptionist.register(TrainerProtocol.SERVICE_KEY, probe.getRef()));
    }

    ActorRef<TrainerProtocol.Command> ref() {
        return probe.getRef();
    }

    /** The next message of type {@code type}, answering any "describe" on the way; fails on anything else. */
    <T extends TrainerProtocol.Command> T expect(Class<T> type, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail(slot.id() + " got no " + type.getSimpleName() + " within " + max);
            }
            TrainerProtocol.Command m = probe.receiveMessage(Duration.ofNanos(left));
            if (m instanceof TrainerProtocol.Describe d) {
                d.replyTo().tell(new TrainerProtocol.Status(probe.getRef(), slot, running, ending));
            } else if (type.isInstance(m)) {
                return type.cast(m);
            } else if (m instanceof TrainerProtocol.ResultAcked) {
                continue; // a repeated acknowledgement (its end crossed a describe): a trainer ignores it
            } else {
                fail(slot.id() + " expected " + type.getSimpleName() + " but got " + m);
            }
        }
    }

    TrainerProtocol.StartTrial expectStart() {
        return expect(TrainerProtocol.StartTrial.class, Duration.ofSeconds(5));
    }

    /** Answers describes for {@code d}, failing on any other message. */
    void expectNothingBut(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        while (deadline - System.nanoTime() > 0) {
            try {
                TrainerProtocol.Command m = probe.receiveMessage(Duration.ofNanos(deadline - System.nanoTime()));
                if (m instanceof TrainerProtocol.Describe desc) {
                    desc.replyTo().tell(new TrainerProtocol.Status(probe.getRef(), slot, running, ending));
                } else if (!(m instanceof TrainerProtocol.ResultAcked)) {
                    fail(slot.id() + " expected nothing but got " + m);
                }
            } catch (AssertionError e) {
                if (e.getMessage() != null && e.getMessage().contains("expected nothing")) {
                    throw e;
                }
                return; // timeout: nothing came
            }
        }
    }

    void accept(TrainerProtocol.StartTrial s) {
        running = new TrainerProtocol.TrialRef(s.experimentId(), s.spec().name(), s.attempt());
        coordinator.tell(new CoordinatorProtocol.TrialAccepted(s.experimentId(), s.spec().name(), s.attempt(), ref(),
                slot));
    }

    void progress(TrainerProtocol.StartTrial s, long startIteration, long iteration) {
        coordinator.tell(new CoordinatorProtocol.TrialProgress(s.experimentId(), s.spec().name(), s.attempt(), ref(),
                slot, startIteration, iteration, s.spec().iterations(), 12.5, 1.0, Map.of("d_loss", 0.7, "g_loss", 1.1),
                Map.of(), ""));
    }

    /** Ends the attempt and waits for the acknowledgement. */
    void end(TrainerProtocol.StartTrial s, Outcome o, long iterations) {
        ending = true;
        coordinator.tell(new CoordinatorProtocol.TrialEnded(s.experimentId(), s.spec().name(), s.attempt(), o,
                iterations, o.name().toLowerCase(), Map.of("d_loss", 0.25), Map.of("is", 2.0), s.runDir(), ref()));
        TrainerProtocol.ResultAcked ack = expect(TrainerProtocol.ResultAcked.class, Duration.ofSeconds(5));
        if (!ack.trial().equals(s.spec().name()) || ack.attempt() != s.attempt()) {
            fail("ack for the wrong attempt: " + ack);
        }
        running = null;
        ending = false;
    }

    /** Accept, report, complete. */
    void complete(TrainerProtocol.StartTrial s) {
        accept(s);
        progress(s, 0, s.spec().iterations() / 2);
        end(s, Outcome.COMPLETED, s.spec().iterations());
    }
}

package io.ndevid.actors.protocol;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.receptionist.ServiceKey;
import io.ndevid.actors.CborSerializable;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.training.spec.TrialSpec;

/**
 * The messages a trainer slot receives from the coordinator (describe, start, stop, acknowledge) and its answer to
 * {@link Describe}; a slot registers under {@link #SERVICE_KEY}. What a trainer sends back is in
 * {@link CoordinatorProtocol}.
 */
public final class TrainerProtocol {

    private TrainerProtocol() {}

    public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "ndevid-trainer");

    /** What a trainer slot receives. */
    public interface Command {}

    /** Asks what the slot is and what it runs (the coordinator asks every trainer it discovers). */
    public record Describe(ActorRef<Status> replyTo) implements Command, CborSerializable {}

    /** Run attempt {@code attempt} of a trial in {@code runDir} (resuming from its newest checkpoint, if any). */
    public record StartTrial(String experimentId, TrialSpec spec, int attempt, String runDir)
            implements Command, CborSerializable {}

    /** Stop an attempt (cancel, pause, or the coordinator gave up on it): it checkpoints and ends STOPPED. */
    public record StopTrial(String experimentId, String trial, int attempt, String reason)
            implements Command, CborSerializable {}

    /** The coordinator journaled the attempt's end: the slot is free. */
    public record ResultAcked(String experimentId, String trial, int attempt) implements Command, CborSerializable {}

    /** Stop the running trial (with a checkpoint) and answer once its end was acknowledged or it is idle. */
    public record Drain(ActorRef<Done> replyTo) implements Command {}

    /**
     * The answer to {@link Describe}: {@code running} is null when the slot is free; {@code ending} says the attempt
     * is over and its end waits for {@link ResultAcked}.
     */
    public record Status(ActorRef<Command> trainer, SlotInfo slot, TrialRef running, boolean ending)
            implements CborSerializable {}

    /** An attempt of a trial of an experiment. */
    public record TrialRef(String experimentId, String trial, int attempt) implements CborSerializable {
        public boolean is(String e, String t, int a) {
            return experimentId.equals(e) && trial.equals(t) && attempt == a;
        }
    }
}

package io.ndevid.actors.protocol;

import akka.actor.typed.ActorRef;
import io.ndevid.actors.CborSerializable;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.BestMetrics;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;

import java.util.List;
import java.util.Map;

/**
 * The messages the experiment coordinator receives — from clients (submit, cancel, pause, resume, status) and from
 * trainer slots (accepted, rejected, progress, ended) — with their replies. Both sides compile against this file;
 * the coordinator's own internal messages stay private to it.
 */
public final class CoordinatorProtocol {

    private CoordinatorProtocol() {}

    /** What the coordinator receives: from clients (below) and from trainers (further down). */
    public interface Command {}

    // ---- client protocol ----

    /** Start an experiment (resubmitting the same grid is a no-op that answers Accepted again). */
    public record Submit(GridSpec grid, ActorRef<SubmitReply> replyTo) implements Command, CborSerializable {}

    public sealed interface SubmitReply extends CborSerializable {}

    public record Accepted(String experimentId, List<String> trials, boolean alreadyKnown) implements SubmitReply {}

    public record Rejected(String experimentId, String reason) implements SubmitReply {}

    public record Cancel(String experimentId, String reason, ActorRef<Ack> replyTo)
            implements Command, CborSerializable {}

    public record Pause(String experimentId, String trial, ActorRef<Ack> replyTo) implements Command,
            CborSerializable {}

    public record Resume(String experimentId, String trial, ActorRef<Ack> replyTo)
            implements Command, CborSerializable {}

    public record Ack(boolean ok, String message) implements CborSerializable {}

    /**
     * The experiment's status with at most {@code max} of its trials, from the {@code from}-th (in the grid's order);
     * its {@code counts} cover every trial. Across processes ask page by page ({@link StatusPages}): a whole status
     * of thousands of trials is larger than an Artery frame.
     */
    public record GetStatus(String experimentId, int from, int max, ActorRef<StatusReply> replyTo)
            implements Command, CborSerializable {
        public GetStatus {
            if (from < 0 || max < 1) {
                throw new IllegalArgumentException("GetStatus wants from >= 0 and max >= 1, got " + from + ", " + max);
            }
        }

        /** Every trial at once: for asks that stay in one process. */
        public GetStatus(String experimentId, ActorRef<StatusReply> replyTo) {
            this(experimentId, 0, Integer.MAX_VALUE, replyTo);
        }
    }

    /** {@code status} is null (and {@code error} says why) for an unknown or unreadable experiment. */
    public record StatusReply(ExperimentStatus status, String error) implements CborSerializable {}

    public record ListExperiments(ActorRef<ExperimentList> replyTo) implements Command, CborSerializable {}

    /** Known experiments with their phase, and journals that could not be read. */
    public record ExperimentList(Map<String, ExperimentState.Phase> experiments, Map<String, String> unreadable,
                                 List<SlotInfo> slots) implements CborSerializable {}

    // ---- trainer protocol ----

    public record TrialAccepted(String experimentId, String trial, int attempt,
            ActorRef<TrainerProtocol.Command> trainer,
                                SlotInfo slot) implements Command, CborSerializable {}

    public record TrialRejected(String experimentId, String trial, int attempt,
            ActorRef<TrainerProtocol.Command> trainer,
                                String reason) implements Command, CborSerializable {}

    /** Throttled progress and heartbeat; {@code iteration} is −1 before the first iteration finished. */
    public record TrialProgress(String experimentId, String trial, int attempt,
            ActorRef<TrainerProtocol.Command> trainer,
                                SlotInfo slot, long startIteration, long iteration, long total, double itPerSec,
                                double etaSeconds, Map<String, Double> losses, Map<String, Double> metrics,
                                String message) implements Command, CborSerializable {
        public TrialProgress {
            losses = BestMetrics.clean(losses);
            metrics = BestMetrics.clean(metrics);
        }
    }

    /**
     * An attempt ended; re-sent until {@link TrainerProtocol.ResultAcked}. {@code storedCheckpoint} is the store's path
     * of the final checkpoint when the trainer shipped it over Aeron (the store has the bytes), else null (the
     * coordinator copies it from the shared run folder).
     */
    public record TrialEnded(String experimentId, String trial, int attempt, Outcome outcome, long iterations,
                             String message, Map<String, Double> losses, Map<String, Double> metrics, String runDir,
                             ActorRef<TrainerProtocol.Command> trainer, String storedCheckpoint)
            implements Command, CborSerializable {
        public TrialEnded {
            losses = BestMetrics.clean(losses);
            metrics = BestMetrics.clean(metrics);
        }

        public TrialEnded(String experimentId, String trial, int attempt, Outcome outcome, long iterations,
                          String message, Map<String, Double> losses, Map<String, Double> metrics, String runDir,
                          ActorRef<TrainerProtocol.Command> trainer) {
            this(experimentId, trial, attempt, outcome, iterations, message, losses, metrics, runDir, trainer, null);
        }
    }
}

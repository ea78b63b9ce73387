package io.ndevid.actors.api;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.coordinator.Coordinator;
import io.ndevid.actors.experiment.ExperimentStatus;
import io.ndevid.actors.grid.GridSpec;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The in-process Java API to a running cluster, from any of its members: submit a grid, follow it, cancel it.
 * Talks to the coordinator singleton through its proxy, so it keeps working while the coordinator fails over
 * (asks are retried; a submission is idempotent).
 */
public final class ExperimentClient {

    private final ActorSystem<?> system;
    private final ActorRef<Coordinator.Command> coordinator;
    private final Duration askTimeout;

    public ExperimentClient(ActorSystem<?> system) {
        this(system, ClusterNode.coordinator(system), Duration.ofSeconds(10));
    }

    public ExperimentClient(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Duration askTimeout) {
        this.system = system;
        this.coordinator = coordinator;
        this.askTimeout = askTimeout;
    }

    /**
     * Submits an experiment; completes with the coordinator's acceptance (the trial names), or exceptionally with an
     * {@link IllegalArgumentException} carrying the reason it was rejected (a bad grid, a name taken by another grid).
     */
    public CompletionStage<Coordinator.Accepted> submit(GridSpec grid) {
        return retrying(() -> AskPattern.<Coordinator.Command, Coordinator.SubmitReply>ask(coordinator,
                        replyTo -> new Coordinator.Submit(grid, replyTo), askTimeout, system.scheduler()), 3)
                .thenApply(reply -> {
                    if (reply instanceof Coordinator.Accepted a) {
                        return a;
                    }
                    throw new IllegalArgumentException(((Coordinator.Rejected) reply).reason());
                });
    }

    /** The experiment's status now; exceptionally with IllegalArgumentException for an unknown experiment. */
    public CompletionStage<ExperimentStatus> status(String experimentId) {
        return AskPattern.<Coordinator.Command, Coordinator.StatusReply>ask(coordinator,
                        replyTo -> new Coordinator.GetStatus(experimentId, replyTo), askTimeout, system.scheduler())
                .thenApply(r -> {
                    if (r.status() == null) {
                        throw new IllegalArgumentException(r.error());
                    }
                    return r.status();
                });
    }

    public CompletionStage<Coordinator.Ack> cancel(String experimentId, String reason) {
        return AskPattern.ask(coordinator, replyTo -> new Coordinator.Cancel(experimentId, reason, replyTo),
                askTimeout, system.scheduler());
    }

    public CompletionStage<Coordinator.Ack> pause(String experimentId, String trial) {
        return AskPattern.ask(coordinator, replyTo -> new Coordinator.Pause(experimentId, trial, replyTo), askTimeout,
                system.scheduler());
    }

    public CompletionStage<Coordinator.Ack> resume(String experimentId, String trial) {
        return AskPattern.ask(coordinator, replyTo -> new Coordinator.Resume(experimentId, trial, replyTo),
                askTimeout, system.scheduler());
    }

    public CompletionStage<Coordinator.ExperimentList> experiments() {
        return AskPattern.ask(coordinator, Coordinator.ListExperiments::new, askTimeout, system.scheduler());
    }

    /**
     * Completes with the final status once no trial will run again (all TERMINATED, ERROR or CANCELLED), polling
     * every {@code poll}; exceptionally with a {@link TimeoutException} after {@code timeout}. Unanswered polls (a
     * coordinator failing over) are retried until the deadline.
     */
    public CompletionStage<ExperimentStatus> awaitCompletion(String experimentId, Duration poll, Duration timeout) {
        CompletableFuture<ExperimentStatus> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        pollUntilDone(experimentId, poll, deadline, result, null);
        return result;
    }

    private void pollUntilDone(String id, Duration poll, long deadline, CompletableFuture<ExperimentStatus> result,
                               ExperimentStatus last) {
        if (deadline - System.nanoTime() < 0) {
            result.completeExceptionally(new TimeoutException("experiment " + id + " did not finish in time; last "
                    + "status:\n" + (last == null ? "none" : last.table())));
            return;
        }
        status(id).whenComplete((s, failure) -> {
            if (failure != null && unwrap(failure) instanceof IllegalArgumentException iae) {
                result.completeExceptionally(iae);
            } else if (s != null && s.finished()) {
                result.complete(s);
            } else {
                CompletableFuture.delayedExecutor(poll.toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> pollUntilDone(id, poll, deadline, result, s != null ? s : last));
            }
        });
    }

    private static <T> CompletionStage<T> retrying(java.util.function.Supplier<CompletionStage<T>> ask, int tries) {
        return ask.get().handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(v);
            }
            if (tries > 1 && unwrap(e) instanceof TimeoutException) {
                return retrying(ask, tries - 1).toCompletableFuture();
            }
            return CompletableFuture.<T>failedFuture(unwrap(e));
        }).thenCompose(f -> f);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}

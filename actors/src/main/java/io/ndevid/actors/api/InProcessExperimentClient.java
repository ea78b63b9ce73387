package io.ndevid.actors.api;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentStatus;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * {@link ExperimentClient} inside a cluster member: asks the coordinator singleton through its proxy, so it keeps
 * working while the coordinator fails over (asks are retried; a submission is idempotent).
 */
final class InProcessExperimentClient implements ExperimentClient {

    private final ActorSystem<?> system;
    private final ActorRef<CoordinatorProtocol.Command> coordinator;
    private final Duration askTimeout;

    InProcessExperimentClient(ActorSystem<?> system) {
        this(system, ClusterNode.coordinator(system), Duration.ofSeconds(10));
    }

    InProcessExperimentClient(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator,
                              Duration askTimeout) {
        this.system = system;
        this.coordinator = coordinator;
        this.askTimeout = askTimeout;
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Accepted> submit(GridSpec grid) {
        return retrying(() -> AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.SubmitReply>ask(coordinator,
                        replyTo -> new CoordinatorProtocol.Submit(grid, replyTo), askTimeout, system.scheduler()), 3)
                .thenApply(reply -> {
                    if (reply instanceof CoordinatorProtocol.Accepted a) {
                        return a;
                    }
                    throw new IllegalArgumentException(((CoordinatorProtocol.Rejected) reply).reason());
                });
    }

    @Override
    public CompletionStage<ExperimentStatus> status(String experimentId) {
        return io.ndevid.actors.protocol.StatusPages.ask(coordinator, experimentId, askTimeout, system.scheduler())
                .thenApply(r -> {
                    if (r.status() == null) {
                        throw new IllegalArgumentException(r.error());
                    }
                    return r.status();
                });
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Ack> cancel(String experimentId, String reason) {
        return AskPattern.ask(coordinator, replyTo -> new CoordinatorProtocol.Cancel(experimentId, reason, replyTo),
                askTimeout, system.scheduler());
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Ack> pause(String experimentId, String trial) {
        return AskPattern.ask(coordinator, replyTo -> new CoordinatorProtocol.Pause(experimentId, trial, replyTo),
                askTimeout, system.scheduler());
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Ack> resume(String experimentId, String trial) {
        return AskPattern.ask(coordinator, replyTo -> new CoordinatorProtocol.Resume(experimentId, trial, replyTo),
                askTimeout, system.scheduler());
    }

    @Override
    public CompletionStage<CoordinatorProtocol.ExperimentList> experiments() {
        return AskPattern.ask(coordinator, CoordinatorProtocol.ListExperiments::new, askTimeout, system.scheduler());
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

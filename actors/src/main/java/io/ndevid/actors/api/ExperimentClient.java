package io.ndevid.actors.api;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentStatus;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Java API to a running cluster: submit a grid, follow it, cancel it. Two ways in, same operations:
 * {@link #inProcess(ActorSystem)} from a cluster member (asks the coordinator singleton), and
 * {@link #connect(URI, String)} from anywhere that reaches a coordinator node's HTTP API.
 *
 * <pre>{@code
 * ExperimentClient c = ExperimentClient.connect(URI.create("http://127.0.0.1:8787/"), Path.of("experiments/token"));
 * c.submit(GridSpec.read(Path.of("grid.json"))).toCompletableFuture().get();
 * ExperimentStatus done = c.awaitCompletion("ablation", Duration.ofSeconds(2), Duration.ofHours(12))
 *         .toCompletableFuture().get();
 * }</pre>
 *
 * Failures: a rejected or invalid grid and an unknown experiment complete exceptionally with an
 * {@link IllegalArgumentException} carrying the reason; over HTTP, a missing/wrong token, an unreachable server or
 * an unanswering coordinator with an {@link ApiException}.
 */
public interface ExperimentClient {

    /** The client inside a cluster member (any role): asks the coordinator singleton through its proxy. */
    static ExperimentClient inProcess(ActorSystem<?> system) {
        return new InProcessExperimentClient(system);
    }

    static ExperimentClient inProcess(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator,
                                      Duration askTimeout) {
        return new InProcessExperimentClient(system, coordinator, askTimeout);
    }

    /**
     * A client of a node's HTTP API ({@code http://HOST:PORT/}); {@code token} (the node's {@code <data-dir>/token})
     * is needed for writes (submit, cancel, pause, resume) and may be null for a read-only client.
     */
    static HttpExperimentClient connect(URI api, String token) {
        return new HttpExperimentClient(api, token);
    }

    /** {@link #connect(URI, String)} with the token read from {@code tokenFile}. */
    static HttpExperimentClient connect(URI api, Path tokenFile) {
        return new HttpExperimentClient(api, io.ndevid.actors.http.ApiToken.read(tokenFile));
    }

    /**
     * Submits an experiment; completes with the coordinator's acceptance (the trial names; {@code alreadyKnown} for
     * an identical re-submit), or exceptionally with an {@link IllegalArgumentException} carrying the reason it was
     * rejected (a bad grid, a name taken by another grid).
     */
    CompletionStage<CoordinatorProtocol.Accepted> submit(GridSpec grid);

    /** The experiment's status now; exceptionally with IllegalArgumentException for an unknown experiment. */
    CompletionStage<ExperimentStatus> status(String experimentId);

    CompletionStage<CoordinatorProtocol.Ack> cancel(String experimentId, String reason);

    CompletionStage<CoordinatorProtocol.Ack> pause(String experimentId, String trial);

    CompletionStage<CoordinatorProtocol.Ack> resume(String experimentId, String trial);

    /** Known experiments and their phase, unreadable journals (and, in process, the trainer slots). */
    CompletionStage<CoordinatorProtocol.ExperimentList> experiments();

    /** A handle on one experiment: status, await, cancel. */
    default ExperimentHandle handle(String experimentId) {
        return new ExperimentHandle(this, experimentId);
    }

    /**
     * Completes with the final status once no trial will run again (all TERMINATED, ERROR or CANCELLED), polling
     * every {@code poll}; exceptionally with a {@link TimeoutException} after {@code timeout}, or with the
     * IllegalArgumentException of an unknown experiment. Unanswered polls (a coordinator failing over, a node
     * restarting) are retried until the deadline.
     */
    default CompletionStage<ExperimentStatus> awaitCompletion(String experimentId, Duration poll, Duration timeout) {
        CompletableFuture<ExperimentStatus> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Polling.pollUntilDone(this, experimentId, poll, deadline, result, null);
        return result;
    }

    /** The polling behind {@link #awaitCompletion}. */
    final class Polling {
        private Polling() {}

        static void pollUntilDone(ExperimentClient client, String id, Duration poll, long deadline,
                                  CompletableFuture<ExperimentStatus> result, ExperimentStatus last) {
            if (deadline - System.nanoTime() < 0) {
                result.completeExceptionally(new TimeoutException("experiment " + id + " did not finish in time; "
                        + "last status:\n" + (last == null ? "none" : last.table())));
                return;
            }
            client.status(id).whenComplete((s, failure) -> {
                if (failure != null && unwrap(failure) instanceof IllegalArgumentException iae) {
                    result.completeExceptionally(iae);
                } else if (s != null && s.finished()) {
                    result.complete(s);
                } else {
                    CompletableFuture.delayedExecutor(poll.toMillis(), TimeUnit.MILLISECONDS)
                            .execute(() -> pollUntilDone(client, id, poll, deadline, result, s != null ? s : last));
                }
            });
        }

        static Throwable unwrap(Throwable t) {
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        }
    }
}

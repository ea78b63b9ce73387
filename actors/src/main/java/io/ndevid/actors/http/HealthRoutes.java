package io.ndevid.actors.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.ndevid.actors.protocol.CoordinatorProtocol;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;

/**
 * {@code GET /alive}: the process answers. {@code GET /ready}: this node is Up in the cluster and the coordinator
 * answers a ListExperiments ask within {@code readyTimeout}; else 503 with the reason.
 */
final class HealthRoutes {

    private final ActorSystem<?> system;
    private final ActorRef<CoordinatorProtocol.Command> coordinator;
    private final Duration readyTimeout;

    HealthRoutes(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator, Duration readyTimeout) {
        this.system = system;
        this.coordinator = coordinator;
        this.readyTimeout = readyTimeout;
    }

    Route route() {
        return concat(
                path("alive", () -> get(() -> completeWithFuture(CompletableFuture.completedFuture(
                        ApiJson.ok(Map.of("alive", true)))))),
                path("ready", () -> get(() -> completeWithFuture(ready()))));
    }

    private CompletionStage<HttpResponse> ready() {
        MemberStatus s = Cluster.get(system).selfMember().status();
        if (s != MemberStatus.up() && s != MemberStatus.weaklyUp()) {
            return CompletableFuture.completedFuture(ApiJson.error(StatusCodes.SERVICE_UNAVAILABLE,
                    "this node is " + s + " in the cluster, not Up"));
        }
        return AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.ExperimentList>ask(coordinator,
                CoordinatorProtocol.ListExperiments::new, readyTimeout, system.scheduler()).handle((l, e) -> e == null
                ? ApiJson.ok(Map.of("ready", true))
                : ApiJson.error(StatusCodes.SERVICE_UNAVAILABLE, "the coordinator did not answer within "
                + readyTimeout.toSeconds() + " s"));
    }
}

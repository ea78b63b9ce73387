package io.ndevid.actors.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.server.Route;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.actors.status.ClusterStatus;
import io.ndevid.actors.status.StatusBoard;

import java.time.Duration;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.onSuccess;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathPrefix;

/**
 * {@code GET /api/cluster}: the {@link ClusterSnapshot} as JSON ({@link ApiJson}) — what {@code ndevid console}
 * reads. {@code ndevid node} adds it to the node's {@link HttpApi}; parts that do not answer are listed in the
 * snapshot's {@code problems}, so the answer is always 200.
 */
public final class ClusterRoutes {

    /** How long the board and the coordinator get to answer one request. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

    private ClusterRoutes() {}

    /** The route, asking {@code board} (null: any status board the Receptionist knows, this node's first). */
    public static Route create(ActorSystem<?> system, ActorRef<StatusBoard.Command> board) {
        ClusterStatus status = new ClusterStatus(system, board, ClusterNode.coordinator(system), ASK_TIMEOUT);
        return pathPrefix("api", () -> path("cluster", () -> get(() ->
                onSuccess(status::snapshot, snapshot -> complete(ApiJson.ok(snapshot))))));
    }
}

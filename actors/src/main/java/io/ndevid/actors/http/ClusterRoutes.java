package io.ndevid.actors.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.marshallers.jackson.Jackson;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.actors.status.ClusterStatus;
import io.ndevid.actors.status.StatusBoard;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.onSuccess;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathPrefix;

/**
 * {@code GET /api/cluster}: the {@link ClusterSnapshot} as JSON — what {@code ndevid console} reads. Plug it into
 * the node's HTTP API with {@code concat(...)}, or serve it alone with {@link #bind}.
 */
public final class ClusterRoutes {

    /** How long the board and the coordinator get to answer one request. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

    public static final ObjectMapper JSON = new ObjectMapper();

    private ClusterRoutes() {}

    /** The route, asking {@code board} (null: any status board the Receptionist knows, this node's first). */
    public static Route create(ActorSystem<?> system, ActorRef<StatusBoard.Command> board) {
        ClusterStatus status = new ClusterStatus(system, board, ClusterNode.coordinator(system), ASK_TIMEOUT);
        return pathPrefix("api", () -> path("cluster", () -> get(() ->
                onSuccess(status::snapshot, snapshot -> complete(StatusCodes.OK, snapshot,
                        Jackson.<ClusterSnapshot>marshaller(JSON))))));
    }

    /** Serves {@link #create} alone on {@code host:port} (0: a free port). */
    public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, ActorRef<StatusBoard.Command> board,
                                                     String host, int port) {
        return Http.get(system).newServerAt(host, port).bind(create(system, board));
    }
}

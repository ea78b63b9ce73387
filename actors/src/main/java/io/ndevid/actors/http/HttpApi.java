package io.ndevid.actors.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.settings.ServerSettings;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.withRequestTimeoutResponse;

/**
 * The HTTP JSON API of a coordinator-role node (Akka HTTP): experiments ({@link ExperimentRoutes}) and their
 * results tables and report ({@link ResultsRoutes}), health
 * ({@code /alive}, {@code /ready}) and whatever {@code extra} routes the caller adds (e.g. {@code /api/cluster}).
 * Writes need the bearer token ({@link ApiAuth}); reads too when {@link HttpSettings#readToken()} is on (health never).
 * Talks to the coordinator singleton through its proxy, so it keeps answering after a coordinator failover. Errors
 * are always {@code {"error": "…"}} JSON: unknown path 404, wrong method 405, no coordinator 503.
 *
 * <pre>{@code
 * HttpApi api = HttpApi.start(system, HttpSettings.fromConfig(system.settings().config()), List.of());
 * System.out.println(api.banner());   // ndevid API: http://127.0.0.1:8787/ (token in …/token)
 * }</pre>
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    /** How long the coordinator may take to answer a request. */
    public static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(3);
    /** How often the event stream polls the coordinator. */
    public static final Duration EVENT_POLL = Duration.ofMillis(500);

    private final ServerBinding binding;
    private final ApiToken token;
    private final String host;

    private HttpApi(ServerBinding binding, ApiToken token, String host) {
        this.binding = binding;
        this.token = token;
        this.host = host;
    }

    public static HttpApi start(ActorSystem<?> system, HttpSettings settings) {
        return start(system, settings, List.of());
    }

    /**
     * Creates (or reads) the token, binds {@code settings.host():settings.port()} and serves the API with
     * {@code extra} routes tried after the built-in ones. Blocks until bound; an IllegalArgumentException with the
     * reason when the address cannot be bound.
     */
    public static HttpApi start(ActorSystem<?> system, HttpSettings settings, List<Route> extra) {
        ApiToken token = ApiToken.loadOrCreate(settings.tokenFile());
        Route route = route(system, ClusterNode.coordinator(system), settings, token, extra);
        ServerSettings server = ServerSettings.create(system.classicSystem()).withRemoteAddressAttribute(true);
        ServerBinding b;
        try {
            b = Http.get(system).newServerAt(settings.host(), settings.port()).withSettings(server).bind(route)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("the HTTP API cannot listen on " + settings.host() + ":"
                    + settings.port() + ": " + c.getMessage() + " (choose another --http-port)");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the HTTP API did not bind " + settings.host() + ":" + settings.port()
                    + " within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the HTTP API");
        }
        b.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
        HttpApi api = new HttpApi(b, token, settings.host());
        LOG.info("HTTP API bound to {} (token {}{})", api.address(), token.file(),
                settings.readToken() ? ", needed for reads too" : "");
        return api;
    }

    /** The whole route, sealed: JSON errors for rejections, exceptions and request timeouts. */
    static Route route(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator, HttpSettings settings,
                       ApiToken token, List<Route> extra) {
        return route(system, coordinator, settings, token, extra, ASK_TIMEOUT, READY_TIMEOUT);
    }

    static Route route(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator, HttpSettings settings,
                       ApiToken token, List<Route> extra, Duration askTimeout, Duration readyTimeout) {
        List<Route> api = new ArrayList<>();
        api.add(new ExperimentRoutes(system, coordinator, settings, token, askTimeout, EVENT_POLL).route());
        api.add(new ResultsRoutes(settings.dataDir()).route());
        api.addAll(extra);
        Route open = concat(api.get(0), api.subList(1, api.size()).toArray(new Route[0]));
        // health stays open (load balancers, scripts); with read-token on, everything else needs the token
        Route guarded = settings.readToken() ? ApiAuth.require(token, "read", who -> open) : open;
        Route health = new HealthRoutes(system, coordinator, readyTimeout).route();
        Route inner = withRequestTimeoutResponse(request -> ApiJson.error(StatusCodes.SERVICE_UNAVAILABLE,
                "the request took too long (is the coordinator up?)"), () -> concat(health, guarded));
        return inner.seal(jsonRejections(), jsonExceptions());
    }

    /** Akka HTTP's standard rejection answers (404, 405 with the allowed methods, 400, …) as {"error": "…"}. */
    static RejectionHandler jsonRejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(HttpApi::asJsonError);
    }

    private static HttpResponse asJsonError(HttpResponse r) {
        if (r.entity() instanceof HttpEntity.Strict s && !s.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            String text = s.getData().decodeString(StandardCharsets.UTF_8).trim();
            return r.withEntity(ContentTypes.APPLICATION_JSON, ApiJson.write(java.util.Map.of("error",
                    text.isEmpty() ? r.status().reason() : text)));
        }
        return r;
    }

    private static ExceptionHandler jsonExceptions() {
        return ExceptionHandler.newBuilder().matchAny(e -> {
            LOG.warn("HTTP API: request failed", e);
            return akka.http.javadsl.server.Directives.complete(ApiJson.error(StatusCodes.INTERNAL_SERVER_ERROR,
                    "internal error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
        }).build();
    }

    public int port() {
        return binding.localAddress().getPort();
    }

    public InetSocketAddress address() {
        return binding.localAddress();
    }

    /** {@code http://HOST:PORT/} with the address as configured (an IPv6 literal in brackets). */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port() + "/";
    }

    public ApiToken token() {
        return token;
    }

    /** The line {@code ndevid node} prints at start. */
    public String banner() {
        return "ndevid API: " + url() + " (token in " + token.file() + ")";
    }

    /** Stops listening; open requests get a few seconds to finish. */
    @Override
    public void close() {
        try {
            binding.terminate(Duration.ofSeconds(3)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("HTTP API: unbind", e);
        }
    }
}

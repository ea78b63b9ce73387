package io.ndevid.actors.http;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.stream.Materializer;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.protocol.StatusPages;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.training.spec.TrialSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.extractRequestEntity;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.parameterOptional;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEnd;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code /api/experiments…}: submit, list, status, trials, cancel, pause/resume a trial, and the event stream. Every
 * answer comes from the coordinator singleton through its proxy (asked with {@code askTimeout}; no answer → 503).
 * Writes need the bearer token and are logged.
 */
public final class ExperimentRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRoutes.class);
    /** Artery's own header in a frame (recipient and sender paths, manifest, …), with room to spare. */
    static final long FRAME_HEADER_BYTES = 4096;

    private final ActorSystem<?> system;
    private final ActorRef<CoordinatorProtocol.Command> coordinator;
    private final HttpSettings settings;
    private final ApiToken token;
    private final Duration askTimeout;
    private final ExperimentEvents events;

    public ExperimentRoutes(ActorSystem<?> system, ActorRef<CoordinatorProtocol.Command> coordinator,
                            HttpSettings settings, ApiToken token, Duration askTimeout, Duration eventPoll) {
        this.system = system;
        this.coordinator = coordinator;
        this.settings = settings;
        this.token = token;
        this.askTimeout = askTimeout;
        this.events = new ExperimentEvents(this::status, eventPoll);
    }

    public Route route() {
        return pathPrefix("api", () -> pathPrefix("experiments", () -> concat(
                pathEnd(() -> concat(
                        get(() -> completeWithFuture(list())),
                        post(() -> authorized("submit", who -> extractRequestEntity(entity ->
                                completeWithFuture(submit(entity, who))))))),
                pathPrefix(PathMatchers.segment(), id -> concat(
                        pathEnd(() -> concat(
                                get(() -> completeWithFuture(statusResponse(id))),
                                delete(() -> authorized("cancel", who -> parameterOptional("reason", reason ->
                                        completeWithFuture(cancel(id, reason, who))))))),
                        path("trials", () -> get(() -> completeWithFuture(trials(id)))),
                        path("events", () -> get(() -> events.route(id))),
                        pathPrefix("trials", () -> pathPrefix(PathMatchers.segment(), trial -> concat(
                                path("pause", () -> post(() -> authorized("pause", who ->
                                        completeWithFuture(pauseOrResume(id, trial, true, who))))),
                                path("resume", () -> post(() -> authorized("resume", who ->
                                        completeWithFuture(pauseOrResume(id, trial, false, who)))))))))))));
    }

    private Route authorized(String action, java.util.function.Function<String, Route> inner) {
        return ApiAuth.require(token, action, inner);
    }

    private CompletionStage<HttpResponse> submit(HttpEntity entity, String who) {
        Materializer mat = Materializer.matFromSystem(system);
        long max = settings.maxSpecBytes();
        if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > max) {
            return done(tooLarge(entity.getContentLengthOption().getAsLong()));
        }
        return entity.withSizeLimit(max).toStrict(askTimeout.toMillis(), mat).handle((strict, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                return CompletableFuture.completedFuture(cause instanceof EntityStreamSizeException
                        ? tooLarge(-1) : ApiJson.error(StatusCodes.BAD_REQUEST, "cannot read the request body: "
                        + cause.getMessage()));
            }
            String body = strict.getData().decodeString(StandardCharsets.UTF_8);
            GridSpec grid;
            List<String> names;
            try {
                grid = GridSpec.parse(body);
                // a grid whose points are not valid trials is the client's mistake: 400, not 409
                names = grid.expand().stream().map(TrialSpec::name).toList();
            } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(ApiJson.error(StatusCodes.BAD_REQUEST, e.getMessage()));
            }
            String crossing = notCrossing(grid, names);
            if (crossing != null) {
                return CompletableFuture.completedFuture(ApiJson.error(StatusCodes.PAYLOAD_TOO_LARGE, crossing));
            }
            return ask(() -> AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.SubmitReply>ask(coordinator,
                    r -> new CoordinatorProtocol.Submit(grid, r), askTimeout, system.scheduler()), reply -> {
                if (reply instanceof CoordinatorProtocol.Accepted a) {
                    LOG.info("HTTP API: {} submitted experiment {} ({} trials{})", who, a.experimentId(),
                            a.trials().size(), a.alreadyKnown() ? ", already known" : "");
                    return ApiJson.response(a.alreadyKnown() ? StatusCodes.OK : StatusCodes.CREATED, a);
                }
                CoordinatorProtocol.Rejected r = (CoordinatorProtocol.Rejected) reply;
                LOG.info("HTTP API: {} submitted experiment {}: rejected: {}", who, r.experimentId(), r.reason());
                return ApiJson.error(StatusCodes.CONFLICT, r.reason());
            }).toCompletableFuture();
        }).thenCompose(f -> f);
    }

    private HttpResponse tooLarge(long bytes) {
        return ApiJson.error(StatusCodes.PAYLOAD_TOO_LARGE, "the grid spec is larger than ndevid.http.max-spec-bytes ("
                + settings.maxSpecBytes() + " bytes)" + (bytes > 0 ? ": " + bytes + " bytes" : ""));
    }

    /**
     * Why the grid's Submit, or the Accepted that answers it, would not fit the Artery frame to or from the
     * coordinator (measured: serialized as Artery would); null when both fit or nothing crosses a process. A grid
     * within max-spec-bytes normally fits (HttpSettings checks the room); one whose binary form is larger than its
     * JSON (e.g. many short floating-point values) or with very many trials may not.
     */
    private String notCrossing(GridSpec grid, List<String> names) {
        long frame = settings.frameBytes();
        if (frame == 0) {
            return null;
        }
        Serialization ser = SerializationExtension.get(system.classicSystem());
        long submit = ser.serialize(new CoordinatorProtocol.Submit(grid, system.deadLetters())).get().length;
        long accepted = ser.serialize(new CoordinatorProtocol.Accepted(grid.name(), names, false)).get().length;
        long room = frame - FRAME_HEADER_BYTES;
        if (submit > room) {
            return "the grid spec is " + submit + " bytes as a message to the coordinator, more than the "
                    + room + " an Artery frame holds (akka.remote.artery.advanced.maximum-large-frame-size); "
                    + "shrink the grid";
        }
        if (accepted > room) {
            return "the grid's " + names.size() + " trial names take " + accepted + " bytes in the coordinator's "
                    + "answer, more than the " + room + " an Artery frame holds "
                    + "(akka.remote.artery.advanced.maximum-large-frame-size); shrink the grid";
        }
        return null;
    }

    private CompletionStage<HttpResponse> list() {
        return ask(() -> AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.ExperimentList>ask(coordinator,
                CoordinatorProtocol.ListExperiments::new, askTimeout, system.scheduler()), l -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("experiments", l.experiments());
            body.put("unreadable", l.unreadable());
            return ApiJson.ok(body);
        });
    }

    /** The status, or empty with the coordinator's reason (unknown / unreadable). */
    CompletionStage<StatusOrError> status(String id) {
        return StatusPages.ask(coordinator, id, askTimeout, system.scheduler())
                .thenApply(r -> new StatusOrError(r.status(), r.error()));
    }

    /** What a status ask gave: a status, or the coordinator's reason it has none. */
    record StatusOrError(ExperimentStatus status, String error) {
        boolean unknown() {
            return status == null && error != null && error.startsWith("unknown experiment");
        }

        HttpResponse failure() {
            return ApiJson.error(unknown() ? StatusCodes.NOT_FOUND : StatusCodes.INTERNAL_SERVER_ERROR, error);
        }
    }

    private CompletionStage<HttpResponse> statusResponse(String id) {
        return ask(() -> status(id), s -> s.status() != null ? ApiJson.ok(s.status()) : s.failure());
    }

    private CompletionStage<HttpResponse> trials(String id) {
        return ask(() -> status(id), s -> s.status() != null ? ApiJson.ok(s.status().trials()) : s.failure());
    }

    private CompletionStage<HttpResponse> cancel(String id, Optional<String> reason, String who) {
        String why = reason.orElse("cancelled through the HTTP API by " + who);
        return ask(() -> AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.Ack>ask(coordinator,
                r -> new CoordinatorProtocol.Cancel(id, why, r), askTimeout, system.scheduler()), ack -> {
            LOG.info("HTTP API: {} cancelled experiment {} ({}): {}", who, id, why, ack.message());
            if (!ack.ok()) {
                return ApiJson.error(ack.message().startsWith("unknown experiment") ? StatusCodes.NOT_FOUND
                        : StatusCodes.CONFLICT, ack.message());
            }
            return ApiJson.ok(ack);
        });
    }

    private CompletionStage<HttpResponse> pauseOrResume(String id, String trial, boolean pause, String who) {
        return ask(() -> AskPattern.<CoordinatorProtocol.Command, CoordinatorProtocol.Ack>ask(coordinator,
                r -> pause ? new CoordinatorProtocol.Pause(id, trial, r)
                        : new CoordinatorProtocol.Resume(id, trial, r), askTimeout, system.scheduler()), ack -> {
            LOG.info("HTTP API: {} {} {} / {}: {}", who, pause ? "paused" : "resumed", id, trial, ack.message());
            if (!ack.ok()) {
                return ApiJson.error(ack.message().startsWith("unknown trial") ? StatusCodes.NOT_FOUND
                        : StatusCodes.CONFLICT, ack.message());
            }
            return ApiJson.ok(ack);
        });
    }

    /** Asks, maps the answer; an unanswered ask is 503. */
    private <T> CompletionStage<HttpResponse> ask(Supplier<CompletionStage<T>> ask,
                                                  java.util.function.Function<T, HttpResponse> answer) {
        return ask.get().handle((v, e) -> {
            if (e == null) {
                return answer.apply(v);
            }
            return unavailable(unwrap(e));
        });
    }

    HttpResponse unavailable(Throwable e) {
        if (e instanceof TimeoutException) {
            return ApiJson.error(StatusCodes.SERVICE_UNAVAILABLE, "the coordinator did not answer within "
                    + askTimeout.toSeconds() + " s (no coordinator node up, or it is failing over); retry");
        }
        return ApiJson.error(StatusCodes.SERVICE_UNAVAILABLE, "the coordinator is not reachable: " + e.getMessage());
    }

    private static CompletionStage<HttpResponse> done(HttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}

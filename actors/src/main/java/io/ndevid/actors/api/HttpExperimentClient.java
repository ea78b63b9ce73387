package io.ndevid.actors.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.actors.http.ApiJson;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialStatus;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link ExperimentClient} over a coordinator node's HTTP JSON API ({@code ExperimentClient.connect}). Plain
 * {@code java.net.http}; answers are the same records as in process (the list of experiments carries no slots).
 * A submit that meets an unanswering coordinator (503, failing over) is retried twice; submitting is idempotent.
 */
public final class HttpExperimentClient implements ExperimentClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http;

    HttpExperimentClient(URI api, String token) {
        String s = api.toString();
        if (!s.startsWith("http://") && !s.startsWith("https://")) {
            throw new IllegalArgumentException("the API address must be http://HOST:PORT/ or https://…, got '"
                    + api + "'");
        }
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Accepted> submit(GridSpec grid) {
        return submitJson(grid.toJson());
    }

    /** Submits a grid as JSON text (the server parses and validates it: a bad one is an IllegalArgumentException). */
    public CompletionStage<CoordinatorProtocol.Accepted> submitJson(String gridJson) {
        return retryingUnavailable(() -> send(write("POST", "api/experiments",
                HttpRequest.BodyPublishers.ofString(gridJson, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json").build()), 3)
                .thenApply(body -> read(body, CoordinatorProtocol.Accepted.class));
    }

    @Override
    public CompletionStage<ExperimentStatus> status(String experimentId) {
        return send(get("api/experiments/" + segment(experimentId))).thenApply(b -> read(b, ExperimentStatus.class));
    }

    /** The experiment's trials now. */
    public CompletionStage<List<TrialStatus>> trials(String experimentId) {
        return send(get("api/experiments/" + segment(experimentId) + "/trials"))
                .thenApply(b -> read(b, new TypeReference<List<TrialStatus>>() {}));
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Ack> cancel(String experimentId, String reason) {
        String q = reason == null ? "" : "?reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8);
        return send(write("DELETE", "api/experiments/" + segment(experimentId) + q,
                HttpRequest.BodyPublishers.noBody()).build()).thenApply(b -> read(b, CoordinatorProtocol.Ack.class));
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Ack> pause(String experimentId, String trial) {
        return trialAction(experimentId, trial, "pause");
    }

    @Override
    public CompletionStage<CoordinatorProtocol.Ack> resume(String experimentId, String trial) {
        return trialAction(experimentId, trial, "resume");
    }

    private CompletionStage<CoordinatorProtocol.Ack> trialAction(String experimentId, String trial, String action) {
        return send(write("POST", "api/experiments/" + segment(experimentId) + "/trials/" + segment(trial) + "/"
                + action, HttpRequest.BodyPublishers.noBody()).build()).thenApply(b -> read(b,
                CoordinatorProtocol.Ack.class));
    }

    @Override
    public CompletionStage<CoordinatorProtocol.ExperimentList> experiments() {
        return send(get("api/experiments")).thenApply(b -> {
            JsonNode n = read(b, JsonNode.class);
            Map<String, ExperimentState.Phase> exps = ApiJson.mapper().convertValue(n.path("experiments"),
                    new TypeReference<Map<String, ExperimentState.Phase>>() {});
            Map<String, String> unreadable = ApiJson.mapper().convertValue(n.path("unreadable"),
                    new TypeReference<Map<String, String>>() {});
            return new CoordinatorProtocol.ExperimentList(exps == null ? Map.of() : exps,
                    unreadable == null ? Map.of() : unreadable, List.of());
        });
    }

    /** A read; it carries the token too when there is one (a node with ndevid.http.read-token on wants it). */
    private HttpRequest get(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private HttpRequest.Builder write(String method, String path, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .method(method, body);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** The body of a 2xx answer; else the failure the status means, with the server's reason. */
    private CompletionStage<String> send(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((r, e) -> {
                    if (e != null) {
                        throw unreachable(ExperimentClient.Polling.unwrap(e));
                    }
                    int code = r.statusCode();
                    if (code >= 200 && code < 300) {
                        return r.body();
                    }
                    String reason = reason(r.body(), code);
                    throw switch (code) {
                        case 400, 404, 409, 413 -> new IllegalArgumentException(reason);
                        case 401 -> new ApiException(401, "unauthorized: " + reason + (token == null
                                ? " (no token given)" : " (the token does not match the server's)"));
                        default -> new ApiException(code, "the API answered " + code + ": " + reason);
                    };
                });
    }

    private ApiException unreachable(Throwable e) {
        String why;
        if (e instanceof ConnectException) {
            why = "connection refused";
        } else if (e instanceof HttpConnectTimeoutException) {
            why = "connection timed out";
        } else if (e instanceof HttpTimeoutException) {
            why = "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
        } else if (e instanceof IOException) {
            why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } else if (e instanceof RuntimeException re) {
            throw re;
        } else {
            why = String.valueOf(e);
        }
        return new ApiException(0, "cannot reach the ndevid API at " + base + ": " + why
                + " (is an `ndevid node --role coordinator` running there? see --api)");
    }

    private static String reason(String body, int code) {
        try {
            JsonNode n = ApiJson.mapper().readTree(body);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (IOException ignored) {
            // not JSON: say what came
        }
        return body == null || body.isBlank() ? "HTTP " + code : body.strip();
    }

    private static <T> T read(String body, Class<T> type) {
        try {
            return ApiJson.mapper().readValue(body, type);
        } catch (IOException e) {
            throw new ApiException(200, "cannot read the API's answer as " + type.getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    private static <T> T read(String body, TypeReference<T> type) {
        try {
            return ApiJson.mapper().readValue(body, type);
        } catch (IOException e) {
            throw new ApiException(200, "cannot read the API's answer: " + e.getMessage());
        }
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static CompletionStage<String> retryingUnavailable(Supplier<CompletionStage<String>> call, int tries) {
        return call.get().handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(v);
            }
            Throwable t = ExperimentClient.Polling.unwrap(e);
            if (tries > 1 && t instanceof ApiException a && a.status() == 503) {
                return CompletableFuture.supplyAsync(() -> null,
                                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS))
                        .thenCompose(x -> retryingUnavailable(call, tries - 1)).toCompletableFuture();
            }
            return CompletableFuture.<String>failedFuture(t);
        }).thenCompose(f -> f);
    }
}

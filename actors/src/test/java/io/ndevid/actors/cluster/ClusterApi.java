package io.ndevid.actors.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.actors.http.ApiJson;
import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentStatus;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A coordinator node's HTTP API as the tests use it, on the wire contract ({@code POST /api/experiments} with
 * {@code Authorization: Bearer <token>} → 201 {@code {"experimentId","trials","alreadyKnown"}};
 * {@code GET /api/experiments/{id}} → ExperimentStatus JSON), with plain {@code java.net.http}.
 */
final class ClusterApi {

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code node}'s API; the token is the one in the shared data directory. */
    ClusterApi(ClusterProcesses.Node node, Path dataDir) throws IOException {
        if (node.api == null) {
            throw new IllegalStateException("node " + node + " printed no API address");
        }
        this.base = URI.create(node.api);
        this.token = Files.readString(dataDir.resolve("token")).trim();
    }

    URI base() {
        return base;
    }

    /** Submits the grid; the names of its trials. */
    List<String> submit(GridSpec grid) throws IOException, InterruptedException {
        HttpResponse<String> r = post(grid.toJson());
        if (r.statusCode() != 201) {
            throw new AssertionError("POST " + base + "api/experiments: " + r.statusCode() + " " + r.body());
        }
        JsonNode n = ApiJson.mapper().readTree(r.body());
        if (!grid.name().equals(n.path("experimentId").asText()) || n.path("alreadyKnown").asBoolean(true)) {
            throw new AssertionError("unexpected answer to a new submission: " + r.body());
        }
        List<String> trials = new ArrayList<>();
        n.path("trials").forEach(t -> trials.add(t.asText()));
        return trials;
    }

    /** {@code POST /api/experiments} of {@code json} as it is, with the token: the answer, whatever its status. */
    HttpResponse<String> post(String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve("api/experiments")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The experiment's status; an IOException when the node does not answer 200 (e.g. 503 while failing over). */
    ExperimentStatus status(String experimentId) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("api/experiments/" + experimentId))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + base + "api/experiments/" + experimentId + ": " + r.statusCode() + " "
                    + r.body());
        }
        return ApiJson.mapper().readValue(r.body(), ExperimentStatus.class);
    }

    /** The cluster as this node sees it ({@code GET /api/cluster}); an IOException unless 200. */
    ClusterSnapshot cluster() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("api/cluster"))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + base + "api/cluster: " + r.statusCode() + " " + r.body());
        }
        return ApiJson.mapper().readValue(r.body(), ClusterSnapshot.class);
    }

    /** GET {@code path} without a token: its status code (for /ready, /alive), or -1 when nothing answers. */
    int probe(String path) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }
}

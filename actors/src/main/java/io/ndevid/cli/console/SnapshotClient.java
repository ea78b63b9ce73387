package io.ndevid.cli.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.actors.status.ClusterSnapshot;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** Fetches {@code GET /api/cluster} from a node's HTTP API; failures are one-line {@link IOException}s. */
public final class SnapshotClient {

    /** The API's own JSON (unknown fields ignored, non-finite numbers as "NaN" strings). */
    private static final ObjectMapper JSON = io.ndevid.actors.http.ApiJson.mapper();

    private final URI uri;
    private final HttpClient http;
    private final Duration timeout;

    /** @param hostPort {@code host:port} of the API, or a base URL ({@code http://host:port/}) */
    public SnapshotClient(String hostPort, Duration timeout) {
        this.uri = uriOf(hostPort);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    static URI uriOf(String hostPort) {
        String base = hostPort.contains("://") ? hostPort : "http://" + hostPort;
        if (!base.endsWith("/")) {
            base += "/";
        }
        try {
            URI u = URI.create(base).resolve("api/cluster");
            if (u.getHost() == null || u.getPort() < 0 && !hostPort.contains("://")) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--connect wants HOST:PORT (e.g. 127.0.0.1:8787), got '" + hostPort
                    + "'");
        }
    }

    public URI uri() {
        return uri;
    }

    public ClusterSnapshot fetch() throws IOException, InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + uri + " (is a node serving the API there?)");
        } catch (HttpTimeoutException e) {
            throw new IOException("no answer from " + uri + " within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            throw new IOException("cannot fetch " + uri + ": " + (e.getMessage() == null ? e.getClass()
                    .getSimpleName() : e.getMessage()));
        }
        if (r.statusCode() != 200) {
            throw new IOException(uri + " answered HTTP " + r.statusCode());
        }
        try {
            return JSON.readValue(r.body(), ClusterSnapshot.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(uri + " did not answer a cluster snapshot: " + e.getOriginalMessage());
        }
    }
}

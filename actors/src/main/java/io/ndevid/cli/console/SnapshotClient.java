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

/**
 * Fetches {@code GET /api/cluster} from a node's HTTP API, with the API token as {@code Authorization: Bearer} when
 * it has one (a node with {@code ndevid.http.read-token} on wants it); failures are one-line {@link IOException}s.
 */
public final class SnapshotClient {

    /** The API's own JSON (unknown fields ignored, non-finite numbers as "NaN" strings). */
    private static final ObjectMapper JSON = io.ndevid.actors.http.ApiJson.mapper();

    private final URI uri;
    private final HttpClient http;
    private final Duration timeout;
    private final String token;

    /** @param hostPort {@code host:port} of the API, or a base URL ({@code http://host:port/}) */
    public SnapshotClient(String hostPort, Duration timeout) {
        this(hostPort, timeout, null);
    }

    /** @param token the API token to send, or null */
    public SnapshotClient(String hostPort, Duration timeout, String token) {
        this.uri = uriOf(hostPort);
        this.timeout = timeout;
        this.token = token;
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
            HttpRequest.Builder get = HttpRequest.newBuilder(uri).timeout(timeout).GET();
            if (token != null) {
                get.header("Authorization", "Bearer " + token);
            }
            r = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + uri + " (is a node serving the API there?)");
        } catch (HttpTimeoutException e) {
            throw new IOException("no answer from " + uri + " within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            throw new IOException("cannot fetch " + uri + ": " + (e.getMessage() == null ? e.getClass()
                    .getSimpleName() : e.getMessage()));
        }
        if (r.statusCode() == 401) {
            throw new IOException(uri + " answered HTTP 401: " + (token == null ? "this node wants the API token for "
                    + "reads: pass --token-file FILE, set NDEVID_TOKEN, or --dir the experiments directory"
                    : "the token does not match the node's <data-dir>/token"));
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

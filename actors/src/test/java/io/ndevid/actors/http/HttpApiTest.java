package io.ndevid.actors.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.ndevid.actors.api.ApiException;
import io.ndevid.actors.api.ExperimentClient;
import io.ndevid.actors.api.HttpExperimentClient;
import io.ndevid.actors.api.LocalCluster;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.testing.TinyGanExecutor;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The HTTP API against a real one-node cluster in this JVM (Artery on 127.0.0.1, the coordinator singleton, two
 * trainer slots as actors running the real TrainerLoop around a tiny model), served on a free port of 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpApiTest {

    static final long MAX_SPEC = 4096;

    @TempDir
    static Path dir;

    LocalCluster cluster;
    HttpApi api;
    String token;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, String body) {
        JsonNode json() throws IOException {
            return ApiJson.mapper().readTree(body);
        }

        String error() throws IOException {
            return json().path("error").asText();
        }
    }

    @BeforeAll
    void start() {
        cluster = LocalCluster.start(LocalCluster.Options.inProcess(dir, 2, new TinyGanExecutor(5)));
        api = HttpApi.start(cluster.system(), new HttpSettings("127.0.0.1", 0, MAX_SPEC, dir), List.of());
        token = ApiToken.read(dir.resolve("token"));
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    Answer call(String method, String path, String body, String bearer) throws Exception {
        return callAt(api.url().replaceAll("/$", ""), method, path, body, bearer);
    }

    static String gridJson(String name, int seeds, int iterations) {
        return TestSpecs.grid(name, seeds, iterations, 4, 1).toJson();
    }

    @Test
    void aliveReadyAndJsonErrorsForUnknownPathsAndMethods() throws Exception {
        Answer alive = call("GET", "/alive", null, null);
        assertEquals(200, alive.status());
        assertTrue(alive.json().path("alive").asBoolean());
        assertEquals(200, call("GET", "/ready", null, null).status());

        Answer nowhere = call("GET", "/api/nowhere", null, null);
        assertEquals(404, nowhere.status());
        assertFalse(nowhere.error().isBlank(), nowhere.body());
        Answer put = call("PUT", "/api/experiments", "{}", token);
        assertEquals(405, put.status(), put.body());
        assertTrue(put.error().contains("GET") && put.error().contains("POST"), put.body());
    }

    @Test
    void writesWithoutTheTokenAre401AndChangeNothing() throws Exception {
        String before = call("GET", "/api/experiments", null, null).body();
        String grid = gridJson("unauthorized", 1, 12);
        Answer none = call("POST", "/api/experiments", grid, null);
        assertEquals(401, none.status(), none.body());
        assertTrue(none.error().contains("token"), none.body());
        Answer wrong = call("POST", "/api/experiments", grid, "0".repeat(64));
        assertEquals(401, wrong.status(), wrong.body());
        assertEquals(401, call("POST", "/api/experiments", grid, token + "x").status());
        assertEquals(before, call("GET", "/api/experiments", null, null).body());
        assertFalse(call("GET", "/api/experiments", null, null).json().path("experiments").has("unauthorized"));
        assertEquals(404, call("GET", "/api/experiments/unauthorized", null, null).status());
    }

    @Test
    void badSpecsAre400WithTheReason() throws Exception {
        Answer malformed = call("POST", "/api/experiments", "{\"name\": ", token);
        assertEquals(400, malformed.status(), malformed.body());
        assertTrue(malformed.error().contains("not valid JSON"), malformed.body());

        Answer unknownField = call("POST", "/api/experiments", "{\"name\":\"x\",\"colour\":\"red\"}", token);
        assertEquals(400, unknownField.status(), unknownField.body());
        assertTrue(unknownField.error().contains("colour"), unknownField.body());

        String invalid = gridJson("invalid", 1, 12).replace("\"cpu-tiny\"", "\"no-such-preset\"");
        Answer bad = call("POST", "/api/experiments", invalid, token);
        assertEquals(400, bad.status(), bad.body());
        assertTrue(bad.error().contains("no-such-preset"), bad.body());

        String padded = gridJson("huge", 1, 12) + " ".repeat((int) MAX_SPEC);
        Answer huge = call("POST", "/api/experiments", padded, token);
        assertEquals(413, huge.status(), huge.body());
        assertTrue(huge.error().contains("max-spec-bytes"), huge.body());
        JsonNode list = call("GET", "/api/experiments", null, null).json().path("experiments");
        assertFalse(list.has("invalid") || list.has("huge"), list.toString());
    }

    @Test
    void unknownExperimentsAre404() throws Exception {
        for (Answer a : List.of(call("GET", "/api/experiments/nope", null, null),
                call("GET", "/api/experiments/nope/trials", null, null),
                call("DELETE", "/api/experiments/nope", null, token),
                call("GET", "/api/experiments/nope/events", null, null))) {
            assertEquals(404, a.status(), a.body());
            assertTrue(a.error().contains("unknown experiment"), a.body());
        }
        assertEquals(401, call("DELETE", "/api/experiments/nope", null, null).status());
    }

    @Test
    void submitListStatusTrialsAndCancel() throws Exception {
        String grid = gridJson("http-cancel", 2, 100_000);
        Answer created = call("POST", "/api/experiments", grid, token);
        assertEquals(201, created.status(), created.body());
        assertEquals("http-cancel", created.json().path("experimentId").asText());
        assertEquals(4, created.json().path("trials").size());
        assertFalse(created.json().path("alreadyKnown").asBoolean());

        Answer again = call("POST", "/api/experiments", grid, token);
        assertEquals(200, again.status(), again.body());
        assertTrue(again.json().path("alreadyKnown").asBoolean());
        Answer taken = call("POST", "/api/experiments", gridJson("http-cancel", 1, 12), token);
        assertEquals(409, taken.status(), taken.body());
        assertTrue(taken.error().contains("already exists"), taken.body());

        assertEquals("RUNNING", call("GET", "/api/experiments", null, null).json()
                .path("experiments").path("http-cancel").asText());
        JsonNode status = call("GET", "/api/experiments/http-cancel", null, null).json();
        assertEquals("http-cancel", status.path("id").asText());
        assertEquals("RUNNING", status.path("phase").asText());
        assertEquals(4, status.path("trials").size());
        assertTrue(status.path("counts").has("PENDING"), status.toString());
        assertTrue(status.path("dir").asText().contains("http-cancel"));
        Answer trials = call("GET", "/api/experiments/http-cancel/trials", null, null);
        assertEquals(200, trials.status());
        List<String> names = new ArrayList<>();
        trials.json().forEach(t -> names.add(t.path("name").asText()));
        List<String> accepted = new ArrayList<>();
        created.json().path("trials").forEach(t -> accepted.add(t.asText()));
        assertEquals(accepted, names);

        String last = accepted.get(3); // pending or running: either can be paused
        String trialPath = "/api/experiments/http-cancel/trials/" + last;
        assertEquals(401, call("POST", trialPath + "/pause", null, null).status());
        Answer paused = call("POST", trialPath + "/pause", null, token);
        assertEquals(200, paused.status(), paused.body());
        assertTrue(paused.json().path("ok").asBoolean(), paused.body());
        Answer noTrial = call("POST", "/api/experiments/http-cancel/trials/nope/pause", null, token);
        assertEquals(404, noTrial.status(), noTrial.body());
        CoordinatorProtocol.Ack resumed = ExperimentClient.connect(URI.create(api.url()), token)
                .resume("http-cancel", last).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(resumed.ok(), resumed.message());

        Answer cancelled = call("DELETE", "/api/experiments/http-cancel?reason=test", null, token);
        assertEquals(200, cancelled.status(), cancelled.body());
        assertTrue(cancelled.json().path("ok").asBoolean());
        ExperimentStatus done = ExperimentClient.connect(URI.create(api.url()), (String) null)
                .awaitCompletion("http-cancel", Duration.ofMillis(200), Duration.ofSeconds(30))
                .toCompletableFuture().get();
        assertEquals(ExperimentState.Phase.CANCELLED, done.phase(), done.table());
        assertEquals(4, done.count(TrialState.CANCELLED), done.table());
    }

    @Test
    void eventStreamReportsTrialsAndCompletesWhenTheExperimentFinishes() throws Exception {
        // long enough (≥ 0.4 s of steps) that the stream opens while the trials still run
        assertEquals(201, call("POST", "/api/experiments", gridJson("http-sse", 1, 80), token).status());
        HttpRequest r = HttpRequest.newBuilder(URI.create(api.url()).resolve("/api/experiments/http-sse/events"))
                .timeout(Duration.ofSeconds(50)).GET().build();
        HttpResponse<Stream<String>> resp = http.send(r, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, resp.statusCode());
        assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String[]> events = new ArrayList<>(); // {type, data}
        String type = null;
        StringBuilder data = new StringBuilder();
        try (Stream<String> lines = resp.body()) {
            for (String line : (Iterable<String>) lines::iterator) { // ends when the server completes the stream
                if (line.startsWith("event:")) {
                    type = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                } else if (line.isEmpty() && !data.isEmpty()) { // a blank line ends an event (heartbeats have none)
                    events.add(new String[] {type, data.toString()});
                    type = null;
                    data.setLength(0);
                }
            }
        }
        assertEquals("experiment", events.get(0)[0]);
        assertEquals("RUNNING", ApiJson.mapper().readTree(events.get(0)[1]).path("phase").asText());
        String[] last = events.get(events.size() - 1);
        assertEquals("experiment", last[0]);
        ExperimentStatus finished = ApiJson.mapper().readValue(last[1], ExperimentStatus.class);
        assertEquals(ExperimentState.Phase.FINISHED, finished.phase());
        assertTrue(finished.trials().isEmpty());
        List<TrialStatus> trialEvents = new ArrayList<>();
        for (String[] e : events) {
            if ("trial".equals(e[0])) {
                trialEvents.add(ApiJson.mapper().readValue(e[1], TrialStatus.class));
            }
        }
        for (String name : List.of("tgan-ode1-linear-s0", "tgan-ode2-linear-s0")) {
            List<TrialState> states = trialEvents.stream().filter(t -> t.name().equals(name))
                    .map(TrialStatus::state).toList();
            assertFalse(states.isEmpty(), name + " has no events: " + trialEvents);
            assertEquals(TrialState.TERMINATED, states.get(states.size() - 1), name + ": " + states);
            assertTrue(states.size() >= 2, name + " should be seen before it ended: " + states);
        }
    }

    @Test
    void anExperimentSubmittedOverHttpHasItsResultsTablesAndReportServed() throws Exception {
        Answer unknown = call("GET", "/api/experiments/http-results/results", null, null);
        assertEquals(404, unknown.status(), unknown.body());
        assertTrue(unknown.error().contains("unknown experiment"), unknown.body());
        assertEquals(201, call("POST", "/api/experiments", gridJson("http-results", 1, 12), token).status());
        ExperimentStatus done = cluster.client().awaitCompletion("http-results", Duration.ofMillis(200),
                Duration.ofSeconds(45)).toCompletableFuture().get();
        assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
        // the coordinator writes them off its own thread once the experiment finished
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Answer report = call("GET", "/api/experiments/http-results/report", null, null);
        while (report.status() == 404 && deadline - System.nanoTime() > 0) {
            assertTrue(report.error().contains("has no report.html yet"), report.body());
            Thread.sleep(200);
            report = call("GET", "/api/experiments/http-results/report", null, null);
        }
        assertEquals(200, report.status(), report.body());
        assertTrue(report.body().contains("<h1>ndevid grid report</h1>"), report.body());
        Answer md = call("GET", "/api/experiments/http-results/results", null, null);
        assertEquals(200, md.status(), md.body());
        assertTrue(md.body().startsWith("# Results\n\n- experiment: http-results\n"), md.body());
        assertTrue(md.body().contains("| tgan / ode1 / linear | TERMINATED: completed (no final-metrics.json) |"), md.body());
        Answer csv = call("GET", "/api/experiments/http-results/results.csv", null, null);
        assertEquals(200, csv.status(), csv.body());
        assertTrue(csv.body().contains(",tgan-ode2-linear-s0,"), csv.body());
        assertEquals(Files.readString(dir.resolve("http-results").resolve("results.csv")), csv.body());
        Answer ranks = call("GET", "/api/experiments/http-results/rank-stability.csv", null, null);
        assertEquals(200, ranks.status(), ranks.body());
        assertEquals(Files.readString(dir.resolve("http-results").resolve("rank-stability.csv")), ranks.body());
        Answer missing = call("GET", "/api/experiments/http-results/report/nothing.png", null, null);
        assertEquals(404, missing.status(), missing.body());
        assertEquals(404, call("GET", "/api/experiments/http-results/report/..%2Fjournal.jsonl", null, null)
                .status());
    }

    @Test
    void remoteClientSubmitsAwaitsAndRoundTripsTheStatus() throws Exception {
        HttpExperimentClient remote = ExperimentClient.connect(URI.create(api.url()), dir.resolve("token"));
        GridSpec grid = TestSpecs.grid("http-remote", 1, 12, 4, 1);
        CoordinatorProtocol.Accepted a = remote.submit(grid).toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertEquals(List.of("tgan-ode1-linear-s0", "tgan-ode2-linear-s0"), a.trials());
        ExperimentStatus done = remote.handle("http-remote").await(Duration.ofMillis(200), Duration.ofSeconds(45))
                .toCompletableFuture().get();
        assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
        assertEquals(2, done.count(TrialState.TERMINATED), done.table());
        // the JSON round trip gives the same records as the in-process client, once the status is stable (the
        // checkpoint store fills in each trial's checkpoint shortly after it TERMINATED)
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        ExperimentStatus local = cluster.client().status("http-remote").toCompletableFuture().get(10,
                TimeUnit.SECONDS);
        while (local.trials().stream().anyMatch(t -> t.checkpoint() == null) && deadline - System.nanoTime() > 0) {
            Thread.sleep(100);
            local = cluster.client().status("http-remote").toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        ExperimentStatus viaHttp = remote.status("http-remote").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(local, viaHttp);
        assertEquals(local.trials(), remote.trials("http-remote").toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(ExperimentState.Phase.FINISHED, remote.experiments().toCompletableFuture().get(10,
                TimeUnit.SECONDS).experiments().get("http-remote"));

        var unknown = assertThrows(ExecutionException.class, () -> remote.status("nope").toCompletableFuture().get());
        assertTrue(unknown.getCause() instanceof IllegalArgumentException, unknown.toString());
        var unauthorized = assertThrows(ExecutionException.class, () -> ExperimentClient.connect(
                URI.create(api.url()), "wrong").submit(grid).toCompletableFuture().get());
        assertEquals(401, ((ApiException) unauthorized.getCause()).status());
    }

    @Test
    void defaultServerDoesNotListenOnOtherInterfaces() throws Exception {
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> !a.isLoopbackAddress() && !(a instanceof Inet6Address && a.isLinkLocalAddress()))
                .findFirst();
        assumeTrue(external.isPresent(), "this machine has no non-loopback address");
        assertEquals("127.0.0.1", HttpSettings.fromConfig(cluster.system().settings().config()).host());
        // the loopback port answers ...
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), api.port()), 2000);
        }
        // ... the same port on another interface does not (refused: nothing listens there)
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(external.get(), api.port()), 2000);
            throw new AssertionError("the API must not listen on " + external.get() + ":" + api.port());
        } catch (ConnectException refused) {
            // expected
        } catch (java.net.SocketTimeoutException dropped) {
            assumeTrue(false, "a firewall drops connections to " + external.get() + ": cannot tell");
        }
    }

    @Test
    void withReadTokenOnReadsNeedTheTokenToo() throws Exception {
        // off (the default): reads are open
        assertEquals(200, call("GET", "/api/experiments", null, null).status());
        assertEquals(404, call("GET", "/api/experiments/nope/results", null, null).status());
        try (HttpApi guarded = HttpApi.start(cluster.system(), new HttpSettings("127.0.0.1", 0, MAX_SPEC, dir)
                .withReadToken(true), List.of(ClusterRoutes.create(cluster.system(), null)))) {
            String base = "http://127.0.0.1:" + guarded.port();
            for (String read : List.of("/api/experiments", "/api/experiments/nope", "/api/experiments/nope/trials",
                    "/api/experiments/nope/events", "/api/experiments/nope/results", "/api/experiments/nope/report",
                    "/api/cluster", "/api/nowhere")) {
                Answer none = callAt(base, "GET", read, null, null);
                assertEquals(401, none.status(), read + ": " + none.body());
                assertTrue(none.error().startsWith("this needs the API token: Authorization: Bearer"), none.body());
                Answer wrong = callAt(base, "GET", read, null, token.substring(1) + "0");
                assertEquals(401, wrong.status(), read + ": " + wrong.body());
                assertTrue(wrong.error().startsWith("wrong token"), wrong.body());
            }
            Answer list = callAt(base, "GET", "/api/experiments", null, token);
            assertEquals(200, list.status(), list.body());
            assertEquals(call("GET", "/api/experiments", null, null).json().path("experiments").size(),
                    list.json().path("experiments").size());
            assertEquals(404, callAt(base, "GET", "/api/experiments/nope", null, token).status());
            assertEquals(200, callAt(base, "GET", "/api/cluster", null, token).status());
            // health stays open; writes are as before: the token, then the request's own checks
            assertEquals(200, callAt(base, "GET", "/alive", null, null).status());
            assertEquals(200, callAt(base, "GET", "/ready", null, null).status());
            assertEquals(401, callAt(base, "POST", "/api/experiments", gridJson("guarded", 1, 12), null).status());
            assertEquals(400, callAt(base, "POST", "/api/experiments", "{", token).status());
            // the clients send the token with reads: the API client and the console's
            HttpExperimentClient client = ExperimentClient.connect(URI.create(base), token);
            assertEquals(list.json().path("experiments").size(), client.experiments().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS).experiments().size());
            ApiException refused = (ApiException) assertThrows(ExecutionException.class, () -> ExperimentClient
                    .connect(URI.create(base), (String) null).experiments().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)).getCause();
            assertEquals(401, refused.status(), refused.getMessage());
            String hostPort = "127.0.0.1:" + guarded.port();
            assertFalse(new io.ndevid.cli.console.SnapshotClient(hostPort, Duration.ofSeconds(10), token).fetch()
                    .members().isEmpty());
            IOException noToken = assertThrows(IOException.class, () -> new io.ndevid.cli.console.SnapshotClient(
                    hostPort, Duration.ofSeconds(10)).fetch());
            assertTrue(noToken.getMessage().contains("401") && noToken.getMessage().contains("--token-file"),
                    noToken.getMessage());
        }
    }

    @Test
    void theSpecLimitMustFitTheArteryFrameThatCarriesIt() {
        com.typesafe.config.Config repo = io.ndevid.actors.cluster.ClusterConfig.load(
                new io.ndevid.actors.cluster.ClusterConfig.NodeAddress(List.of("coordinator"), "127.0.0.1", 0,
                        List.of()), null, null, java.util.Map.of());
        HttpSettings s = HttpSettings.fromConfig(repo);
        assertFalse(s.readToken());
        assertEquals(repo.getBytes("akka.remote.artery.advanced.maximum-large-frame-size"), s.frameBytes(),
                "base.conf sends the coordinator's messages on the large-message stream");
        assertTrue(s.maxSpecBytes() + HttpSettings.ENVELOPE_BYTES <= s.frameBytes(), s.toString());
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> HttpSettings.fromConfig(
                com.typesafe.config.ConfigFactory.parseString("ndevid.http.max-spec-bytes = 4MiB").withFallback(repo)));
        assertTrue(tooBig.getMessage().contains("max-spec-bytes") && tooBig.getMessage()
                .contains("maximum-large-frame-size"), tooBig.getMessage());
        // without the coordinator among the large-message destinations the ordinary frame (256 KiB) is the limit
        IllegalArgumentException ordinary = assertThrows(IllegalArgumentException.class, () -> HttpSettings
                .fromConfig(com.typesafe.config.ConfigFactory.parseString(
                        "akka.remote.artery.large-message-destinations = []").withFallback(repo)));
        assertTrue(ordinary.getMessage().contains("262144 bytes"), ordinary.getMessage());
        assertTrue(HttpSettings.fromConfig(com.typesafe.config.ConfigFactory.parseString(
                "ndevid.http.read-token = on").withFallback(repo)).readToken());
    }

    @Test
    void aGridWhoseMessageWouldNotFitTheArteryFrameIs413() throws Exception {
        // an API whose Artery frame is 280 000 bytes (max-spec-bytes 200 000 + 64 KiB fit it): a valid 150 KB grid of
        // 8 000 trials with long names (a search axis of long numbers) has an answer of ~0.3 MB, which would not
        try (HttpApi small = HttpApi.start(cluster.system(), new HttpSettings("127.0.0.1", 0, 200_000, dir, false,
                280_000), List.of())) {
            StringBuilder lr = new StringBuilder();
            for (int i = 0; i < 8000; i++) {
                lr.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.12e", 1e-4 + i * 1e-12));
            }
            String grid = "{\"name\":\"many-names\",\"preset\":\"cpu-tiny\",\"models\":[\"tgan\"],"
                    + "\"temporal\":[\"ode1\"],\"maxTrials\":10000,\"search\":{\"lrG\":[" + lr + "]}}";
            assertTrue(grid.length() < 200_000, grid.length() + " bytes");
            Answer refused = callAt("http://127.0.0.1:" + small.port(), "POST", "/api/experiments", grid, token);
            assertEquals(413, refused.status(), refused.body());
            assertTrue(refused.error().contains("8000 trial names") && refused.error().contains(
                    "maximum-large-frame-size"), refused.body());
            assertEquals(404, call("GET", "/api/experiments/many-names", null, null).status());
        }
    }

    Answer callAt(String base, String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    @Test
    void tokenIsOwnerOnlyAndReusedOnRestart() throws Exception {
        Path file = dir.resolve("token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(token.matches("[0-9a-f]{64}"), token);
        // a second server on this data directory (a restart, another coordinator node) uses the same token
        try (HttpApi second = HttpApi.start(cluster.system(), new HttpSettings("127.0.0.1", 0, MAX_SPEC, dir),
                List.of())) {
            assertNotEquals(api.port(), second.port());
            assertEquals(token, ApiToken.read(file));
            assertTrue(second.token().authorizes("Bearer " + token));
            assertFalse(second.token().authorizes("Bearer " + token.substring(1)));
            assertFalse(second.token().authorizes(token));
            assertEquals(second.banner(), "ndevid API: http://127.0.0.1:" + second.port() + "/ (token in " + file
                    + ")");
        }
        // a fresh directory gets a fresh token, owner-only from the start
        Path other = dir.resolve("other");
        ApiToken fresh = ApiToken.loadOrCreate(other.resolve("token"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.file())));
        assertNotEquals(token, ApiToken.read(fresh.file()));
        try (Stream<Path> left = Files.list(other)) {
            assertEquals(List.of(fresh.file()), left.toList(), "no temporary file left behind");
        }
    }

    record Run(int code, String out, String err) {}

    static Run ndevid(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = io.ndevid.cli.NdevidCli.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void submitCommandSubmitsWaitsAndExplainsFailures() throws Exception {
        Path grid = dir.resolve("cli-grid.json");
        Files.writeString(grid, gridJson("http-cli", 1, 12));
        String tokenFile = dir.resolve("token").toString();
        Run ok = ndevid("submit", grid.toString(), "--api", api.url(), "--token-file", tokenFile, "--wait",
                "--poll", "PT0.2S");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("experiment http-cli: 2 trials"), ok.out());
        assertTrue(ok.out().contains("tgan-ode1-linear-s0") && ok.out().contains("tgan-ode2-linear-s0"), ok.out());
        assertTrue(ok.out().contains("every trial TERMINATED"), ok.out());

        Path wrongToken = dir.resolve("wrong-token");
        Files.writeString(wrongToken, "f".repeat(64));
        Run unauthorized = ndevid("submit", grid.toString(), "--api", api.url(), "--token-file",
                wrongToken.toString());
        assertEquals(1, unauthorized.code(), unauthorized.out() + unauthorized.err());
        assertTrue(unauthorized.err().contains("unauthorized"), unauthorized.err());
        assertFalse(unauthorized.err().contains("\tat "), "no stack trace: " + unauthorized.err());

        Path bad = dir.resolve("bad-grid.json");
        Files.writeString(bad, "{\"name\": \"http-bad\", \"colour\": \"red\"}");
        Run refused = ndevid("submit", bad.toString(), "--api", api.url(), "--token-file", tokenFile);
        assertEquals(2, refused.code(), refused.out() + refused.err());
        assertTrue(refused.err().contains("the server refused") && refused.err().contains("colour"), refused.err());

        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Run down = ndevid("submit", grid.toString(), "--api", "http://127.0.0.1:" + closed, "--token-file",
                tokenFile);
        assertEquals(1, down.code(), down.out() + down.err());
        assertTrue(down.err().contains("cannot reach the ndevid API") && down.err().contains("connection refused"),
                down.err());

        Run unknown = ndevid("submit", "--cancel", "nope", "--api", api.url(), "--token-file", tokenFile);
        assertEquals(2, unknown.code(), unknown.out() + unknown.err());
        assertTrue(unknown.err().contains("unknown experiment"), unknown.err());
        Run neither = ndevid("submit", "--api", api.url(), "--token-file", tokenFile);
        assertEquals(2, neither.code());
        assertTrue(neither.err().contains("GRID.json"), neither.err());
    }

    @Test
    void aCoordinatorThatDoesNotAnswerIs503() throws Exception {
        // the same routes in front of a "coordinator" that never answers (the singleton gone, nobody taken over)
        akka.actor.testkit.typed.javadsl.TestProbe<io.ndevid.actors.protocol.CoordinatorProtocol.Command> silent =
                akka.actor.testkit.typed.javadsl.TestProbe.create(cluster.system());
        akka.http.javadsl.server.Route route = HttpApi.route(cluster.system(), silent.ref(),
                new HttpSettings("127.0.0.1", 0, MAX_SPEC, dir), ApiToken.loadOrCreate(dir.resolve("token")),
                List.of(), Duration.ofMillis(300), Duration.ofMillis(300));
        akka.http.javadsl.ServerBinding b = akka.http.javadsl.Http.get(cluster.system()).newServerAt("127.0.0.1", 0)
                .bind(route).toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            URI base = URI.create("http://127.0.0.1:" + b.localAddress().getPort() + "/");
            for (HttpRequest r : List.of(
                    HttpRequest.newBuilder(base.resolve("ready")).GET().build(),
                    HttpRequest.newBuilder(base.resolve("api/experiments")).GET().build(),
                    HttpRequest.newBuilder(base.resolve("api/experiments/x")).GET().build(),
                    HttpRequest.newBuilder(base.resolve("api/experiments/x/events")).GET().build(),
                    HttpRequest.newBuilder(base.resolve("api/experiments")).header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString(gridJson("silent", 1, 12))).build())) {
                HttpResponse<String> a = http.send(r, HttpResponse.BodyHandlers.ofString());
                assertEquals(503, a.statusCode(), r.uri() + ": " + a.body());
                assertFalse(ApiJson.mapper().readTree(a.body()).path("error").asText().isBlank(), a.body());
            }
            assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve("alive")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            b.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}

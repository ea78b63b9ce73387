package io.ndevid.actors.cluster;

import io.ndevid.actors.http.ApiJson;
import io.ndevid.actors.protocol.StatusPages;
import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A grid near the HTTP API's spec limit, and the status of its thousands of trials, cross nodes. Two coordinator
 * node JVMs on loopback: {@code a} (oldest: it runs the coordinator singleton) and the stand-by {@code b}; everything
 * goes through b's API, so the Submit, its Accepted (every trial's name), and the status travel over Artery.
 *
 * <p>The limits are the repository's mechanism at smaller sizes, so the experiment stays ~7 800 trials (a 1 MiB grid
 * of seeds is ~50 000 trials, whose status is tens of MB of JSON): {@code max-spec-bytes} 160 KiB, ordinary frame
 * 48 KiB, large-message frame 320 KiB (≥ 160 + 64 KiB, as HttpSettings demands). The grid's message (~70 KB), its
 * answer (~280 KB) and the whole status (MBs) are each larger than an ordinary frame: the test passes only if the
 * first two take the large-message stream and the status comes in {@link StatusPages} pages. No workers: the
 * trials stay PENDING. MessageSerializationTest measures the same messages at the production sizes.
 */
class LargeMessagesClusterTest {

    private static final long MAX_SPEC = 160 * 1024;
    private static final Duration NODE_UP = Duration.ofSeconds(180);

    @TempDir
    Path tmp;

    private ClusterProcesses cluster;

    @AfterEach
    void cleanUp() {
        if (cluster != null) {
            cluster.closeLeavingNothing();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aGridNearTheLimitAndItsStatusCrossNodes() throws Exception {
        cluster = ClusterProcesses.loopback(tmp, """
                ndevid.http.max-spec-bytes = %d
                akka.remote.artery.advanced.maximum-frame-size = 48KiB
                akka.remote.artery.advanced.maximum-large-frame-size = 320KiB
                """.formatted(MAX_SPEC));
        int pa = ClusterProcesses.freePort();
        List<String> seeds = List.of(ClusterProcesses.HOST + ":" + pa);
        var a = cluster.start("a", List.of("coordinator"), pa, seeds);
        cluster.awaitUp(a, NODE_UP);
        var b = cluster.start("b", List.of("coordinator"), ClusterProcesses.freePort(), seeds);
        cluster.awaitUp(b, NODE_UP);
        ClusterApi api = new ClusterApi(b, tmp.resolve("experiments"));
        awaitCoordinatorOn(api, a);

        // a valid grid of ≥ 90 % of the limit, compact JSON: one point, thousands of 19-digit seeds (20 bytes each)
        int n = (int) ((0.95 * MAX_SPEC - seedGrid("near-limit", 0).length()) / 20);
        String grid = seedGrid("near-limit", n);
        long size = grid.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(size >= 0.9 * MAX_SPEC && size <= MAX_SPEC, size + " bytes");
        long t0 = System.nanoTime();
        HttpResponse<String> created = api.post(grid);
        double submitS = (System.nanoTime() - t0) / 1e9;
        assertEquals(201, created.statusCode(), created.body());
        List<String> trials = new ArrayList<>();
        ApiJson.mapper().readTree(created.body()).path("trials").forEach(t -> trials.add(t.asText()));
        assertEquals(n, trials.size());

        t0 = System.nanoTime();
        ExperimentStatus status = api.status("near-limit");
        double statusS = (System.nanoTime() - t0) / 1e9;
        assertEquals(n, status.trials().size(), "every trial, from " + (n + StatusPages.TRIALS_PER_PAGE - 1)
                / StatusPages.TRIALS_PER_PAGE + " pages");
        assertEquals(trials, status.trials().stream().map(TrialStatus::name).toList(), "in the grid's order");
        assertEquals(n, status.count(TrialState.PENDING), status.counts().toString());
        System.out.printf("grid of %d bytes (%d trials) submitted through the stand-by in %.2f s; its status "
                + "(%d bytes of JSON) read back in %.2f s (loaded box)%n", size, n, submitS,
                ApiJson.write(status).length(), statusS);

        // one byte over the limit: 413 with the reason, and nothing submitted
        String over = seedGrid("over-limit", n);
        over = over + " ".repeat((int) (MAX_SPEC - over.getBytes(StandardCharsets.UTF_8).length + 1));
        HttpResponse<String> tooLarge = api.post(over);
        assertEquals(413, tooLarge.statusCode(), tooLarge.body());
        assertTrue(ApiJson.mapper().readTree(tooLarge.body()).path("error").asText().contains("max-spec-bytes"),
                tooLarge.body());
        assertEquals(404, api.probe("api/experiments/over-limit"));
    }

    /** Compact JSON of one cpu-tiny TGAN point with {@code n} 19-digit seeds: {@code n} trials. */
    private static String seedGrid(String name, int n) {
        StringBuilder json = new StringBuilder("{\"name\":\"" + name + "\",\"preset\":\"cpu-tiny\","
                + "\"models\":[\"tgan\"],\"temporal\":[\"original\"],\"overrides\":{\"iterations\":40},"
                + "\"maxTrials\":100000,\"seeds\":[");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "" : ",").append(1_000_000_000_000_000_000L + i);
        }
        return json.append("]}").toString();
    }

    /** Waits until b's cluster view shows the coordinator's status reports coming from a's address. */
    private void awaitCoordinatorOn(ClusterApi api, ClusterProcesses.Node a) throws InterruptedException {
        long deadline = System.nanoTime() + NODE_UP.toNanos();
        ClusterSnapshot last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = api.cluster();
                if (api.probe("ready") == 200 && last.actors().stream().anyMatch(r -> "coordinator".equals(
                        r.report().kind()) && r.report().address().endsWith(":" + a.port))) {
                    return;
                }
            } catch (IOException e) {
                last = null;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the coordinator does not run on a: " + (last == null ? "no answer"
                : last.actors()) + "\n" + cluster.logs());
    }
}

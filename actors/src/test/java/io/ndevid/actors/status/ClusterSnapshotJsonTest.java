package io.ndevid.actors.status;

import io.ndevid.actors.http.ApiJson;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /api/cluster's body: the snapshot survives the API's JSON, unknown numbers and future fields included. */
class ClusterSnapshotJsonTest {

    @Test
    void roundTripsThroughTheApiJson() throws Exception {
        StatusReport r = new StatusReport("10.0.0.2:25521", "trainer-1", "trainer", "running", 1, 150, "gpu:1",
                "a/slot-1", "ablation", "t-s0", Map.of("step", new LatencySummary(5, 1.5, 2.5, 3)), 10, 100, 1L);
        ClusterSnapshot s = new ClusterSnapshot(2L, List.of(new ClusterSnapshot.Member("10.0.0.2:25521",
                List.of("trainer"), "Up", 1, List.of("gpu:1"))), List.of(new ClusterSnapshot.TrialRow("ablation",
                "t-s0", "RUNNING", "a/slot-1", "gpu:1", "tgan", "ode1", "linear", 3, 10, Double.NaN, null, 12.5,
                null)), List.of(new ClusterSnapshot.ActorRow(r, 40, false)), 10, 100, List.of());
        String json = ApiJson.write(s);
        assertTrue(json.contains("\"itPerSec\":\"NaN\""), json);
        assertEquals(s, ApiJson.mapper().readValue(json, ClusterSnapshot.class));
        String newer = json.replaceFirst("\\{", "{\"addedLater\":1,");
        assertEquals(s, ApiJson.mapper().readValue(newer, ClusterSnapshot.class));
    }
}

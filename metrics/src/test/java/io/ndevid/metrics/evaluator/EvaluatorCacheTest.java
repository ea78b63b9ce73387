package io.ndevid.metrics.evaluator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SyntheticEvaluator#loadOrTrain}: miss → train and cache; hit → load; other settings or corruption → retrain. */
class EvaluatorCacheTest {

    @TempDir
    Path cache;

    /** Records what loadOrTrain reported. */
    static final class Recorder implements TrainingProgress {
        int iterations;
        final List<String> messages = new ArrayList<>();

        @Override
        public void iteration(int iteration, int total, double loss, double elapsedSeconds) {
            iterations++;
        }

        @Override
        public void message(String text) {
            messages.add(text);
        }

        boolean said(String part) {
            return messages.stream().anyMatch(m -> m.contains(part));
        }
    }

    private static final EvaluatorSettings S = SyntheticEvaluatorTest.quick(4);

    private String trainOnce(Recorder r) throws IOException {
        try (SyntheticEvaluator e = SyntheticEvaluator.loadOrTrain(cache, S, r)) {
            return e.weightsSha256();
        }
    }

    @Test
    void missTrainsAndCachesThenHitLoadsWithoutTraining() throws IOException {
        Recorder first = new Recorder();
        String sha = trainOnce(first);
        assertEquals(4, first.iterations);
        assertTrue(first.said("not in the cache"), first.messages.toString());
        Path weights = cache.resolve(S.fileStem() + ".params");
        assertTrue(Files.isRegularFile(weights));
        assertTrue(Files.isRegularFile(SyntheticEvaluator.sidecarOf(weights)));
        try (var files = Files.list(cache)) {
            assertEquals(2, files.count(), "no temp files left behind");
        }

        Recorder second = new Recorder();
        assertEquals(sha, trainOnce(second));
        assertEquals(0, second.iterations, "a cache hit trains nothing");
        assertTrue(second.said("using cached evaluator"), second.messages.toString());

        // Other settings live under another stem: a miss that leaves the first pair alone.
        Recorder other = new Recorder();
        try (SyntheticEvaluator e = SyntheticEvaluator.loadOrTrain(cache, S.withSeed(7), other)) {
            assertEquals(4, other.iterations);
            assertNotEquals(weights, e.weightsFile());
        }
        assertEquals(sha, SyntheticEvaluator.sha256(weights));
    }

    @Test
    void corruptedWeightsAreRetrainedAndReplaced() throws IOException {
        String sha = trainOnce(new Recorder());
        Path weights = cache.resolve(S.fileStem() + ".params");
        byte[] b = Files.readAllBytes(weights);
        b[b.length - 3] ^= 0x01;
        Files.write(weights, b);

        Recorder r = new Recorder();
        String again = trainOnce(r);
        assertTrue(r.said("checksum"), r.messages.toString());
        assertEquals(4, r.iterations);
        assertEquals(SyntheticEvaluator.sha256(weights), again, "the new pair verifies");
        // Same settings, same seed, same machine and thread count: the retrained weights are the same bytes.
        assertEquals(sha, again);
    }

    @Test
    void unreadableSidecarOrOtherSettingsAreRetrained() throws IOException {
        trainOnce(new Recorder());
        Path weights = cache.resolve(S.fileStem() + ".params");
        Path sidecar = SyntheticEvaluator.sidecarOf(weights);

        Files.writeString(sidecar, "{ not json");
        Recorder r = new Recorder();
        trainOnce(r);
        assertTrue(r.said("sidecar unusable"), r.messages.toString());
        assertEquals(4, r.iterations);

        // A sidecar whose recorded settings differ (e.g. written by an older build) is not trusted either.
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(sidecar.toFile());
        ((ObjectNode) root.get("settings")).put("iterations", 999);
        json.writeValue(sidecar.toFile(), root);
        Recorder r2 = new Recorder();
        trainOnce(r2);
        assertTrue(r2.said("other settings"), r2.messages.toString());
        assertEquals(4, r2.iterations);

        Recorder hit = new Recorder();
        trainOnce(hit);
        assertEquals(0, hit.iterations, hit.messages.toString());
    }
}

package io.ndevid.training.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ndevid.training.checkpoint.CheckpointException;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.Presets;
import io.ndevid.training.spec.SpecIO;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resume through the real files: a trial stopped after k iterations and run again writes the same losses, line for
 * line, as the same trial run straight through (checkpoint, optimizer state, data stream offset, per-iteration noise).
 */
class TrainerLoopResumeTest {

    private static TrialSpec spec(long iterations) {
        return spec(iterations, TemporalKind.ODE1);
    }

    private static TrialSpec spec(long iterations, TemporalKind kind) {
        TrialSpec base = Presets.of("cpu-tiny", ModelFamily.MOCOGAN, kind, FVariant.LINEAR);
        ObjectNode n = SpecIO.json().valueToTree(base);
        n.put("iterations", iterations);
        n.put("checkpointInterval", 2);
        n.put("sampleInterval", 0);
        return SpecIO.fromTree(n);
    }

    private static List<JsonNode> losses(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("stats.jsonl"))) {
            ObjectNode o = (ObjectNode) SpecIO.json().readTree(line);
            o.remove(List.of("it_per_s", "rss_mb", "time"));
            out.add(o);
        }
        return out;
    }

    /** ODE1, and SDE: a trial's SDE noise is made ahead on its own thread, which ends with the trial. */
    @ParameterizedTest
    @EnumSource(value = TemporalKind.class, names = {"ODE1", "SDE"})
    void stoppedAndResumedEqualsStraight(TemporalKind kind, @TempDir Path tmp) throws IOException {
        TrialSpec spec = spec(6, kind);
        Path straight = tmp.resolve("straight");
        TrainerLoop.Result s = Trials.run(spec, straight, List.of(), p -> { });
        assertEquals(TrainerLoop.Status.COMPLETED, s.status(), s.message());

        Path resumed = tmp.resolve("resumed");
        java.util.concurrent.atomic.AtomicInteger fresh = new java.util.concurrent.atomic.AtomicInteger();
        TrainerLoop.Hook beforeTraining = new TrainerLoop.Hook() {
            @Override
            public long interval() {
                return 0;
            }

            @Override
            public java.util.Map<String, Object> run(io.ndevid.training.gan.VideoGan gan, long iteration) {
                return java.util.Map.of();
            }

            @Override
            public void beforeTraining(io.ndevid.training.gan.VideoGan gan) {
                fresh.incrementAndGet();
            }
        };
        TrainerLoop.Result first = runStoppingAfter(spec, resumed, 3, List.of(beforeTraining));
        assertEquals(1, fresh.get(), "a fresh run calls beforeTraining once");
        assertEquals(TrainerLoop.Status.STOPPED, first.status(), first.message());
        assertEquals(3, first.iterationsDone());
        TrainerLoop.Result second = Trials.run(spec, resumed, List.of(beforeTraining), p -> { });
        assertEquals(TrainerLoop.Status.COMPLETED, second.status(), second.message());
        assertEquals(1, fresh.get(), "a resumed run does not call beforeTraining again");
        assertEquals(losses(straight), losses(resumed), "identical losses, line for line");
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("sde-noise-" + spec.name()) && t.isAlive()),
                "no noise prefetch thread outlives its trial");
    }

    private static TrainerLoop.Result runStoppingAfter(TrialSpec spec, Path dir, long k, List<TrainerLoop.Hook> hooks) {
        TrainerLoop[] loop = new TrainerLoop[1];
        try (Trials.Prepared p = Trials.prepare(spec, dir, hooks, progress -> {
            if (progress.iteration() == k) {
                loop[0].requestStop();
            }
        })) {
            loop[0] = p.loop();
            return p.run();
        }
    }

    @Test
    void aCheckpointOfAnotherTrialIsRefused(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run");
        assertEquals(TrainerLoop.Status.COMPLETED, Trials.run(spec(2), dir, List.of(), p -> { }).status());
        TrialSpec other = SpecIO.fromTree(((ObjectNode) SpecIO.json().valueToTree(spec(2))).put("seed", 99));
        var e = assertThrows(IllegalArgumentException.class, () -> Trials.run(other, dir, List.of(), p -> { }));
        assertTrue(e.getMessage().contains("different trial"), e.getMessage());
        // a corrupt newest checkpoint is refused with a message, never half-loaded
        Path ckpt = new RunFolder(dir).latestCheckpoint().orElseThrow();
        byte[] bytes = Files.readAllBytes(ckpt);
        bytes[bytes.length / 2] ^= 1;
        Files.write(ckpt, bytes);
        TrialSpec longer = SpecIO.fromTree(((ObjectNode) SpecIO.json().valueToTree(spec(2))).put("iterations", 4));
        assertThrows(IllegalArgumentException.class, () -> Trials.run(longer, dir, List.of(), p -> { }),
                "a different iteration count is a different spec");
        var c = assertThrows(CheckpointException.class, () -> Trials.run(spec(2), dir, List.of(), p -> { }));
        assertTrue(c.getMessage().contains("CRC32C"), c.getMessage());
    }
}

package io.ndevid.actors.data;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TransportSettings;
import io.ndevid.study.testing.TestSpecs;
import io.ndevid.training.data.TrainingBatchSource;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.run.Trials;
import io.ndevid.training.spec.TrialSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real cpu-tiny trial fed by a {@link DataLoaderActor} over Aeron (UDP on loopback, one embedded driver). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteBatchSourceTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static AeronNode aeron;

    @BeforeAll
    static void start() {
        aeron = AeronNode.launchEmbedded(TransportSettings.defaults());
    }

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
        aeron.close();
    }

    private static RemoteData remote(RemoteBatchSource.Settings settings) {
        return new RemoteData(testKit.system(), () -> aeron, "aeron:udp?endpoint=127.0.0.1:0", settings,
                TrainingBatchSource.inProcess());
    }

    /** Runs the trial, collecting each iteration's losses; {@code onIteration} sees the iteration count. */
    private static TrainerLoop.Result run(TrialSpec spec, Path dir, TrainingBatchSource.Opener batches,
                                          List<Map<String, Double>> losses, Consumer<Long> onIteration) {
        return run(spec, dir, batches, losses, onIteration, -1);
    }

    /** As above, asking the loop to stop after {@code stopAt} iterations (-1: never). */
    private static TrainerLoop.Result run(TrialSpec spec, Path dir, TrainingBatchSource.Opener batches,
                                          List<Map<String, Double>> losses, Consumer<Long> onIteration, long stopAt) {
        AtomicReference<TrainerLoop> loop = new AtomicReference<>();
        try (Trials.Prepared p = Trials.prepare(spec, dir, List.of(), new TrainerLoop.Listener() {
            @Override
            public void onProgress(TrainerLoop.Progress progress) {
                losses.add(progress.losses());
                onIteration.accept(progress.iteration());
                if (progress.iteration() == stopAt) {
                    loop.get().requestStop();
                }
            }
        }, batches)) {
            loop.set(p.loop());
            return p.run();
        }
    }

    @Test
    void remoteBatchesGiveTheSameLossesBitForBitAndSurviveALoaderThatStops(@TempDir Path tmp) {
        TrialSpec spec = TestSpecs.trial("remote-data", 6, 6);
        List<Map<String, Double>> local = new ArrayList<>();
        TrainerLoop.Result inProcess = run(spec, tmp.resolve("local"), null, local, i -> {});
        assertEquals(TrainerLoop.Status.COMPLETED, inProcess.status());

        // (a) every batch from the loader: identical losses, and the batches really came over Aeron
        ActorRef<DataLoaderActor.Command> loader = testKit.spawn(DataLoaderActor.production(aeron), "loader-a");
        RemoteData data = remote(new RemoteBatchSource.Settings(2, Duration.ofSeconds(20), Duration.ofSeconds(10),
                2, false));
        AtomicReference<RemoteBatchSource> source = new AtomicReference<>();
        List<Map<String, Double>> remote = new ArrayList<>();
        TrainerLoop.Result overAeron = run(spec, tmp.resolve("remote"), (s, first) -> {
            RemoteBatchSource r = data.open(s, first);
            source.set(r);
            return r;
        }, remote, i -> {});
        assertEquals(TrainerLoop.Status.COMPLETED, overAeron.status(), overAeron.message());
        assertEquals(local, remote, "losses with remote data");
        assertEquals(6, source.get().remoteBatches());
        assertNull(source.get().fallbackReason());
        var stats = testKit.<DataLoaderActor.Stats>createTestProbe();
        loader.tell(new DataLoaderActor.GetStats(stats.getRef()));
        DataLoaderActor.Stats s = stats.receiveMessage(Duration.ofSeconds(5));
        assertTrue(s.bytesSent() > 0 && s.datasetsOpen() == 1, s.toString());
        assertEquals(6, s.batchesSent(), "read-ahead stops at the trial's last batch: " + s);
        var latency = data.latencies();
        assertEquals(6, latency.getTotalCount());

        // (a2) stopped after 3 iterations and resumed from the checkpoint: the resumed stream starts at batch 3
        List<Map<String, Double>> resumed = new ArrayList<>();
        TrainerLoop.Result stopped = run(spec, tmp.resolve("resumed"), data.opener(), resumed, i -> {}, 3);
        assertEquals(TrainerLoop.Status.STOPPED, stopped.status(), stopped.message());
        TrainerLoop.Result rest = run(spec, tmp.resolve("resumed"), data.opener(), resumed, i -> {});
        assertEquals(TrainerLoop.Status.COMPLETED, rest.status(), rest.message());
        assertEquals(local, resumed, "losses of a trial stopped and resumed with remote data");
        System.out.printf("remote batch latency (request → verified in hand, same JVM, UDP loopback, cpu-tiny, "
                        + "%d B per batch): n %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                s.bytesSent() / s.batchesSent(), latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6);

        // (b1) the loader stops after iteration 1, with a local fallback: the rest is read here, same losses; the
        // loader's absence is noticed by the liveness check, long before the 60 s request timeout
        RemoteData withFallback = remote(new RemoteBatchSource.Settings(2, Duration.ofSeconds(60),
                Duration.ofSeconds(1), 2, true));
        long t0 = System.nanoTime();
        List<Map<String, Double>> fellBack = new ArrayList<>();
        TrainerLoop.Result afterStop = run(spec, tmp.resolve("fallback"), (sp, first) -> {
            RemoteBatchSource r = withFallback.open(sp, first);
            source.set(r);
            return r;
        }, fellBack, i -> {
            if (i == 1) {
                testKit.stop(loader, Duration.ofSeconds(10));
            }
        });
        assertEquals(TrainerLoop.Status.COMPLETED, afterStop.status(), afterStop.message());
        assertEquals(local, fellBack, "losses after falling back to in-process loading");
        assertNotNull(source.get().fallbackReason(), "the source fell back");
        assertTrue(source.get().fallbackReason().contains("is gone (no longer registered)")
                || source.get().fallbackReason().contains("no data loader registered"), source.get().fallbackReason());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "noticed before the request timeout");
        assertTrue(source.get().remoteBatches() >= 1 && source.get().remoteBatches() < 6,
                "remote batches: " + source.get().remoteBatches());

        // (b2) no loader at all and no fallback: the trial fails with a clear message
        RemoteData strict = remote(new RemoteBatchSource.Settings(2, Duration.ofSeconds(2), Duration.ofSeconds(1),
                2, false));
        TrainerLoop.Result failed = run(TestSpecs.trial("remote-data-strict", 6, 6), tmp.resolve("strict"),
                strict.opener(), new ArrayList<>(), i -> {});
        assertEquals(TrainerLoop.Status.FAILED, failed.status());
        assertTrue(failed.message().contains("batch 0 of trial remote-data-strict failed on the data loaders")
                && failed.message().contains("no data loader registered"), failed.message());
    }

    /** Request → batch in hand over UDP loopback for a stream of batches (prints p50/p99 for BENCHMARKS.md). */
    @Test
    void batchLatency() throws Exception {
        ActorRef<DataLoaderActor.Command> loader = testKit.spawn(DataLoaderActor.production(aeron), "loader-bench");
        try {
            for (String preset : List.of("cpu-tiny", "cpu-small")) {
                var tree = (com.fasterxml.jackson.databind.node.ObjectNode) io.ndevid.training.spec.SpecIO.json()
                        .valueToTree(io.ndevid.training.spec.Presets.of(preset,
                                io.ndevid.training.spec.ModelFamily.TGAN,
                                io.ndevid.training.temporal.TemporalKind.ODE1,
                                io.ndevid.training.temporal.FVariant.LINEAR));
                tree.put("iterations", 1000);
                TrialSpec spec = io.ndevid.training.spec.SpecIO.fromTree(tree);
                RemoteData data = remote(RemoteBatchSource.Settings.defaults());
                int n = 200;
                long t0 = System.nanoTime();
                try (RemoteBatchSource source = data.open(spec, 0)) {
                    for (int k = 0; k < n; k++) {
                        assertEquals(spec.batchSize(), source.next().size());
                    }
                    assertEquals(n, source.remoteBatches());
                }
                double ms = (System.nanoTime() - t0) / 1e6;
                var dataset = io.ndevid.training.data.Datasets.open(spec); // for comparison: making them here
                long t1 = System.nanoTime();
                for (int k = 0; k < n; k++) {
                    dataset.randomBatch(spec.batchSize(), io.ndevid.training.data.PrefetchingLoader.batchRng(
                            spec.seed(), k));
                }
                double localMs = (System.nanoTime() - t1) / 1e6;
                var h = data.latencies();
                long floats = (long) spec.batchSize() * spec.channels() * spec.frames() * spec.frameSize()
                        * spec.frameSize();
                System.out.printf("remote batches, %s (%d × %d×%d×%d×%d = %d KiB), read-ahead 2, %d batches: "
                                + "request → in hand p50 %.2f ms, p99 %.2f ms, max %.2f ms; %.2f ms per batch "
                                + "taken (making one in-process: %.2f ms)%n", preset, spec.batchSize(), spec.channels(), spec.frames(),
                        spec.frameSize(), spec.frameSize(), floats * 4 / 1024, h.getTotalCount(),
                        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6,
                        ms / n, localMs / n);
                assertEquals(n, h.getTotalCount());
                data.close();
            }
        } finally {
            testKit.stop(loader);
        }
    }
}

package io.ndevid.actors.data;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import io.ndevid.actors.testing.TestSpecs;
import io.ndevid.actors.transport.AeronNode;
import io.ndevid.actors.transport.TransportSettings;
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
        try (Trials.Prepared p = Trials.prepare(spec, dir, List.of(), new TrainerLoop.Listener() {
            @Override
            public void onProgress(TrainerLoop.Progress progress) {
                losses.add(progress.losses());
                onIteration.accept(progress.iteration());
            }
        }, batches)) {
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
        System.out.printf("remote batch latency (request → verified in hand, same JVM, UDP loopback, cpu-tiny, "
                        + "%d B per batch): n %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                s.bytesSent() / s.batchesSent(), latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6);

        // (b1) the loader stops after iteration 1, with a local fallback: the rest is read here, same losses
        RemoteData withFallback = remote(new RemoteBatchSource.Settings(2, Duration.ofSeconds(2),
                Duration.ofSeconds(1), 2, true));
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
}

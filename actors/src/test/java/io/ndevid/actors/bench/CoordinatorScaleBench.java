package io.ndevid.actors.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import io.ndevid.actors.api.ExperimentClient;
import io.ndevid.actors.cluster.ClusterConfig;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.cluster.NodePlan;
import io.ndevid.actors.coordinator.CoordinatorSettings;
import io.ndevid.actors.http.ApiToken;
import io.ndevid.actors.http.ClusterRoutes;
import io.ndevid.actors.http.HttpApi;
import io.ndevid.actors.http.HttpSettings;
import io.ndevid.actors.node.TrainerProcessLauncher;
import io.ndevid.actors.protocol.CoordinatorProtocol;
import io.ndevid.actors.trainer.TrainerSettings;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentJournal;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.JournalEvent;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.SlotInfo;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.spec.TrialSpec;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Scale by simulation (not a test): the real coordinator singleton (scheduling, recovery, store hand-over, results,
 * the fsync'd journal) on a one-node cluster with its real HTTP API, driven by {@link SimulatedTrainer} slots that
 * fake training, progress and final checkpoints — 64 and 512 slots, 10 000 trials. Prints, with HdrHistogram:
 * assignment latency (a slot free → its next StartTrial; and submission → each slot's first), the journal's size
 * and events, the time to replay it (as a restarted coordinator does), the HTTP status of the 10 000-trial
 * experiment and the console's {@code /api/cluster} while it runs and when it is idle, and the heap after a full GC.
 * Then builds a 100 000-event journal through the real journal writer and replays it.
 *
 * <p>Arguments: {@code [slots=64,512|none] [trials=10000] [trials-per-second=80] [workDir]}. The trial length is
 * {@code slots / trials-per-second} on average (uniform 0.5–1.5×), so both slot counts offer the coordinator the same
 * load and each run takes about {@code trials / trials-per-second} seconds. {@code -Dbench.replay-events=N} sizes
 * the big journal (default 100 000; 0 skips it); one already in {@code workDir} is replayed, not rewritten.
 */
public final class CoordinatorScaleBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROGRESS = Duration.ofSeconds(1);
    private static final int HTTP_SAMPLES = 50;

    public static void main(String[] args) throws Exception {
        String slotArg = args.length > 0 ? args[0] : "64,512";
        List<Integer> slotCounts = slotArg.equals("none") ? List.of() : Stream.of(slotArg.split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        double rate = args.length > 2 ? Double.parseDouble(args[2]) : 80;
        Path work = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("coordinator-scale");
        int replayEvents = Integer.getInteger("bench.replay-events", 100_000);
        if (trials % 4 != 0) {
            throw new IllegalArgumentException("trials must be a multiple of 4 (2 models x 2 temporal x seeds), got "
                    + trials);
        }
        System.out.printf(Locale.ROOT, "coordinator scale: %s slots, %d trials, offered %.0f trials/s, work dir %s,"
                + " %s, %d cores%n", slotCounts, trials, rate, work, Instant.now(),
                Runtime.getRuntime().availableProcessors());
        List<String> summary = new ArrayList<>();
        for (int slots : slotCounts) {
            summary.addAll(run(work.resolve("slots-" + slots), slots, trials, rate));
        }
        if (replayEvents > 0) {
            summary.addAll(bigJournal(work.resolve("replay-" + replayEvents), replayEvents));
        }
        System.out.println();
        System.out.println("summary");
        summary.forEach(System.out::println);
        System.exit(0);
    }

    // ---- one simulated cluster ----

    private static List<String> run(Path dir, int slots, int trials, double rate) throws Exception {
        System.out.printf(Locale.ROOT, "%n== %d slots, %d trials ==%n", slots, trials);
        Files.createDirectories(dir);
        String host = "127.0.0.1";
        int port = TrainerProcessLauncher.freePort(host);
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("ndevid.data-dir", dir.toAbsolutePath().toString());
        overrides.put("akka.coordinated-shutdown.exit-jvm", "off");
        overrides.put("akka.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        overrides.put("ndevid.store.transfer", "shared-fs"); // the simulated slots "ship" their checkpoints
        // the simulated slots stand for other processes: their own threads, not the coordinator's dispatcher
        overrides.put("bench-trainers.type", "Dispatcher");
        overrides.put("bench-trainers.executor", "thread-pool-executor");
        overrides.put("bench-trainers.thread-pool-executor.fixed-pool-size", 2);
        List<String> roles = List.of(ClusterConfig.COORDINATOR);
        com.typesafe.config.Config config = ClusterConfig.load(new ClusterConfig.NodeAddress(roles, host, port,
                List.of(host + ":" + port)), null, null, overrides);
        CoordinatorSettings coordinatorSettings = CoordinatorSettings.fromConfig(config);
        ActorSystem<Void> system = ClusterNode.start(config, new NodePlan(roles, coordinatorSettings, null, List.of(),
                TrainerSettings.fromConfig(config)));
        List<String> out = new ArrayList<>();
        try {
            if (!ClusterNode.awaitUp(system, Duration.ofSeconds(30))) {
                throw new IllegalStateException("the node did not come up in 30 s");
            }
            HttpApi api = HttpApi.start(system, HttpSettings.fromConfig(config).withPort(0),
                    List.of(ClusterRoutes.create(system, null)));
            ActorRef<CoordinatorProtocol.Command> coordinator = ClusterNode.coordinator(system);
            ExperimentClient client = ExperimentClient.inProcess(system);
            SimulatedTrainer.Stats stats = new SimulatedTrainer.Stats();
            Duration meanTrial = Duration.ofMillis(Math.round(slots / rate * 1000));
            SimulatedTrainer.Plan plan = new SimulatedTrainer.Plan(dir.toAbsolutePath(), meanTrial, PROGRESS,
                    TrainerSettings.fromConfig(config).resultResend(), 4096);
            for (int i = 0; i < slots; i++) {
                SlotInfo slot = new SlotInfo("sim" + (i / 8), i % 8, 10_000 + i / 8, "cpu");
                system.systemActorOf(SimulatedTrainer.create(slot, coordinator, plan, stats, i), "sim-trainer-" + i,
                        DispatcherSelector.fromConfig("bench-trainers"));
            }
            long t0 = System.nanoTime();
            while (client.experiments().toCompletableFuture().get(10, TimeUnit.SECONDS).slots().size() < slots) {
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("the coordinator did not describe " + slots + " slots in 60 s");
                }
                Thread.sleep(100);
            }
            System.out.printf(Locale.ROOT, "%d simulated slots known to the coordinator after %.1f s; mean trial "
                    + "%.2f s, progress every %s%n", slots, (System.nanoTime() - t0) / 1e9,
                    meanTrial.toMillis() / 1000.0, PROGRESS);
            long heapBefore = heapAfterGc();

            Http http = new Http(api.url(), ApiToken.read(HttpSettings.fromConfig(config).tokenFile()));
            String id = "scale-" + slots;
            GridSpec grid = grid(id, trials);
            stats.submittedAt.set(System.nanoTime());
            long submitStart = System.nanoTime();
            HttpResponse<byte[]> submitted = http.post("api/experiments", grid.toJson());
            if (submitted.statusCode() != 201) {
                throw new IllegalStateException("submit: HTTP " + submitted.statusCode() + ": "
                        + new String(submitted.body()));
            }
            double submitMs = (System.nanoTime() - submitStart) / 1e6;

            // while it runs: the API's status and the console's endpoint, alternately, as a console would poll
            Histogram statusBusy = new Histogram(3);
            Histogram consoleBusy = new Histogram(3);
            long statusBytes = 0;
            long consoleBytes = 0;
            long lastPrint = System.nanoTime();
            boolean finished = false;
            int poll = 0;
            while (!finished) {
                Thread.sleep(500);
                if (poll++ % 2 == 0) {
                    Timed t = http.get("api/experiments/" + id);
                    statusBusy.recordValue(t.micros);
                    statusBytes = t.body.length;
                    try {
                        finished = client.experiments().toCompletableFuture().get(30, TimeUnit.SECONDS).experiments()
                                .get(id) != ExperimentState.Phase.RUNNING;
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        System.out.println("  the coordinator did not list its experiments: " + e);
                    }
                    if ((System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(15) || finished)
                            && t.body.length > 0 && t.body[0] == '{' && JSON.readTree(t.body).has("counts")) {
                        lastPrint = System.nanoTime();
                        System.out.printf(Locale.ROOT, "  %5.1f s: %s%n", (System.nanoTime() - submitStart) / 1e9,
                                JSON.readTree(t.body).path("counts"));
                    }
                } else {
                    Timed t = http.get("api/cluster");
                    consoleBusy.recordValue(t.micros);
                    consoleBytes = t.body.length;
                }
            }
            double wall = (System.nanoTime() - submitStart) / 1e9;
            long waitAcks = System.nanoTime();
            while (stats.completed.get() < trials && System.nanoTime() - waitAcks < TimeUnit.SECONDS.toNanos(30)) {
                Thread.sleep(50);
            }

            // idle: back-to-back requests; and the status as the coordinator builds it, asked in-process (no JSON)
            Histogram statusIdle = new Histogram(3);
            Histogram consoleIdle = new Histogram(3);
            Histogram statusAsk = new Histogram(3);
            for (int i = 0; i < HTTP_SAMPLES; i++) {
                statusIdle.recordValue(http.get("api/experiments/" + id).micros);
                consoleIdle.recordValue(http.get("api/cluster").micros);
                long a0 = System.nanoTime();
                client.status(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
                statusAsk.recordValue((System.nanoTime() - a0) / 1000);
            }
            long heapAfter = heapAfterGc();

            Path journal = ExperimentJournal.fileIn(dir.resolve(id));
            long journalBytes = Files.size(journal);
            long events;
            try (Stream<String> lines = Files.lines(journal)) {
                events = lines.filter(l -> !l.isBlank()).count();
            }
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
            Replay replay = replay(dir.resolve(id), 3);
            ExperimentState state = replay.state;

            String p = "[" + slots + " slots]";
            out.add(String.format(Locale.ROOT, "%s %d trials in %.1f s (%.1f trials/s; offered %.0f), %d TERMINATED, "
                    + "submit over HTTP %.0f ms", p, trials, wall, trials / wall, rate,
                    state.counts().get(TrialState.TERMINATED), submitMs));
            out.add(p + " assignment latency, slot free -> StartTrial: " + pct(stats.steady));
            out.add(p + " first assignment, submit -> StartTrial:       " + pct(stats.first));
            out.add(String.format(Locale.ROOT, "%s overlapping assignments %d, stops %d, re-sent ends %d", p,
                    stats.overlaps.get(), stats.stops.get(), stats.resends.get()));
            out.add(String.format(Locale.ROOT, "%s journal %s, %d events (%.0f bytes/event)", p, mib(journalBytes),
                    events, journalBytes / (double) events));
            out.add(String.format(Locale.ROOT, "%s journal replay (ExperimentJournal.open): %s", p, replay.times()));
            out.add(String.format(Locale.ROOT, "%s HTTP status, %s, while running: %s", p, mib(statusBytes),
                    pct(statusBusy)));
            out.add(String.format(Locale.ROOT, "%s HTTP status, idle, %d back-to-back:  %s", p, HTTP_SAMPLES,
                    pct(statusIdle)));
            out.add(String.format(Locale.ROOT, "%s status asked in-process (the coordinator's part, no JSON), idle: %s",
                    p, pct(statusAsk)));
            out.add(String.format(Locale.ROOT, "%s console /api/cluster, %s, while running: %s", p,
                    mib(consoleBytes), pct(consoleBusy)));
            out.add(String.format(Locale.ROOT, "%s console /api/cluster, idle, %d back-to-back: %s", p, HTTP_SAMPLES,
                    pct(consoleIdle)));
            out.add(String.format(Locale.ROOT, "%s HTTP answers other than 200: %d", p, http.failures));
            out.add(String.format(Locale.ROOT, "%s heap after GC: %s before submit, %s after the run (+%s)", p,
                    mib(heapBefore), mib(heapAfter), mib(heapAfter - heapBefore)));
            out.forEach(System.out::println);
            return out;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** {@code trials} cpu-tiny trials: {tgan, mocogan} × {ode1, ode2} × linear × trials/4 seeds. */
    static GridSpec grid(String name, int trials) {
        List<Long> seeds = LongStream.range(0, trials / 4).boxed().toList();
        return new GridSpec(name, "cpu-tiny", List.of(ModelFamily.TGAN, ModelFamily.MOCOGAN),
                List.of(TemporalKind.ODE1, TemporalKind.ODE2), List.of(FVariant.LINEAR), seeds,
                Map.of("iterations", IntNode.valueOf(1000), "checkpointInterval", IntNode.valueOf(100)), Map.of(),
                trials, 3, null);
    }

    // ---- the 100 000-event journal ----

    /**
     * Writes {@code events} realistic events through the real journal writer (appended, forced once per trial's
     * ten events: a group commit, as the coordinator makes one per message): a grid of trials that each run three attempts — two LOST after some progress, one COMPLETED
     * — and get one evaluation (10 events per trial); then replays it.
     */
    private static List<String> bigJournal(Path dir, int events) throws Exception {
        System.out.printf(Locale.ROOT, "%n== a %d-event journal ==%n", events);
        int perTrial = 10;
        int trials = Math.max(4, (events / perTrial) / 4 * 4);
        GridSpec grid = grid("replay", trials);
        List<TrialSpec> specs = grid.expand();
        Path exp = dir.resolve("replay");
        String now = Instant.now().toString();
        long t0 = System.nanoTime();
        long written = 1;
        if (Files.isRegularFile(ExperimentJournal.fileIn(exp))) {
            List<String> out = new ArrayList<>();
            Replay replay = replay(exp, 3);
            out.add(String.format(Locale.ROOT, "[%d-event journal, reused from %s] %s; replay "
                    + "(ExperimentJournal.open): %s; %s", events, exp, mib(Files.size(ExperimentJournal.fileIn(exp))),
                    replay.times(), replay.state.counts()));
            out.forEach(System.out::println);
            return out;
        }
        try (ExperimentJournal j = ExperimentJournal.create(exp, new JournalEvent.Submitted("replay", grid, specs,
                now))) {
            int node = 0;
            for (TrialSpec t : specs) {
                SlotInfo slot = new SlotInfo("sim" + (node / 8), node % 8, 10_000 + node / 8, "cpu");
                node = (node + 1) % 512;
                String run = exp.resolve("trials").resolve(t.name()).toString();
                for (int attempt = 1; attempt <= 3; attempt++) {
                    boolean last = attempt == 3;
                    long from = (attempt - 1) * 300L;
                    List<JournalEvent> batch = List.of(
                            new JournalEvent.Assigned(t.name(), attempt, slot, now),
                            new JournalEvent.Started(t.name(), attempt, from, now),
                            new JournalEvent.Ended(t.name(), attempt, last ? Outcome.COMPLETED : Outcome.LOST,
                                    last ? t.iterations() : from + 300, last ? "completed"
                                    : "trainer sim0/slot-1 died or left the cluster",
                                    Map.of("d_loss", 0.25, "g_loss", 0.9), Map.of("is", 1.5, "fid", 612.5), run, now));
                    for (JournalEvent e : batch) {
                        j.append(e);
                    }
                    written += batch.size();
                }
                j.append(new JournalEvent.Evaluated(t.name(), t.iterations(), Map.of("is", 1.7, "fid", 580.25), now));
                written++;
                j.force(); // one group commit per trial's history

            }
        }
        double writeSeconds = (System.nanoTime() - t0) / 1e9;
        Path file = ExperimentJournal.fileIn(exp);
        long bytes = Files.size(file);
        Replay replay = replay(exp, 3);
        List<String> out = new ArrayList<>();
        String p = "[" + written + "-event journal]";
        out.add(String.format(Locale.ROOT, "%s %d trials x 3 attempts + evaluation, %s; written through "
                + "ExperimentJournal.append, one force per trial (10 events), in %.1f s (%.2f ms/event)", p, trials, mib(bytes),
                writeSeconds, writeSeconds * 1000 / written));
        out.add(String.format(Locale.ROOT, "%s replay (ExperimentJournal.open): %s; %s", p, replay.times(),
                replay.state.counts()));
        out.forEach(System.out::println);
        return out;
    }

    // ---- helpers ----

    private record Replay(List<Double> seconds, ExperimentState state) {
        String times() {
            StringBuilder b = new StringBuilder();
            for (double s : seconds) {
                b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f s", s));
            }
            return b + " (" + seconds.size() + " runs; the first on a fresh JIT)";
        }
    }

    /** Opens (replays) the journal {@code times} times, as a restarted coordinator's Recovery does. */
    private static Replay replay(Path experimentDir, int times) {
        List<Double> seconds = new ArrayList<>();
        ExperimentState state = null;
        for (int i = 0; i < times; i++) {
            long t0 = System.nanoTime();
            try (ExperimentJournal j = ExperimentJournal.open(experimentDir)) {
                seconds.add((System.nanoTime() - t0) / 1e9);
                state = j.state();
            }
        }
        return new Replay(seconds, state);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String pct(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "(no samples)";
        }
        return String.format(Locale.ROOT, "n=%d p50 %.2f ms, p99 %.2f ms, max %.2f ms", h.getTotalCount(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private record Timed(long micros, byte[] body) {}

    /** The API over HTTP, as a client sees it: request sent → whole body received. */
    private static final class Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final String base;
        private final String token;
        /** Answers other than 200 (e.g. 503: the coordinator did not answer within the API's ask timeout). */
        int failures;

        Http(String base, String token) {
            this.base = base;
            this.token = token;
        }

        Timed get(String path) throws Exception {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).GET().build();
            long t0 = System.nanoTime();
            HttpResponse<byte[]> resp = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
            long micros = (System.nanoTime() - t0) / 1000;
            if (resp.statusCode() != 200) {
                failures++;
                System.out.printf(Locale.ROOT, "  GET %s: HTTP %d after %.1f s: %s%n", path, resp.statusCode(),
                        micros / 1e6, new String(resp.body()));
            }
            return new Timed(micros, resp.body());
        }

        HttpResponse<byte[]> post(String path, String body) throws Exception {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}

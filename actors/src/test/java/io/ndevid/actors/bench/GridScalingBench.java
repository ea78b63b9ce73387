package io.ndevid.actors.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import io.ndevid.actors.api.ExperimentClient;
import io.ndevid.actors.api.LocalCluster;
import io.ndevid.actors.checkpoint.CheckpointShipper;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Grid scaling (not a test): 4 real cpu-tiny trials (production executor, evaluation off) on 2 trainer JVMs vs the
 * same 4 on 1, one libtorch thread per process; wall times, speed-up vs ideal, and HdrHistogram percentiles of step
 * latency (the trainers' stats.jsonl), checkpoint-shipping latency (transfers.jsonl, Aeron UDP) and evaluation
 * latency (none: evaluation is off). Arguments: [iterations=200] [workDir]. {@code -Dbench.trainer-jvm=OPT,OPT} adds
 * trainer JVM options, {@code -Dbench.evaluators=N} sets the node's evaluator processes (default 1).
 */
public final class GridScalingBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("grid-scaling");
        System.setProperty("ai.djl.pytorch.num_threads", "1"); // forwarded to the trainer JVMs (ai.djl.*)
        System.setProperty("ndevid.store.transfer", "aeron"); // forwarded (ndevid.*): trainers ship checkpoints
        System.out.printf(Locale.ROOT, "4 cpu-tiny trials x %d iterations, evaluation off, work dir %s%n",
                iterations, work);
        Run two = run(work.resolve("two-slots"), 2, iterations);
        Run one = run(work.resolve("one-slot"), 1, iterations);
        double speedup = one.wallSeconds / two.wallSeconds;
        System.out.printf(Locale.ROOT, "%nwall: 1 slot %.1f s, 2 slots %.1f s; speed-up %.2fx, %.2f of ideal (2x)%n",
                one.wallSeconds, two.wallSeconds, speedup, speedup / 2);
        for (Run r : List.of(one, two)) {
            System.out.printf(Locale.ROOT, "%d slot(s): step latency %s%n", r.slots, pct(r.steps));
            System.out.printf(Locale.ROOT, "%d slot(s): checkpoint shipping (Aeron UDP, store ack) %s%n", r.slots,
                    pct(r.transfers));
        }
        System.out.println("evaluation latency: none (evaluation off: evalInterval = 0)");
        System.exit(0);
    }

    private record Run(int slots, double wallSeconds, Histogram steps, Histogram transfers) {}

    private static String pct(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "(no samples)";
        }
        return String.format(Locale.ROOT, "n=%d p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
                h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private static Run run(Path dir, int slots, int iterations) throws Exception {
        String name = "scaling-" + slots;
        GridSpec grid = new GridSpec(name, "cpu-tiny", List.of(ModelFamily.TGAN),
                List.of(TemporalKind.ODE1, TemporalKind.ODE2), List.of(FVariant.LINEAR), List.of(0L, 1L),
                Map.of("iterations", IntNode.valueOf(iterations), "checkpointInterval", IntNode.valueOf(iterations),
                        "evalInterval", IntNode.valueOf(0), "sampleInterval", IntNode.valueOf(0)),
                Map.of(), 100, 1);
        List<String> trainerJvm = new java.util.ArrayList<>(List.of("-Xmx1g", "-Dai.djl.pytorch.num_threads=1"));
        String extra = System.getProperty("bench.trainer-jvm", "");
        if (!extra.isBlank()) {
            trainerJvm.addAll(List.of(extra.trim().split("[,\\s]+")));
        }
        LocalCluster.Options o = LocalCluster.Options.processes(dir, slots)
                .withClassPath(System.getProperty("java.class.path"))
                .withTrainerJvmOptions(trainerJvm)
                .with("ndevid.store.transfer", "aeron")
                .with("ndevid.node.evaluators", Integer.getInteger("bench.evaluators", 1));
        try (LocalCluster cluster = LocalCluster.start(o)) {
            ExperimentClient client = cluster.client();
            // let the trainer JVMs start and join before the clock starts
            long joinDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < joinDeadline) {
                var s = cluster.slots().toCompletableFuture().get();
                if (s.isPresent() && s.get().slots().stream().filter(p -> p.alive()).count() == slots) {
                    break;
                }
                Thread.sleep(200);
            }
            Thread.sleep(8000);
            long t0 = System.nanoTime();
            client.submit(grid).toCompletableFuture().get();
            ExperimentStatus done = client.awaitCompletion(name, Duration.ofMillis(200), Duration.ofMinutes(20))
                    .toCompletableFuture().get();
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%n%d slot(s): %.1f s%n%s%n", slots, wall, done.table());
            if (done.count(TrialState.TERMINATED) != 4) {
                throw new IllegalStateException("not all trials terminated");
            }
            Histogram steps = new Histogram(3600_000_000L, 3);
            Histogram transfers = new Histogram(3600_000_000L, 3);
            for (TrialStatus t : done.trials()) {
                Path run = Path.of(t.runDir());
                double prev = -1;
                long prevIt = -1;
                for (String line : Files.readAllLines(run.resolve("stats.jsonl"))) {
                    JsonNode n = JSON.readTree(line);
                    double time = n.path("time").asDouble();
                    long it = n.path("iteration").asLong();
                    if (prev >= 0 && it > prevIt) {
                        steps.recordValue(Math.max(1, Math.round((time - prev) * 1e6 / (it - prevIt))));
                    }
                    prev = time;
                    prevIt = it;
                }
                Path tr = run.resolve(CheckpointShipper.TRANSFERS_FILE);
                if (Files.isRegularFile(tr)) {
                    for (String line : Files.readAllLines(tr)) {
                        transfers.recordValue(Math.max(1, Math.round(JSON.readTree(line).path("ms").asDouble()
                                * 1000)));
                    }
                }
            }
            return new Run(slots, wall, steps, transfers);
        }
    }
}

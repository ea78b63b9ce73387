package io.ndevid.actors.api;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import com.fasterxml.jackson.databind.node.IntNode;
import io.ndevid.actors.data.DataLoaderActor;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.testing.ProcessLogs;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.experiment.Outcome;
import io.ndevid.study.experiment.TrialState;
import io.ndevid.study.experiment.TrialStatus;
import io.ndevid.training.spec.ModelFamily;
import io.ndevid.training.temporal.FVariant;
import io.ndevid.training.temporal.TemporalKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote data in the production layout on one host: this JVM is the coordinator and the node agent
 * ({@code ndevid.node.data-loaders = 1}, no evaluator processes); the agent runs one trainer JVM (the real models,
 * production executor) and one loader JVM ({@code ndevid node --role loader}). Two cpu-tiny trials complete, and
 * every one of their batches came from the loader over Aeron UDP: its counters say so, and no trainer fell back to
 * reading in-process.
 */
@Timeout(300)
class LoaderProcessClusterTest {

    private static final int ITERATIONS = 4;

    @TempDir
    Path dir;

    @Test
    void trainersReadTheirBatchesFromTheLoaderProcess() throws Exception {
        LocalCluster.Options options = options();
        LocalCluster cluster = null;
        try {
            cluster = LocalCluster.start(options);
            ExperimentClient client = cluster.client();
            GridSpec grid = new GridSpec("loaderproc", "cpu-tiny", List.of(ModelFamily.TGAN),
                    List.of(TemporalKind.ODE1, TemporalKind.ODE2), List.of(FVariant.LINEAR), List.of(0L),
                    Map.of("iterations", IntNode.valueOf(ITERATIONS), "checkpointInterval", IntNode.valueOf(2),
                            "evalInterval", IntNode.valueOf(0)), Map.of(), 10, 1);
            client.submit(grid).toCompletableFuture().get(30, TimeUnit.SECONDS);
            ExperimentStatus done = ProcessLogs.awaitCompletion(client, "loaderproc", Duration.ofSeconds(150),
                    dir.resolve("logs"));
            try {
                assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
                assertEquals(2, done.count(TrialState.TERMINATED), done.table());
                for (TrialStatus t : done.trials()) {
                    assertEquals(Outcome.COMPLETED, t.result().outcome(), t.name() + ": " + t.result());
                }
                ActorSystem<Void> system = cluster.system();
                NodeAgent.Slots loaders = loaders(system);
                assertEquals(1, loaders.slots().size(), loaders.toString());
                NodeAgent.SlotProcess loader = loaders.slots().get(0);
                assertTrue(loader.alive() && loader.restarts() == 0, loader.toString());
                String args = Files.readString(Path.of("/proc/" + loader.pid() + "/cmdline")).replace('\0', ' ');
                assertTrue(args.contains("node --role loader --slot 0"), args);

                DataLoaderActor.Stats stats = stats(system);
                assertEquals(2L * ITERATIONS, stats.batchesSent(), "the loader sent every batch, once: " + stats);
                assertEquals(0, stats.failures(), stats.toString());
                assertEquals(1, stats.datasetsOpen(), "one data set, opened once for both trials: " + stats);
                assertEquals(0, stats.bytesSent() % stats.batchesSent(), stats.toString());
                // with local-fallback off a trainer that could not get a batch would have failed its trial, and one
                // reading in-process would have asked for nothing: every batch came from the loader
                System.out.printf("loader process: %s (%d bytes per batch)%n", stats,
                        stats.bytesSent() / stats.batchesSent());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + logs(), e);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * The loader JVM is SIGKILLed mid-trial: the agent restarts it, the trainer's batch fails over to the restarted
     * loader (local fallback off, so reading in-process cannot hide a failure), and both trials complete.
     */
    @Test
    void aSigkilledLoaderIsRestartedAndTheTrainerCarriesOnWithIt() throws Exception {
        int iterations = 60;
        LocalCluster.Options options = options().with("ndevid.data-loader.find-timeout", "60s");
        LocalCluster cluster = null;
        try {
            cluster = LocalCluster.start(options);
            ActorSystem<Void> system = cluster.system();
            ExperimentClient client = cluster.client();
            GridSpec grid = new GridSpec("loaderkill", "cpu-tiny", List.of(ModelFamily.TGAN),
                    List.of(TemporalKind.ODE1, TemporalKind.ODE2), List.of(FVariant.LINEAR), List.of(0L),
                    Map.of("iterations", IntNode.valueOf(iterations), "checkpointInterval", IntNode.valueOf(20),
                            "evalInterval", IntNode.valueOf(0)), Map.of(), 10, 1);
            client.submit(grid).toCompletableFuture().get(30, TimeUnit.SECONDS);

            // kill once the first trial has taken some batches (and well before the grid's 2 x 60 are all sent)
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            DataLoaderActor.Stats before = null;
            while (System.nanoTime() < deadline) {
                try {
                    before = stats(system);
                } catch (Exception e) {
                    before = null; // not registered yet
                }
                if (before != null && before.batchesSent() >= 10) {
                    break;
                }
                Thread.sleep(50);
            }
            assertTrue(before != null && before.batchesSent() >= 10 && before.batchesSent() < 2L * iterations,
                    "the loader got to serve some batches: " + before + "\n" + logs());
            NodeAgent.SlotProcess victim = loaders(system).slots().get(0);
            ProcessHandle.of(victim.pid()).orElseThrow().destroyForcibly();
            System.out.printf("SIGKILLed loader pid %d after %d batches%n", victim.pid(), before.batchesSent());

            ExperimentStatus done = ProcessLogs.awaitCompletion(client, "loaderkill", Duration.ofSeconds(200),
                    dir.resolve("logs"));
            try {
                assertEquals(2, done.count(TrialState.TERMINATED), done.table());
                for (TrialStatus t : done.trials()) {
                    assertEquals(Outcome.COMPLETED, t.result().outcome(), t.name() + ": " + t.result());
                }
                NodeAgent.SlotProcess restarted = loaders(system).slots().get(0);
                assertTrue(restarted.alive() && restarted.restarts() >= 1 && restarted.pid() != victim.pid(),
                        "the agent restarted the loader: " + restarted);
                DataLoaderActor.Stats after = stats(system);
                assertTrue(after.batchesSent() > 0, "the restarted loader served the rest: " + after);
                assertEquals(0, after.failures(), after.toString());
                System.out.printf("restarted loader: %s%n", after);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + logs(), e);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** This JVM: coordinator + agent with one trainer JVM and one loader JVM, no evaluator, no local fallback. */
    private LocalCluster.Options options() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return LocalCluster.Options.processes(dir, 1)
                .withExecutorName("production")
                .withClassPath(cp)
                .withTrainerJvmOptions(List.of("-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"))
                .with("ndevid.node.evaluators", 0)
                .with("ndevid.node.data-loaders", 1)
                .with("ndevid.data-loader.local-fallback", "off") // a failure must show, not hide behind a fallback
                .with("ndevid.node.stop-grace", "10s");
    }

    private static NodeAgent.Slots loaders(ActorSystem<Void> system) throws Exception {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        r -> Receptionist.find(NodeAgent.SERVICE_KEY, r), Duration.ofSeconds(5), system.scheduler())
                .thenCompose(l -> AskPattern.<NodeAgent.Command, NodeAgent.Slots>ask(
                        l.getServiceInstances(NodeAgent.SERVICE_KEY).iterator().next(),
                        NodeAgent.GetLoaders::new, Duration.ofSeconds(5), system.scheduler()))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static DataLoaderActor.Stats stats(ActorSystem<Void> system) throws Exception {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        r -> Receptionist.find(DataLoaderActor.SERVICE_KEY, r), Duration.ofSeconds(5),
                        system.scheduler())
                .thenCompose(l -> AskPattern.<DataLoaderActor.Command, DataLoaderActor.Stats>ask(
                        l.getServiceInstances(DataLoaderActor.SERVICE_KEY).iterator().next(),
                        DataLoaderActor.GetStats::new, Duration.ofSeconds(5), system.scheduler()))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private String logs() {
        return ProcessLogs.tail(dir.resolve("logs"));
    }
}

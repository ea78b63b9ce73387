package io.ndevid.actors.api;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import com.typesafe.config.Config;
import io.ndevid.actors.cluster.ClusterConfig;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.cluster.NodePlan;
import io.ndevid.actors.coordinator.CoordinatorSettings;
import io.ndevid.actors.node.NodeAgent;
import io.ndevid.actors.node.NodeSettings;
import io.ndevid.actors.node.TrainerProcessLauncher;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.trainer.TrainerSettings;
import io.ndevid.study.experiment.SlotInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A one-machine cluster in this JVM: the coordinator and a node agent whose {@code slots} trainers run as child
 * processes (the production layout, one JVM per slot), or — for tests of the scheduling alone — as actors in this
 * JVM. Listens on 127.0.0.1 only. {@link #client()} submits and follows experiments.
 *
 * <pre>{@code
 * try (LocalCluster c = LocalCluster.start(LocalCluster.Options.processes(Path.of("experiments"), 2))) {
 *     c.client().submit(grid).toCompletableFuture().get();
 *     ExperimentStatus done = c.client().awaitCompletion(grid.name(), Duration.ofSeconds(1), Duration.ofHours(8))
 *             .toCompletableFuture().get();
 * }
 * }</pre>
 */
public final class LocalCluster implements AutoCloseable {

    /**
     * @param dataDir          experiments live here
     * @param slots            trainer slots; for processes 0 means one per GPU ({@code nvidia-smi -L}), else one CPU
     *                         slot
     * @param inProcess        run trainers as actors here (with {@code executor}) instead of child processes
     * @param executor         the in-process executor (ignored for processes)
     * @param executorName     what child trainers run: {@code production} or a class name
     * @param classPath        the children's class path (null: this JVM's)
     * @param trainerJvmOptions the children's JVM options
     * @param settings         HOCON overrides (timeouts, …) of this node (children read the cluster-config files)
     */
    public record Options(Path dataDir, int slots, boolean inProcess, TrialExecutor executor, String executorName,
                          String classPath, List<String> trainerJvmOptions, Map<String, Object> settings) {

        public Options {
            trainerJvmOptions = List.copyOf(trainerJvmOptions);
            settings = Map.copyOf(settings);
            if (slots < (inProcess ? 1 : 0)) {
                throw new IllegalArgumentException("a local cluster needs at least one slot (trainer processes: 0 "
                        + "for one per GPU), got " + slots);
            }
            if (inProcess && executor == null) {
                throw new IllegalArgumentException("in-process trainers need an executor");
            }
        }

        /** The production layout: {@code slots} trainer processes running the real models. */
        public static Options processes(Path dataDir, int slots) {
            return new Options(dataDir, slots, false, null, "production", null, List.of("-Xmx2g"), Map.of());
        }

        /** Trainers as actors in this JVM (executors that do not hold the engine's gradient collector). */
        public static Options inProcess(Path dataDir, int slots, TrialExecutor executor) {
            return new Options(dataDir, slots, true, executor, null, null, List.of(), Map.of());
        }

        /** Adds HOCON settings of the local node (e.g. {@code ndevid.node.trials-per-gpu}). */
        public Options withSettings(Map<String, Object> more) {
            Map<String, Object> all = new java.util.HashMap<>(settings);
            all.putAll(more);
            return new Options(dataDir, slots, inProcess, executor, executorName, classPath, trainerJvmOptions, all);
        }

        public Options withExecutorName(String name) {
            return new Options(dataDir, slots, inProcess, executor, name, classPath, trainerJvmOptions, settings);
        }

        public Options withClassPath(String cp) {
            return new Options(dataDir, slots, inProcess, executor, executorName, cp, trainerJvmOptions, settings);
        }

        public Options withTrainerJvmOptions(List<String> opts) {
            return new Options(dataDir, slots, inProcess, executor, executorName, classPath, opts, settings);
        }

        /** Adds a HOCON setting, e.g. {@code ndevid.coordinator.progress-timeout = "20s"}. */
        public Options with(String path, Object value) {
            Map<String, Object> s = new HashMap<>(settings);
            s.put(path, value);
            return new Options(dataDir, slots, inProcess, executor, executorName, classPath, trainerJvmOptions, s);
        }
    }

    private final ActorSystem<Void> system;
    private final ExperimentClient client;
    private final String host;
    private final int port;

    private LocalCluster(ActorSystem<Void> system, String host, int port) {
        this.system = system;
        this.host = host;
        this.port = port;
        this.client = ExperimentClient.inProcess(system);
    }

    public static LocalCluster start(Options o) {
        String host = "127.0.0.1";
        int port;
        try {
            port = TrainerProcessLauncher.freePort(host);
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
        String seed = host + ":" + port;
        List<String> roles = o.inProcess() ? List.of(ClusterConfig.COORDINATOR)
                : List.of(ClusterConfig.COORDINATOR, ClusterConfig.WORKER);
        Map<String, Object> overrides = new HashMap<>(o.settings());
        overrides.put("ndevid.data-dir", o.dataDir().toAbsolutePath().toString());
        // a library inside someone's JVM: shutting the cluster down must not exit that JVM
        overrides.put("akka.coordinated-shutdown.exit-jvm", "off");
        overrides.put("akka.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        Config config = ClusterConfig.load(new ClusterConfig.NodeAddress(roles, host, port, List.of(seed)), null,
                null, overrides);
        CoordinatorSettings coordinator = CoordinatorSettings.fromConfig(config);
        NodeSettings worker = null;
        List<NodePlan.Trainer> trainers = new ArrayList<>();
        if (o.inProcess()) {
            long pid = ProcessHandle.current().pid();
            for (int slot = 0; slot < o.slots(); slot++) {
                trainers.add(new NodePlan.Trainer(new SlotInfo("local", slot, pid, "cpu"), o.executor()));
            }
        } else {
            worker = NodeSettings.fromConfig(config, "local", host, List.of(seed), o.slots(), null);
            TrainerProcessLauncher.Launch launch = TrainerProcessLauncher.Launch.currentJvm(o.trainerJvmOptions(),
                    o.executorName(), null);
            if (o.classPath() != null) {
                launch = launch.withClassPath(o.classPath());
            }
            worker = worker.withLaunch(launch);
        }
        ActorSystem<Void> system = ClusterNode.start(config, new NodePlan(roles, coordinator, worker, trainers,
                TrainerSettings.fromConfig(config)));
        try {
            if (!ClusterNode.awaitUp(system, Duration.ofSeconds(30))) {
                system.terminate();
                throw new IllegalStateException("the local cluster node on " + seed + " did not come up in 30 s");
            }
        } catch (InterruptedException e) {
            system.terminate();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the local cluster");
        }
        return new LocalCluster(system, host, port);
    }

    public ExperimentClient client() {
        return client;
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** {@code host:port} other nodes can use as their seed. */
    public String seed() {
        return host + ":" + port;
    }

    /** The node agent's slots and trainer processes (empty for in-process trainers). */
    public CompletionStage<Optional<NodeAgent.Slots>> slots() {
        Duration timeout = Duration.ofSeconds(5);
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        r -> Receptionist.find(NodeAgent.SERVICE_KEY, r), timeout, system.scheduler())
                .thenCompose(listing -> {
                    var agents = listing.getServiceInstances(NodeAgent.SERVICE_KEY);
                    if (agents.isEmpty()) {
                        return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
                    }
                    ActorRef<NodeAgent.Command> agent = agents.iterator().next();
                    return AskPattern.<NodeAgent.Command, NodeAgent.Slots>ask(agent, NodeAgent.GetSlots::new,
                            timeout, system.scheduler()).thenApply(Optional::of);
                });
    }

    /** Shuts the node down: trainers checkpoint and stop, then the ActorSystem terminates (bounded wait). */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(90, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the JVM's own exit cleans up what is left; children watch their parent
        }
    }
}

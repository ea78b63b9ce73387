package io.ndevid.cli;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import io.ndevid.actors.cluster.ClusterConfig;
import io.ndevid.actors.cluster.ClusterNode;
import io.ndevid.actors.cluster.FollowNode;
import io.ndevid.actors.cluster.NodePlan;
import io.ndevid.actors.coordinator.CoordinatorSettings;
import io.ndevid.actors.http.ClusterRoutes;
import io.ndevid.actors.http.HttpApi;
import io.ndevid.actors.http.HttpSettings;
import io.ndevid.actors.node.NodeSettings;
import io.ndevid.actors.protocol.TrialExecutor;
import io.ndevid.actors.trainer.TrainerSettings;
import io.ndevid.actors.trainer.TrialExecutors;
import io.ndevid.study.experiment.SlotInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ndevid node}: runs one cluster node until it is stopped (Ctrl-C / SIGTERM: trainers checkpoint first).
 *
 * <pre>
 *   ndevid node --role coordinator --host 10.0.0.1 --port 25520 --dir /shared/experiments
 *   ndevid node --role worker --host 10.0.0.2 --port 25521 --seed 10.0.0.1:25520 --slots 2
 *   ndevid node --role coordinator,worker --port 25520 --slots 2      # everything on one machine
 * </pre>
 *
 * Trainer processes ({@code --role trainer --slot K}) are started by their worker's node agent, not by hand; so are
 * evaluator and loader processes ({@code --role evaluator|loader --slot K}).
 * Coordinator nodes also serve the HTTP JSON API ({@code --http-host}, default 127.0.0.1; {@code --http-port}, default
 * 8787) and print {@code ndevid API: http://HOST:PORT/ (token in DIR/token)} once the node is up.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a cluster node: the experiment "
        + "coordinator, a worker (its node agent starts one trainer process per slot), or — started by a node agent — "
        + "a trainer. Configuration comes from cluster-config/*.conf (built into the jar; --config-dir reads a "
        + "directory instead, --config adds a file on top). Ctrl-C / SIGTERM: trainers checkpoint, then stop.")
final class NodeCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--role", required = true, split = ",",
            description = "coordinator, worker, or both (coordinator,worker); trainer, evaluator and loader are "
                    + "for node agents.")
    List<String> roles;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Host name or address other members reach this node at (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", description = "Artery TCP port (default: the role file's, 25520 coordinator, "
            + "25521 worker; 0 = any free port).")
    Integer port;

    @Option(names = "--seed", description = "HOST:PORT of a seed node (repeatable). Default for a coordinator: itself.")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--slots", defaultValue = "0",
            description = "Worker: number of CPU trainer slots (default 0: one per GPU, or one CPU slot).")
    int slots;

    @Option(names = "--trials-per-gpu", description = "Worker: trainer processes sharing each GPU (default: "
            + "ndevid.node.trials-per-gpu, 1).")
    Integer trialsPerGpu;

    @Option(names = "--dir", description = "Experiments directory (journals, run folders, results); shared by all "
            + "nodes. Default: ndevid.data-dir (./experiments).")
    Path dir;

    @Option(names = "--config", description = "Extra HOCON file applied over the role file.")
    Path config;

    @Option(names = "--config-dir", description = "Read base.conf and the role files from this directory instead of "
            + "the built-in copies (e.g. the repository's cluster-config).")
    Path configDir;

    @Option(names = "--node-id", description = "This machine's name in slot ids (default: the host name).")
    String nodeId;

    @Option(names = "--executor", description = "What trainers run: production (the GAN models) or a TrialExecutor "
            + "class name (default: ndevid.trainer.executor).")
    String executor;

    @Option(names = "--join-timeout", description = "Seconds to wait to join the cluster before giving up "
            + "(default: ndevid.join-timeout, 30 s).")
    Integer joinTimeout;

    @Option(names = "--http-host", description = "Coordinator nodes: interface of the HTTP API (default: "
            + "ndevid.http.host, 127.0.0.1 — this machine only; 0.0.0.0 exposes it: put a firewall or TLS proxy in "
            + "front).")
    String httpHost;

    @Option(names = "--http-port", description = "Coordinator nodes: port of the HTTP API (default: ndevid.http.port, "
            + "8787; 0 = a free port).")
    Integer httpPort;

    @Option(names = "--http-read-token", description = "Coordinator nodes: reads of the HTTP API (status, results, "
            + "report, /api/cluster) need the token too, not only writes (default: ndevid.http.read-token, off).")
    Boolean httpReadToken;

    @Option(names = "--slot", hidden = true, defaultValue = "-1",
            description = "Trainer: the slot it serves; evaluator: its index.")
    int slot;

    @Option(names = "--device", hidden = true, defaultValue = "cpu", description = "Trainer: its slot's device.")
    String device;

    @Option(names = "--parent-pid", hidden = true, defaultValue = "0",
            description = "Trainer: exit when this process (its node agent) is gone.")
    long parentPid;

    @Option(names = "--agent", hidden = true, description = "Trainer, evaluator, loader: the Artery HOST:PORT of its "
            + "node agent; the process leaves the cluster when that member is downed or removed.")
    String agent;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() throws Exception {
        List<String> roleList = roles.stream().map(String::trim).map(String::toLowerCase).toList();
        for (String r : roleList) {
            if (!ClusterConfig.ROLES.contains(r)) {
                throw new IllegalArgumentException("unknown --role '" + r + "'; known: " + ClusterConfig.ROLES);
            }
        }
        boolean trainer = roleList.contains(ClusterConfig.TRAINER);
        boolean evaluator = roleList.contains(ClusterConfig.EVALUATOR) || roleList.contains(ClusterConfig.LOADER);
        if (trainer && slot < 0) {
            throw new IllegalArgumentException("--role trainer needs --slot K (trainers are started by a node agent)");
        }
        if (evaluator && slot < 0) {
            throw new IllegalArgumentException("--role " + roleList.get(0) + " needs --slot K (evaluators and loaders "
                    + "are started by a node agent)");
        }
        if (!trainer && !evaluator && slot >= 0) {
            throw new IllegalArgumentException("--slot is for --role trainer only");
        }
        if (slots < 0) {
            throw new IllegalArgumentException("--slots must be ≥ 0, got " + slots);
        }
        if (slots > 0 && !roleList.contains(ClusterConfig.WORKER)) {
            throw new IllegalArgumentException("--slots needs the worker role");
        }
        String id = nodeId != null ? nodeId : hostName();
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("--node-id must be 1-64 of [A-Za-z0-9._-], got '" + id + "'");
        }
        resolvable("--host", host);
        int p = port != null ? port : ClusterConfig.roleFile(roleList.get(0), configDir).resolve()
                .getInt("akka.remote.artery.canonical.port");
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + p);
        }
        List<String> seedList = new ArrayList<>(seeds);
        if (seedList.isEmpty()) {
            if (!roleList.contains(ClusterConfig.COORDINATOR)) {
                throw new IllegalArgumentException("--seed HOST:PORT is needed: a " + roleList.get(0) + " joins an "
                        + "existing cluster (start a coordinator first)");
            }
            if (p == 0) {
                throw new IllegalArgumentException("the first node (no --seed) needs a fixed --port: others use it "
                        + "as their seed");
            }
            seedList.add(host + ":" + p);
        }
        if (p != 0) {
            ensurePortFree(host, p);
        }
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            throw new IllegalArgumentException("--http-port must be in [0, 65535], got " + httpPort);
        }
        if (httpHost != null) {
            resolvable("--http-host", httpHost);
        }

        Map<String, Object> overrides = new HashMap<>();
        // this command decides when the JVM exits (with its own exit code), not CoordinatedShutdown
        overrides.put("akka.coordinated-shutdown.exit-jvm", "off");
        if (dir != null) {
            overrides.put("ndevid.data-dir", dir.toAbsolutePath().toString());
        }
        if (executor != null) {
            overrides.put("ndevid.trainer.executor", executor);
        }
        if (trialsPerGpu != null) {
            overrides.put("ndevid.node.trials-per-gpu", trialsPerGpu);
        }
        if (httpHost != null) {
            overrides.put("ndevid.http.host", httpHost);
        }
        if (httpPort != null) {
            overrides.put("ndevid.http.port", httpPort);
        }
        if (httpReadToken != null) {
            overrides.put("ndevid.http.read-token", httpReadToken);
        }
        Config c = ClusterConfig.load(new ClusterConfig.NodeAddress(roleList, host, p, seedList), configDir, config,
                overrides);
        Duration join = joinTimeout != null ? Duration.ofSeconds(joinTimeout) : c.getDuration("ndevid.join-timeout");
        HttpSettings http = roleList.contains(ClusterConfig.COORDINATOR) ? HttpSettings.fromConfig(c) : null;
        if (http != null && http.port() != 0) {
            try {
                ensurePortFree(http.host(), http.port());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the HTTP API " + e.getMessage().replace("--port", "--http-port"));
            }
        }

        NodeSettings worker = roleList.contains(ClusterConfig.WORKER)
                ? NodeSettings.fromConfig(c, id, host, seedList, slots, configDir, config) : null;
        List<NodePlan.Trainer> trainers = new ArrayList<>();
        if (trainer) {
            // fail here, with the reason, rather than on the first trial
            TrialExecutor ex = TrialExecutors.named(c.getString("ndevid.trainer.executor"));
            trainers.add(new NodePlan.Trainer(new SlotInfo(id, slot, ProcessHandle.current().pid(), device), ex));
        }
        NodePlan plan = new NodePlan(roleList, CoordinatorSettings.fromConfig(c), worker, trainers,
                TrainerSettings.fromConfig(c));

        ActorSystem<Void> system = ClusterNode.start(c, plan);
        if (parentPid > 0) {
            Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
            if (parent.isEmpty()) {
                system.terminate();
                throw new IllegalStateException("parent process " + parentPid + " is already gone");
            }
            parent.get().onExit().thenRun(system::terminate);
        }
        if (agent != null) {
            FollowNode.start(system, ClusterConfig.parseSeed(agent));
        }
        // Ctrl-C / SIGTERM: Akka's CoordinatedShutdown JVM hook drains trainers and stops trainer processes
        if (!ClusterNode.awaitUp(system, join)) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            throw new IllegalStateException("could not join the cluster through seed(s) " + seedList + " within "
                    + join.toSeconds() + " s (is a coordinator running there, with the same --host it advertises?)");
        }
        out().printf("ndevid node %s: roles %s up at %s:%d (seeds %s, data %s)%s%n", id, roleList, host,
                system.address().getPort().orElse(p), seedList, c.getString("ndevid.data-dir"),
                worker == null ? "" : ", slots " + worker.devices());
        if (http != null) {
            HttpApi api;
            try {
                // the experiment API plus GET /api/cluster, what ndevid console reads
                api = HttpApi.start(system, http, List.of(ClusterRoutes.create(system, null)));
            } catch (RuntimeException e) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().join();
                throw e;
            }
            out().println(api.banner());
        }
        out().flush();
        system.getWhenTerminated().toCompletableFuture().join();
        return 0;
    }

    private static void resolvable(String flag, String host) {
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(flag + " '" + host + "' does not resolve");
        }
    }

    /** A clear error instead of Artery's bind failure deep in the ActorSystem's start. */
    static void ensurePortFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (BindException e) {
            throw new IllegalArgumentException("port " + port + " on " + host + " is in use (another ndevid node?); "
                    + "choose another --port");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    private static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h.replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}

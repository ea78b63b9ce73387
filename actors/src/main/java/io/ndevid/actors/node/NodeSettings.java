package io.ndevid.actors.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A worker node's settings, read once: who it is, where the cluster is, its slots, and how to launch, restart and
 * stop its trainer processes.
 *
 * @param nodeId      names the node in slot ids ({@code node/slot-K}); the host name by default
 * @param host        the host trainers listen on (the node's canonical host)
 * @param seeds       {@code host:port} seed nodes trainers join
 * @param devices     one entry per slot: {@code cpu} or {@code gpu:<CUDA_VISIBLE_DEVICES entry>} (a GPU appears
 *                    {@code ndevid.node.trials-per-gpu} times: that many trainers share it)
 * @param launch      how to start a trainer JVM
 * @param backoff     restart policy for trainers that die
 * @param stopGrace   on shutdown, how long trainers get to checkpoint and leave before they are killed
 * @param logDir      trainer logs go to {@code logDir/trainer-<slot>.log}
 * @param evaluators  evaluator processes to run beside the trainers ({@code evaluator-<k>.log}); 0: trainers
 *                    evaluate in-process
 * @param dataLoaders data-loader processes to run beside the trainers ({@code loader-<k>.log}); 0: trainers read
 *                    their data in-process
 */
public record NodeSettings(String nodeId, String host, List<String> seeds, List<String> devices,
                           TrainerProcessLauncher.Launch launch, RestartBackoff backoff, Duration stopGrace,
                           Path logDir, int evaluators, int dataLoaders) {

    /** Without evaluator or loader processes. */
    public NodeSettings(String nodeId, String host, List<String> seeds, List<String> devices,
                        TrainerProcessLauncher.Launch launch, RestartBackoff backoff, Duration stopGrace, Path logDir) {
        this(nodeId, host, seeds, devices, launch, backoff, stopGrace, logDir, 0, 0);
    }

    /** Without loader processes. */
    public NodeSettings(String nodeId, String host, List<String> seeds, List<String> devices,
                        TrainerProcessLauncher.Launch launch, RestartBackoff backoff, Duration stopGrace, Path logDir,
                        int evaluators) {
        this(nodeId, host, seeds, devices, launch, backoff, stopGrace, logDir, evaluators, 0);
    }

    public NodeSettings {
        seeds = List.copyOf(seeds);
        devices = List.copyOf(devices);
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one slot");
        }
        if (evaluators < 0) {
            throw new IllegalArgumentException("ndevid.node.evaluators must be ≥ 0, got " + evaluators);
        }
        if (dataLoaders < 0 || dataLoaders > 1) {
            throw new IllegalArgumentException("ndevid.node.data-loaders must be 0 or 1, got " + dataLoaders);
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("trainers need at least one seed node to join");
        }
    }

    /**
     * Settings from {@code ndevid.node} / {@code ndevid.trainer}.
     *
     * @param slots     CPU slots (> 0), or 0 for {@code trials-per-gpu} per GPU (else one CPU slot)
     * @param configDir passed on to trainers ({@code --config-dir}), or null for the built-in files
     */
    public static NodeSettings fromConfig(Config c, String nodeId, String host, List<String> seeds, int slots,
                                          Path configDir) {
        return fromConfig(c, nodeId, host, seeds, slots, configDir, null);
    }

    /** As above; {@code configFile} (the node's {@code --config}, or null) is passed on to its trainers. */
    public static NodeSettings fromConfig(Config c, String nodeId, String host, List<String> seeds, int slots,
                                          Path configDir, Path configFile) {
        Config n = c.getConfig("ndevid.node");
        int s = slots > 0 ? slots : n.getInt("slots");
        String logDir = n.getString("log-dir");
        Path logs = logDir.isBlank()
                ? Path.of(c.getString("ndevid.data-dir")).toAbsolutePath().resolve("logs").resolve(nodeId)
                : Path.of(logDir).toAbsolutePath();
        TrainerProcessLauncher.Launch launch = TrainerProcessLauncher.Launch.currentJvm(
                n.getStringList("trainer-jvm-options"), c.getString("ndevid.trainer.executor"), configDir,
                configFile).withEnvironment(environment(n.getConfig("trainer-environment")));
        return new NodeSettings(nodeId, host, seeds, SlotDetection.devices(s, n.getInt("trials-per-gpu")), launch,
                new RestartBackoff(n.getDuration("restart-backoff-min"), n.getDuration("restart-backoff-max"),
                        n.getDuration("backoff-reset")), n.getDuration("stop-grace"), logs,
                n.getInt("evaluators"), n.getInt("data-loaders"));
    }

    /** {@code trainer-environment}: variable names to string values (quoted keys keep dots and case as written). */
    private static Map<String, String> environment(Config env) {
        Map<String, String> out = new TreeMap<>();
        env.root().forEach((k, v) -> {
            if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST
                    || v.valueType() == ConfigValueType.NULL) {
                throw new IllegalArgumentException("ndevid.node.trainer-environment." + k + " must be a string, "
                        + "number or boolean (an environment variable's value), got " + v.valueType().name()
                        .toLowerCase(java.util.Locale.ROOT) + " " + v.render(ConfigRenderOptions.concise()));
            }
            out.put(k, String.valueOf(v.unwrapped()));
        });
        return out;
    }

    public NodeSettings withLaunch(TrainerProcessLauncher.Launch l) {
        return new NodeSettings(nodeId, host, seeds, devices, l, backoff, stopGrace, logDir, evaluators,
                dataLoaders);
    }

    public NodeSettings withBackoff(RestartBackoff b) {
        return new NodeSettings(nodeId, host, seeds, devices, launch, b, stopGrace, logDir, evaluators,
                dataLoaders);
    }

    public NodeSettings withEvaluators(int n) {
        return new NodeSettings(nodeId, host, seeds, devices, launch, backoff, stopGrace, logDir, n, dataLoaders);
    }

    public NodeSettings withDataLoaders(int n) {
        return new NodeSettings(nodeId, host, seeds, devices, launch, backoff, stopGrace, logDir, evaluators, n);
    }
}

package io.ndevid.actors.node;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops trainer processes: one JVM per slot, on the node's own class path, visible in {@code ps} as
 * {@code … io.ndevid.cli.NdevidCli node --role trainer --slot K …}. No actors here, so it can be tested alone.
 */
public final class TrainerProcessLauncher {

    public static final String MAIN_CLASS = "io.ndevid.cli.NdevidCli";

    /** Set on trainers whose agent runs evaluator processes. */
    public static final String OFFLOAD_PROPERTY = "ndevid.trainer.offload-evaluation";

    /** Set on trainers whose agent runs a data-loader process: they read their batches from it. */
    public static final String REMOTE_DATA_PROPERTY = "ndevid.trainer.remote-data";

    /**
     * System properties a trainer inherits from its agent: engine caches and offline switches, log config, ndevid
     * settings, and cluster settings ({@code -Dakka.cluster.split-brain-resolver.stable-after=…}: the failure
     * detector and the resolver must agree across members; a trainer's own host, port, seeds and roles are flags,
     * which win over system properties).
     */
    static final List<String> FORWARDED_PROPERTY_PREFIXES = List.of("ai.djl.", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR",
            "org.bytedeco.", "logback.configurationFile", "ndevid.", "PYTORCH_", "akka.cluster.");

    /**
     * How to start a trainer JVM.
     *
     * @param javaBin    the {@code java} executable
     * @param classPath  the class path (the agent's own by default)
     * @param jvmOptions options before the main class ({@code -Xmx2g}, forwarded {@code -D…})
     * @param executor   the trainers' {@code --executor}
     * @param configDir  the trainers' {@code --config-dir}, or null
     * @param configFile the trainers' {@code --config} (the agent's own extra file: failure detector, split-brain
     *                   resolver and timeouts must agree across members), or null
     * @param environment variables set in every child's environment ({@code ndevid.node.trainer-environment}, e.g.
     *                   glibc's {@code MALLOC_ARENA_MAX}); a slot's device variables are set after them
     */
    public record Launch(String javaBin, String classPath, List<String> jvmOptions, String executor, Path configDir,
                         Path configFile, Map<String, String> environment) {

        public Launch {
            jvmOptions = List.copyOf(jvmOptions);
            environment = Map.copyOf(environment);
        }

        public Launch(String javaBin, String classPath, List<String> jvmOptions, String executor, Path configDir,
                      Path configFile) {
            this(javaBin, classPath, jvmOptions, executor, configDir, configFile, Map.of());
        }

        public Launch(String javaBin, String classPath, List<String> jvmOptions, String executor, Path configDir) {
            this(javaBin, classPath, jvmOptions, executor, configDir, null);
        }

        /**
         * This JVM's java, class path and forwarded system properties, plus {@code extraJvmOptions} (a {@code -Dkey=}
         * there wins over this JVM's {@code key}).
         */
        public static Launch currentJvm(List<String> extraJvmOptions, String executor, Path configDir) {
            return currentJvm(extraJvmOptions, executor, configDir, null);
        }

        /** As {@link #currentJvm(List, String, Path)}, passing {@code configFile} on as the trainers' --config. */
        public static Launch currentJvm(List<String> extraJvmOptions, String executor, Path configDir,
                                        Path configFile) {
            List<String> opts = new ArrayList<>(extraJvmOptions);
            System.getProperties().stringPropertyNames().stream().sorted().forEach(k -> {
                boolean setHere = extraJvmOptions.stream().anyMatch(o -> o.startsWith("-D" + k + "="));
                if (!setHere && FORWARDED_PROPERTY_PREFIXES.stream().anyMatch(k::startsWith)) {
                    opts.add("-D" + k + "=" + System.getProperty(k));
                }
            });
            return new Launch(TrainerProcessLauncher.javaBin(), System.getProperty("java.class.path"), opts, executor,
                    configDir, configFile == null ? null : configFile.toAbsolutePath());
        }

        public Launch withClassPath(String cp) {
            return new Launch(javaBin, cp, jvmOptions, executor, configDir, configFile, environment);
        }

        public Launch withExecutor(String e) {
            return new Launch(javaBin, classPath, jvmOptions, e, configDir, configFile, environment);
        }

        public Launch withEnvironment(Map<String, String> env) {
            return new Launch(javaBin, classPath, jvmOptions, executor, configDir, configFile, env);
        }
    }

    private final NodeSettings settings;
    /** The node agent's Artery address ({@code host:port}) its children follow ({@code --agent}); null: none. */
    private final String agent;

    public TrainerProcessLauncher(NodeSettings settings) {
        this(settings, null);
    }

    /** A launcher whose processes follow the node agent at {@code agent} ({@code host:port}): see FollowNode. */
    public TrainerProcessLauncher(NodeSettings settings, String agent) {
        this.settings = settings;
        this.agent = agent;
    }

    /** The command line of slot {@code slot}'s trainer listening on {@code port}. */
    public List<String> command(int slot, int port) {
        return command("trainer", slot, port);
    }

    /**
     * The command line of a {@code trainer} (slot) or of evaluator process {@code index} ({@code node --role
     * evaluator --slot index}). When the agent runs evaluators its trainers are told to hand their evaluations to
     * them ({@code -Dndevid.trainer.offload-evaluation=true}); otherwise they evaluate in-process. Likewise a
     * {@code loader} process: its trainers get {@code -Dndevid.trainer.remote-data=true}.
     */
    public List<String> command(String role, int slot, int port) {
        boolean trainer = role.equals("trainer");
        Launch l = settings.launch();
        List<String> cmd = new ArrayList<>();
        cmd.add(l.javaBin());
        cmd.addAll(l.jvmOptions());
        if (trainer && settings.evaluators() > 0) {
            cmd.add("-D" + OFFLOAD_PROPERTY + "=true");
        }
        if (trainer && settings.dataLoaders() > 0) {
            cmd.add("-D" + REMOTE_DATA_PROPERTY + "=true");
        }
        cmd.add("-cp");
        cmd.add(l.classPath());
        cmd.add(MAIN_CLASS);
        cmd.add("node");
        cmd.add("--role");
        cmd.add(role);
        cmd.add("--slot");
        cmd.add(Integer.toString(slot));
        cmd.add("--node-id");
        cmd.add(settings.nodeId());
        if (trainer) {
            cmd.add("--device");
            cmd.add(settings.devices().get(slot));
        }
        cmd.add("--host");
        cmd.add(settings.host());
        cmd.add("--port");
        cmd.add(Integer.toString(port));
        for (String s : settings.seeds()) {
            cmd.add("--seed");
            cmd.add(s);
        }
        if (trainer) {
            cmd.add("--executor");
            cmd.add(l.executor());
        }
        cmd.add("--parent-pid");
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        if (agent != null) {
            cmd.add("--agent");
            cmd.add(agent);
        }
        if (l.configDir() != null) {
            cmd.add("--config-dir");
            cmd.add(l.configDir().toString());
        }
        if (l.configFile() != null) {
            cmd.add("--config");
            cmd.add(l.configFile().toString());
        }
        return cmd;
    }

    /**
     * {@code CUDA_VISIBLE_DEVICES} for the slot (its one GPU, or none for a CPU slot) and {@code CUDA_DEVICE_ORDER=
     * PCI_BUS_ID} (so that an index means what nvidia-smi lists).
     */
    public Map<String, String> environment(int slot) {
        return SlotDetection.environment(settings.devices().get(slot));
    }

    public Path logFile(int slot) {
        return logFile("trainer", slot);
    }

    /** {@code <log-dir>/<role>-<index>.log}. */
    public Path logFile(String role, int index) {
        return settings.logDir().resolve(role + "-" + index + ".log");
    }

    /** Starts slot {@code slot}'s trainer on {@code port}; its output is appended to {@link #logFile}. */
    public Process start(int slot, int port) throws IOException {
        return start("trainer", slot, port);
    }

    /** Starts a {@code trainer} (slot) or {@code evaluator} process; output appended to its log file. */
    public Process start(String role, int slot, int port) throws IOException {
        Path log = logFile(role, slot);
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command(role, slot, port))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(settings.launch().environment());
        // a trainer sees its slot's GPU; evaluator k shares slot (k mod slots)'s (its C3D is small), or none on CPU
        pb.environment().putAll(environment(role.equals("trainer") ? slot : slot % settings.devices().size()));
        return pb.start();
    }

    /** A port free on {@code host} now (a trainer is told to use it; if another process takes it first, it dies and
     *  is restarted on another). */
    public static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        }
    }

    /** SIGTERM (the trainer checkpoints and leaves), then SIGKILL after {@code grace}; returns once it is gone. */
    public static void stop(Process p, Duration grace) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String javaBin() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}

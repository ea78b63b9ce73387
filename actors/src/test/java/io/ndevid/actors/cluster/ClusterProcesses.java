package io.ndevid.actors.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real cluster nodes for tests: each {@link #start} launches {@code java -cp <test class path> io.ndevid.cli.NdevidCli
 * node …} on 127.0.0.1 with a free Artery port and a free HTTP port, its output in {@code <logDir>/<name>.log}; the
 * node's agent starts its trainer processes as its children. {@link #kill} is {@code kill -9} of a node and its whole
 * process tree; {@link #close} does that to every node still running (and checks that nothing survived).
 */
final class ClusterProcesses implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final Pattern API_LINE = Pattern.compile("ndevid API: (http://[^/\\s]+/)");
    /**
     * Where a node runs: the address it binds and announces (Artery and, on a coordinator node, the HTTP API), and a
     * command its {@code java} runs under (e.g. {@code ip netns exec NS}: the node in a network namespace; its
     * children inherit it). {@link #LOOPBACK}: 127.0.0.1, no prefix.
     */
    record Where(String host, List<String> prefix) {
        static final Where LOOPBACK = new Where(HOST, List.of());

        Where {
            prefix = List.copyOf(prefix);
        }
    }

    /** A node JVM. {@code api} is its HTTP base URL once it printed it (coordinator-role nodes), else null. */
    static final class Node {
        final String name;
        final List<String> roles;
        final String host;
        final int port;
        final Process process;
        final Path log;
        volatile String api;

        Node(String name, List<String> roles, String host, int port, Process process, Path log) {
            this.name = name;
            this.roles = List.copyOf(roles);
            this.host = host;
            this.port = port;
            this.process = process;
            this.log = log;
        }

        String seed() {
            return host + ":" + port;
        }

        long pid() {
            return process.pid();
        }

        @Override
        public String toString() {
            return name + roles + "@" + port + " pid " + process.pid();
        }
    }

    private final Path dataDir;
    private final Path logDir;
    private final List<String> jvmOptions;
    private final List<String> commonArgs;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /** Every process ever seen under a node (trainers included), so close() can check none survived. */
    private final List<ProcessHandle> seen = new ArrayList<>();

    /**
     * @param dataDir    the shared {@code --dir} of every node
     * @param logDir     node logs go here (trainer logs: {@code <dataDir>/logs/<node>/})
     * @param jvmOptions node JVM options ({@code -D…}: {@code ndevid.*} ones reach the trainers too)
     * @param commonArgs arguments every node gets ({@code --config F}, {@code --executor C}, …)
     */
    ClusterProcesses(Path dataDir, Path logDir, List<String> jvmOptions, List<String> commonArgs) {
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.commonArgs = List.copyOf(commonArgs);
        Runtime.getRuntime().addShutdownHook(cleanupHook);
    }

    /** Also on System.exit / Ctrl-C of the test JVM: no node outlives it. */
    private final Thread cleanupHook = new Thread(this::killAll, "cluster-processes-cleanup");

    /**
     * Nodes sharing {@code tmp/experiments} with the repository's {@code cluster-config/loopback.conf} (plus
     * {@code extraConfig}, HOCON, on top), running the production executor; node logs in {@code tmp/node-logs}.
     */
    static ClusterProcesses loopback(Path tmp, String extraConfig) throws IOException {
        // one file per setting set: several harnesses (e.g. a TLS cluster and a plain-TCP node) may share tmp
        Path config = tmp.resolve(extraConfig.isEmpty() ? "test.conf"
                : "test-" + Integer.toHexString(extraConfig.hashCode()) + ".conf");
        Path loopback = repositoryConfig("loopback.conf");
        // the repository's loopback settings, plus what only the test needs; node agents pass --config to trainers
        Files.writeString(config, """
                include file("%s")
                ndevid.node.trainer-jvm-options = ["-Xmx1g", "-XX:+UseSerialGC"]
                # every node shares the data directory: the store copies final checkpoints from the run folders
                ndevid.store.transfer = "shared-fs"
                """.formatted(loopback) + extraConfig + "\n");
        List<String> jvm = new ArrayList<>(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dndevid.test.log=INFO"));
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("ai.djl.") || k.startsWith("org.bytedeco.") || k.equals("DJL_CACHE_DIR")
                    || k.equals("ENGINE_CACHE_DIR")) {
                jvm.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        return new ClusterProcesses(tmp.resolve("experiments"), tmp.resolve("node-logs"), jvm,
                List.of("--config", config.toString(), "--executor", "production"));
    }

    /** {@code cluster-config/NAME} of the repository (searched upwards from the working directory). */
    static Path repositoryConfig(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("cluster-config").resolve(name);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new IllegalStateException("cluster-config/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts node {@code name} (also its {@code --node-id}) with one trainer slot if it is a worker. */
    Node start(String name, List<String> roles, int port, List<String> seeds) throws IOException {
        return start(name, roles, port, seeds, 1);
    }

    /** Starts node {@code name} with {@code slots} trainer processes if it is a worker. */
    Node start(String name, List<String> roles, int port, List<String> seeds, int slots) throws IOException {
        return start(name, roles, Where.LOOPBACK, port, seeds, slots);
    }

    /** Starts node {@code name} {@code where} says, with {@code slots} trainer processes if it is a worker. */
    Node start(String name, List<String> roles, Where where, int port, List<String> seeds, int slots)
            throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(where.prefix());
        cmd.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add("io.ndevid.cli.NdevidCli");
        cmd.add("node");
        cmd.add("--role");
        cmd.add(String.join(",", roles));
        cmd.add("--node-id");
        cmd.add(name);
        cmd.add("--host");
        cmd.add(where.host());
        cmd.add("--port");
        cmd.add(Integer.toString(port));
        for (String s : seeds) {
            cmd.add("--seed");
            cmd.add(s);
        }
        cmd.add("--dir");
        cmd.add(dataDir.toString());
        if (roles.contains(ClusterConfig.WORKER)) {
            cmd.add("--slots");
            cmd.add(Integer.toString(slots));
        }
        if (roles.contains(ClusterConfig.COORDINATOR)) {
            cmd.add("--http-host");
            cmd.add(where.host());
            cmd.add("--http-port");
            cmd.add("0");
        }
        cmd.addAll(commonArgs);
        // if this JVM dies without cleaning up (a crash, System.exit), the node stops itself and its trainers
        cmd.add("--parent-pid");
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Files.writeString(log, String.join(" ", cmd) + "\n");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Node n = new Node(name, roles, where.host(), port, p, log);
        nodes.put(name, n);
        seen.add(p.toHandle());
        return n;
    }

    /**
     * Waits until the node printed that it is up (and, on a coordinator-role node, its API address) and, on a
     * worker, that its trainer process is up; fails with the logs if it exits or the time runs out.
     */
    void awaitUp(Node n, Duration timeout) throws InterruptedException {
        awaitUp(n, timeout, true);
    }

    /**
     * Waits until the node JVM printed that it is up (and its API address, on a coordinator-role node), and, if
     * {@code withTrainer}, its first trainer process too: without, the node's children may still be joining.
     */
    void awaitUp(Node n, Duration timeout, boolean withTrainer) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean coordinator = n.roles.contains(ClusterConfig.COORDINATOR);
        while (true) {
            String log = read(n.log);
            Matcher m = API_LINE.matcher(log);
            if (m.find()) {
                n.api = m.group(1);
            }
            boolean up = log.contains("ndevid node " + n.name + ": roles");
            // a worker's one trainer (slot 0) has joined too: a kill then meets a settled cluster of Up members
            boolean trainerUp = !withTrainer || !n.roles.contains(ClusterConfig.WORKER) || trainerUp(n);
            if (up && trainerUp && (!coordinator || n.api != null)) {
                remember(n);
                return;
            }
            if (!n.process.isAlive()) {
                throw new AssertionError("node " + n + " exited with " + n.process.exitValue() + " before it was up\n"
                        + logs());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + n + " not up within " + timeout.toSeconds() + " s\n" + logs());
            }
            Thread.sleep(250);
        }
    }

    /** Whether the node's first trainer process (slot 0) logged that it is an Up member. */
    boolean trainerUp(Node n) {
        return read(dataDir.resolve("logs").resolve(n.name).resolve("trainer-0.log"))
                .contains("ndevid node " + n.name + ": roles [trainer] up at");
    }

    /** The node's log and its children's ({@code <dataDir>/logs/<node>/*.log}). */
    List<Path> logsOf(Node n) throws IOException {
        List<Path> all = new ArrayList<>(List.of(n.log));
        Path children = dataDir.resolve("logs").resolve(n.name);
        if (Files.isDirectory(children)) {
            try (Stream<Path> s = Files.list(children)) {
                s.filter(f -> f.toString().endsWith(".log")).sorted().forEach(all::add);
            }
        }
        return all;
    }

    /** The node's trainer processes (its JVM's children). */
    List<ProcessHandle> trainers(Node n) {
        return n.process.toHandle().children().toList();
    }

    /** {@code kill -9} of the node's whole process tree (trainers first, so none sees its agent go and leaves). */
    synchronized void kill(Node n) throws InterruptedException {
        remember(n);
        List<ProcessHandle> tree = new ArrayList<>(n.process.toHandle().descendants().toList());
        tree.add(n.process.toHandle());
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("process " + h.pid() + " of node " + n + " did not die on SIGKILL", e);
            }
        }
    }

    /**
     * {@code kill -STOP} of the node's whole process tree at once: the machine freezes (a GC pause, a VM
     * suspended, a cable pulled and plugged back) without anything dying. Returns the frozen processes.
     */
    synchronized List<ProcessHandle> freeze(Node n) throws IOException, InterruptedException {
        List<ProcessHandle> tree = tree(n);
        signal("STOP", tree);
        return tree;
    }

    /** The node's JVM and every process under it (trainers, evaluators, loaders), now. */
    synchronized List<ProcessHandle> tree(Node n) {
        remember(n);
        List<ProcessHandle> tree = new ArrayList<>(n.process.toHandle().descendants().toList());
        tree.add(0, n.process.toHandle());
        return tree;
    }

    /** {@code kill -CONT} of processes {@link #freeze} stopped. */
    void thaw(List<ProcessHandle> frozen) throws IOException, InterruptedException {
        signal("CONT", frozen.stream().filter(ProcessHandle::isAlive).toList());
    }

    /** Waits until every one of {@code processes} (of {@code what}) has exited; fails with the logs. */
    void awaitExit(List<ProcessHandle> processes, Duration timeout, String what) throws InterruptedException {
        for (ProcessHandle h : processes) {
            try {
                h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                throw new AssertionError("process " + h.pid() + " of " + what + " still runs after "
                        + timeout.toSeconds() + " s\n" + logs());
            }
        }
    }

    private static void signal(String signal, List<ProcessHandle> processes) throws IOException,
            InterruptedException {
        if (processes.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(h -> cmd.add(Long.toString(h.pid())));
        Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!k.waitFor(10, TimeUnit.SECONDS)) {
            k.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within 10 s");
        }
        if (k.exitValue() != 0) {
            // kill signals every pid it can; a short-lived child that exited since the listing is not a failure
            String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean onlyGone = out.lines().allMatch(l -> l.contains("No such process"))
                    && processes.stream().filter(h -> out.contains("(" + h.pid() + ")"))
                    .noneMatch(ProcessHandle::isAlive);
            if (!onlyGone) {
                throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
            }
        }
    }

    Node node(String name) {
        return nodes.get(name);
    }

    /** Processes of this harness still alive (nodes, and every trainer seen under them). */
    List<ProcessHandle> alive() {
        nodes.values().forEach(this::remember);
        return seen.stream().filter(ProcessHandle::isAlive).toList();
    }

    private void remember(Node n) {
        if (n.process.isAlive()) {
            n.process.toHandle().descendants().filter(h -> seen.stream().noneMatch(s -> s.pid() == h.pid()))
                    .forEach(seen::add);
        }
    }

    /** The last lines of every node log and trainer log, for failure messages. */
    String logs() {
        StringBuilder b = new StringBuilder();
        List<Path> files = new ArrayList<>();
        for (Path root : List.of(logDir, dataDir.resolve("logs"))) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.walk(root)) {
                    s.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".log")).sorted().forEach(files::add);
                } catch (IOException e) {
                    b.append("(cannot list ").append(root).append(": ").append(e.getMessage()).append(")\n");
                }
            }
        }
        for (Path f : files) {
            List<String> lines = read(f).lines().toList();
            b.append("==== ").append(f).append('\n');
            lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(l -> b.append(l).append('\n'));
        }
        return b.toString();
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Kills every node's tree and waits for all of them, trainers included. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs killAll
        }
        killAll();
    }

    /** {@link #close}, then fails if any process of this harness (node or child) is still alive. */
    void closeLeavingNothing() {
        close();
        List<ProcessHandle> left = alive();
        if (!left.isEmpty()) {
            throw new AssertionError("processes left behind: " + left);
        }
    }

    private synchronized void killAll() {
        for (Node n : nodes.values()) {
            try {
                kill(n);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (AssertionError e) {
                System.err.println(e.getMessage());
            }
        }
        for (ProcessHandle h : seen) {
            h.destroyForcibly();
        }
    }
}

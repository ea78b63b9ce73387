package io.ndevid.cli;

import io.ndevid.actors.api.LocalCluster;
import io.ndevid.actors.http.ClusterRoutes;
import io.ndevid.actors.http.HttpApi;
import io.ndevid.actors.http.HttpSettings;
import io.ndevid.actors.status.ClusterSnapshot;
import io.ndevid.actors.testing.TinyGanExecutor;
import io.ndevid.cli.console.SnapshotClient;
import io.ndevid.study.GridSpec;
import io.ndevid.study.experiment.ExperimentState;
import io.ndevid.study.experiment.ExperimentStatus;
import io.ndevid.study.testing.TestSpecs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ndevid console} against a running cluster: a one-node in-process cluster (two trainer slots running the
 * real TrainerLoop around a tiny model that reports final scores) whose HTTP API serves {@code GET /api/cluster} on a
 * free port;
 * the {@code --once} output parsed (members, trial rows with their device, trainers' step latencies), then the
 * full-screen view in an 80×30 tmux pane (no wrapped line, resize, q quits), then the finished grid's rows with
 * their scores and the link to its results. Without a server: the full screen says so and Ctrl-C quits; {@code --once} is one line.
 */
class ConsoleCommandTest {

    private static final Pattern LATENCY = Pattern.compile("\\d+(\\.\\d)?/\\d+(\\.\\d)?");

    @TempDir
    Path dir;

    private record Run(int code, List<String> out, String err) {}

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = NdevidCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString().lines().toList(), err.toString());
    }

    private static ClusterSnapshot await(SnapshotClient client, Predicate<ClusterSnapshot> ok, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        ClusterSnapshot s = null;
        while (deadline - System.nanoTime() > 0) {
            s = client.fetch();
            if (ok.test(s)) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the snapshot never got there: " + s);
    }

    private static List<String> section(List<String> lines, String headerPrefix, String nextPrefix) {
        int from = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(headerPrefix)) {
                from = i + 1;
                break;
            }
        }
        assertTrue(from > 0, headerPrefix + " missing:\n" + String.join("\n", lines));
        List<String> rows = new ArrayList<>();
        for (int i = from; i < lines.size() && (nextPrefix == null || !lines.get(i).startsWith(nextPrefix)); i++) {
            rows.add(lines.get(i));
        }
        return rows;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void showsTheRunningClusterOnceAndFullScreen() throws Exception {
        GridSpec grid = TestSpecs.grid("console", 2, 100, 25, 0);
        LocalCluster.Options options = LocalCluster.Options.inProcess(dir, 2, new TinyGanExecutor(50,
                spec -> Map.of("fid", 100.0 + spec.seed(), "is", 1.5))).with("ndevid.status.interval", "300ms");
        try (LocalCluster cluster = LocalCluster.start(options)) {
            // the node's HTTP API (as ndevid node serves it) with the cluster route, on a free port
            HttpApi http = HttpApi.start(cluster.system(), new HttpSettings("127.0.0.1", 0, 1 << 20, dir),
                    List.of(ClusterRoutes.create(cluster.system(), null)));
            String api = "127.0.0.1:" + http.port();
            List<String> trials = cluster.client().submit(grid).toCompletableFuture().get(30, TimeUnit.SECONDS)
                    .trials();
            SnapshotClient client = new SnapshotClient(api, Duration.ofSeconds(5));
            await(client, s -> s.actors().stream().anyMatch(a -> "trainer".equals(a.report().kind())
                    && a.report().latencies().containsKey("step") && a.report().latencies().get("step").count() > 2)
                    && s.trials().stream().anyMatch(t -> "RUNNING".equals(t.status()) && "cpu".equals(t.device())),
                    Duration.ofSeconds(30));

            Run once = cli("console", "--once", "--connect", api, "--width", "80");
            assertEquals(0, once.code(), once.err());
            List<String> lines = once.out();
            String all = String.join("\n", lines);
            for (String l : lines) {
                assertTrue(l.length() <= 80, "wider than 80: [" + l + "]\n" + all);
            }
            assertTrue(lines.get(0).startsWith("ndevid cluster  1 member  "), all);
            List<String> members = section(lines, "MEMBER ", "TRIALS ");
            assertEquals(1, members.size(), all);
            assertTrue(members.get(0).startsWith(cluster.seed()) && members.get(0).contains("coordinator")
                    && members.get(0).contains(" Up ") && members.get(0).contains(" 2 cpu"), members.get(0));
            List<String> trialRows = section(lines, "TRIAL ", "ACTOR ");
            assertEquals(4, trialRows.size(), all);
            for (String t : trials) {
                assertTrue(trialRows.stream().anyMatch(r -> r.startsWith(t + " ")), t + " missing:\n" + all);
            }
            String firstRow = trialRows.get(0);
            assertTrue(firstRow.contains(" RUNNING ") && firstRow.contains(" local/") && firstRow.contains(" cpu ")
                    && firstRow.contains("tgan/ode"), "running first, with its slot, device, config: " + all);
            List<String> actors = section(lines, "ACTOR ", null);
            assertTrue(actors.stream().anyMatch(a -> a.startsWith("coordinator ")), all);
            assertTrue(actors.stream().anyMatch(a -> a.startsWith("checkpoint-store ")), all);
            String trainer = actors.stream().filter(a -> a.startsWith("trainer-") && a.contains("running"))
                    .findFirst().orElseThrow(() -> new AssertionError(all));
            assertTrue(LATENCY.matcher(trainer).find(), "step p50/p99 of a running trainer: " + trainer);

            fullScreen(api);

            ExperimentStatus done = cluster.client().awaitCompletion("console", Duration.ofMillis(200),
                    Duration.ofSeconds(60)).toCompletableFuture().get();
            assertEquals(ExperimentState.Phase.FINISHED, done.phase(), done.table());
            Run after = cli("console", "--once", "--connect", api, "--width", "100");
            String afterAll = String.join("\n", after.out());
            List<String> ended = section(after.out(), "TRIAL ", "ACTOR ");
            assertEquals(4, ended.stream().filter(r -> r.contains(" TERMINATED ") && r.contains(" 100/100 ")
                    && r.contains(" 1.50 ")).count(), afterAll);
            assertTrue(after.out().contains("results of console: GET /api/experiments/console/results (and …/report)"),
                    afterAll);
            http.close();
        }
    }

    /** A script that runs the console in a JVM with this class path; its stderr and exit status go to {@code err}. */
    private Path consoleScript(String api, Path err) throws IOException {
        Path script = dir.resolve("console-" + UUID.randomUUID() + ".sh");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(script, String.join(" ", quote(java), "-Xmx256m", "-cp",
                quote(System.getProperty("java.class.path")), "io.ndevid.cli.NdevidCli", "console", "--connect",
                api, "--interval", "500ms", "2>" + quote(err.toString())) + "\necho \"exit=$?\" >> "
                + quote(err.toString()) + "\n");
        return script;
    }

    private static void awaitGone(String socket) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (tmuxQuiet(socket, "has-session", "-t", "console") == 0 && deadline - System.nanoTime() > 0) {
            Thread.sleep(100);
        }
        assertTrue(tmuxQuiet(socket, "has-session", "-t", "console") != 0, "the console did not quit");
    }

    /** The full-screen view in an 80×30 tmux pane: the table, no wrapped line; resized; q quits with exit 0. */
    private void fullScreen(String api) throws Exception {
        Assumptions.assumeTrue(tmuxWorks(), "tmux is not installed");
        String socket = "ndevid-console-test-" + UUID.randomUUID();
        Path err = dir.resolve("console.err");
        Path script = consoleScript(api, err);
        try {
            tmux(socket, "new-session", "-d", "-s", "console", "-x", "80", "-y", "30",
                    "sh " + quote(script.toString()));
            List<String> screen = awaitPane(socket, s -> s.stream().anyMatch(l -> l.startsWith("TRIAL "))
                    && s.stream().anyMatch(l -> l.startsWith("ACTOR "))
                    && s.stream().anyMatch(l -> l.contains("tgan/ode")),
                    Duration.ofSeconds(45), err);
            String shown = String.join("\n", screen);
            // -J joins wrapped lines: a line wider than the pane would come back longer than 80
            for (String l : screen) {
                assertTrue(l.length() <= 80, "wrapped at 80 columns: [" + l + "]\n" + shown);
            }
            assertTrue(screen.get(0).startsWith("ndevid cluster"), shown);
            assertTrue(screen.stream().anyMatch(l -> l.startsWith("q: quit")), shown);

            tmux(socket, "resize-window", "-t", "console", "-x", "60", "-y", "20");
            List<String> narrow = awaitPane(socket, s -> s.stream().anyMatch(l -> l.startsWith("q: quit")
                    && l.contains("60x20")), Duration.ofSeconds(15), err);
            for (String l : narrow) {
                assertTrue(l.length() <= 60, "wrapped at 60 columns: [" + l + "]\n" + String.join("\n", narrow));
            }
            assertTrue(narrow.stream().anyMatch(l -> l.startsWith("TRIAL ")), String.join("\n", narrow));

            tmux(socket, "send-keys", "-t", "console", "q");
            awaitGone(socket);
            String log = Files.readString(err);
            assertTrue(log.contains("exit=0"), "the console's stderr and exit status: " + log);
        } finally {
            tmuxQuiet(socket, "kill-server");
        }
    }

    private static List<String> awaitPane(String socket, Predicate<List<String>> ok, Duration within, Path err)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> pane = List.of();
        while (deadline - System.nanoTime() > 0) {
            pane = Arrays.asList(tmux(socket, "capture-pane", "-p", "-J", "-t", "console").split("\n", -1));
            if (ok.test(pane)) {
                return pane;
            }
            Thread.sleep(200);
        }
        String log = Files.exists(err) ? Files.readString(err) : "(no stderr)";
        throw new AssertionError("the pane never showed it:\n" + String.join("\n", pane) + "\nstderr: " + log);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static boolean tmuxWorks() {
        try {
            return new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String tmux(String socket, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "tmux " + cmd);
        assertEquals(0, p.exitValue(), cmd + ": " + out);
        return out;
    }

    private static int tmuxQuiet(String socket, String... args) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** No API: the full screen says so and keeps retrying (no crash); Ctrl-C quits and restores, exit 0. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fullScreenWithoutAServerSaysSoAndCtrlCQuits() throws Exception {
        Assumptions.assumeTrue(tmuxWorks(), "tmux is not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String socket = "ndevid-console-test-" + UUID.randomUUID();
        Path err = dir.resolve("console-noserver.err");
        Path script = consoleScript("127.0.0.1:" + port, err);
        try {
            tmux(socket, "new-session", "-d", "-s", "console", "-x", "80", "-y", "12",
                    "sh " + quote(script.toString()));
            // two different "connection lost at HH:MM:SSZ" lines: it retries and redraws
            List<String> first = awaitPane(socket, p -> p.get(0).startsWith("connection lost at ")
                    && p.get(0).contains("cannot connect to http://127.0.0.1:" + port), Duration.ofSeconds(30), err);
            awaitPane(socket, p -> p.get(0).startsWith("connection lost at ") && !p.get(0).equals(first.get(0)),
                    Duration.ofSeconds(10), err);
            tmux(socket, "send-keys", "-t", "console", "C-c");
            awaitGone(socket);
            String log = Files.readString(err);
            assertTrue(log.contains("exit=0"), "the console's stderr and exit status: " + log);
            assertFalse(log.contains("Exception"), log);
        } finally {
            tmuxQuiet(socket, "kill-server");
        }
    }

    @Test
    void gridChecksItsHttpPortBeforeStarting() {
        Run r = cli("grid", "--http-port", "70000", "--out", dir.resolve("g").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ndevid grid: --http-port must be in [0, 65535], got 70000"), r.err());
        assertFalse(Files.exists(dir.resolve("g")), "nothing started");
    }

    @Test
    void onceWithoutAServerIsOneLineAndExitCodeOne() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = cli("console", "--once", "--connect", "127.0.0.1:" + port);
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("ndevid console: cannot connect to http://127.0.0.1:" + port + "/api/cluster"),
                r.err());
        assertTrue(r.out().isEmpty());
        Run bad = cli("console", "--once", "--connect", "no-port-here");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--connect wants HOST:PORT"), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace: " + bad.err());
    }
}

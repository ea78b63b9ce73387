package io.ndevid.actors.node;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeAgentTest {

    private static final ActorTestKit testKit = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** Settings whose "java" is /bin/sh running {@code script} (so a "trainer" costs a shell, not a JVM). */
    private NodeSettings shell(String script, List<String> devices, Duration grace) {
        var launch = new TrainerProcessLauncher.Launch("/bin/sh", "/the/class/path", List.of("-c", script, "sh"),
                "production", null);
        return new NodeSettings("node-t", "127.0.0.1", List.of("127.0.0.1:25520"), devices, launch,
                new RestartBackoff(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(60)), grace,
                dir.resolve("logs"));
    }

    private static NodeSettings fromBaseConf(Map<String, ?> overrides) {
        var node = new io.ndevid.actors.cluster.ClusterConfig.NodeAddress(List.of("worker"), "127.0.0.1", 0,
                List.of("127.0.0.1:25520"));
        return NodeSettings.fromConfig(io.ndevid.actors.cluster.ClusterConfig.load(node, null, null, overrides), "n",
                "127.0.0.1", List.of("127.0.0.1:25520"), 1, null);
    }

    @Test
    void trainerEnvironmentAndJvmOptionsComeFromTheConfigAndReachTheChild() throws Exception {
        NodeSettings base = fromBaseConf(Map.of());
        assertEquals(Map.of("MALLOC_ARENA_MAX", "1"), base.launch().environment(), "base.conf's default");
        assertTrue(base.launch().jvmOptions().containsAll(List.of("-Xmx2g", "-Xmn32m")), base.launch().toString());
        NodeSettings set = fromBaseConf(Map.of("ndevid.node.trainer-environment.MALLOC_ARENA_MAX", "4",
                "ndevid.node.trainer-environment.NDEVID_TEST_VAR", "x y"));
        assertEquals(Map.of("MALLOC_ARENA_MAX", "4", "NDEVID_TEST_VAR", "x y"), set.launch().environment());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> fromBaseConf(Map.of(
                "ndevid.node.trainer-environment.MALLOC_ARENA_MAX", List.of(1, 2))));
        assertEquals("ndevid.node.trainer-environment.MALLOC_ARENA_MAX must be a string, number or boolean (an "
                + "environment variable's value), got list [1,2]", bad.getMessage());

        NodeSettings sh = shell("echo \"arena=$MALLOC_ARENA_MAX var=$NDEVID_TEST_VAR cuda=$CUDA_VISIBLE_DEVICES\"",
                List.of("cpu"), Duration.ofSeconds(1));
        sh = sh.withLaunch(sh.launch().withEnvironment(set.launch().environment()));
        TrainerProcessLauncher l = new TrainerProcessLauncher(sh);
        Process p = l.start(0, 26001);
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals("arena=4 var=x y cuda=", Files.readString(l.logFile(0)).strip(),
                "the configured variables, then the slot's (a CPU slot hides every GPU)");
    }

    @Test
    void theTrainerCommandLineIsTheCliOnTheSameClassPath() {
        var launch = new TrainerProcessLauncher.Launch("/usr/bin/java", "a.jar:b.jar", List.of("-Xmx2g",
                "-Dai.djl.offline=true"), "com.example.Exec", Path.of("/etc/ndevid"));
        NodeSettings s = new NodeSettings("gpu-box", "10.0.0.2", List.of("10.0.0.1:25520", "10.0.0.3:25520"),
                List.of("gpu:0", "gpu:1"), launch, new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(60)), Duration.ofSeconds(30), dir);
        TrainerProcessLauncher l = new TrainerProcessLauncher(s);
        List<String> cmd = l.command(1, 26001);
        assertEquals(List.of("/usr/bin/java", "-Xmx2g", "-Dai.djl.offline=true", "-cp", "a.jar:b.jar",
                "io.ndevid.cli.NdevidCli", "node", "--role", "trainer", "--slot", "1", "--node-id", "gpu-box",
                "--device", "gpu:1", "--host", "10.0.0.2", "--port", "26001", "--seed", "10.0.0.1:25520", "--seed",
                "10.0.0.3:25520", "--executor", "com.example.Exec", "--parent-pid",
                Long.toString(ProcessHandle.current().pid()), "--config-dir", "/etc/ndevid"), cmd);
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "1", "CUDA_DEVICE_ORDER", "PCI_BUS_ID"), l.environment(1),
                "a GPU slot sees its own GPU only");
        NodeSettings cpu = shell("true", List.of("cpu"), Duration.ofSeconds(1));
        assertEquals("", new TrainerProcessLauncher(cpu).environment(0).get("CUDA_VISIBLE_DEVICES"));
        assertEquals(dir.resolve("trainer-1.log"), l.logFile(1));
    }

    /**
     * A node whose scheduler gave it two GPUs (a UUID and an index, faked nvidia-smi rows) with trials-per-gpu 2 runs
     * four trainer processes, two per GPU, each seeing only its GPU in PCI bus order, and its evaluator on a GPU.
     */
    @Test
    void trialsPerGpuStartsThatManyTrainersPerSchedulerAssignedGpu() throws Exception {
        var gpus = SlotDetection.gpus(Map.of("CUDA_VISIBLE_DEVICES", "GPU-bbbb0000-1111-2222-3333-444455556666,3"),
                SlotDetectionTest.FOUR);
        List<String> devices = SlotDetection.devices(0, 2, gpus, () -> 2);
        assertEquals(List.of("gpu:GPU-bbbb0000-1111-2222-3333-444455556666",
                "gpu:GPU-bbbb0000-1111-2222-3333-444455556666", "gpu:3", "gpu:3"), devices);
        Path seen = Files.createDirectories(dir.resolve("seen"));
        String script = "r=; k=; while [ $# -gt 0 ]; do [ \"$1\" = --role ] && r=$2; [ \"$1\" = --slot ] && k=$2; "
                + "shift; done; echo \"$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER\" > " + seen + "/$r-$k.tmp; "
                + "mv " + seen + "/$r-$k.tmp " + seen + "/$r-$k; sleep 30";
        ActorRef<NodeAgent.Command> agent = testKit.spawn(NodeAgent.create(
                shell(script, devices, Duration.ofSeconds(1)).withEvaluators(1)));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (deadline - System.nanoTime() > 0) {
                try (var files = Files.list(seen)) {
                    if (files.filter(f -> !f.toString().endsWith(".tmp")).count() == 5) {
                        break;
                    }
                }
                Thread.sleep(100);
            }
            String uuid = "GPU-bbbb0000-1111-2222-3333-444455556666 PCI_BUS_ID";
            assertEquals(uuid, Files.readString(seen.resolve("trainer-0")).strip());
            assertEquals(uuid, Files.readString(seen.resolve("trainer-1")).strip());
            assertEquals("3 PCI_BUS_ID", Files.readString(seen.resolve("trainer-2")).strip());
            assertEquals("3 PCI_BUS_ID", Files.readString(seen.resolve("trainer-3")).strip());
            assertEquals(uuid, Files.readString(seen.resolve("evaluator-0")).strip(), "the evaluator on a GPU too");
            TestProbe<NodeAgent.Slots> probe = testKit.createTestProbe();
            agent.tell(new NodeAgent.GetSlots(probe.getRef()));
            assertEquals(devices, probe.receiveMessage().slots().stream().map(NodeAgent.SlotProcess::device).toList());
        } finally {
            testKit.stop(agent);
        }
    }

    @Test
    void theNodesExtraConfigFileIsPassedOnToItsTrainers() {
        // failure detector and split-brain resolver settings must agree across members: a trainer reads the same file
        var launch = TrainerProcessLauncher.Launch.currentJvm(List.of(), "production", null, Path.of("loopback.conf"));
        assertEquals(Path.of("loopback.conf").toAbsolutePath(), launch.configFile());
        NodeSettings s = new NodeSettings("n", "127.0.0.1", List.of("127.0.0.1:25520"), List.of("cpu"), launch,
                new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60)),
                Duration.ofSeconds(30), dir);
        List<String> cmd = new TrainerProcessLauncher(s).command(0, 26001);
        assertEquals(List.of("--config", Path.of("loopback.conf").toAbsolutePath().toString()),
                cmd.subList(cmd.size() - 2, cmd.size()));
        assertTrue(new TrainerProcessLauncher(s.withLaunch(launch.withExecutor("x"))).command(0, 1).contains("--config"),
                "kept by withExecutor");
    }

    @Test
    void theCurrentJvmLaunchForwardsEngineProperties() {
        System.setProperty("ndevid.test.forwarded", "yes");
        System.setProperty("akka.cluster.ndevid-test-forwarded", "7s"); // a key Akka does not read
        try {
            var launch = TrainerProcessLauncher.Launch.currentJvm(List.of("-Xmx1g"), "production", null);
            assertTrue(launch.jvmOptions().contains("-Dndevid.test.forwarded=yes"), launch.jvmOptions().toString());
            assertTrue(launch.jvmOptions().contains("-Dakka.cluster.ndevid-test-forwarded=7s"),
                    "resolver settings agree across members: " + launch.jvmOptions());
            assertEquals("-Xmx1g", launch.jvmOptions().get(0));
            assertEquals(System.getProperty("java.class.path"), launch.classPath());
            assertTrue(Files.isExecutable(Path.of(launch.javaBin())), launch.javaBin());
            var mine = TrainerProcessLauncher.Launch.currentJvm(List.of("-Dndevid.test.forwarded=mine"), "production",
                    null);
            assertTrue(mine.jvmOptions().contains("-Dndevid.test.forwarded=mine"), mine.jvmOptions().toString());
            assertFalse(mine.jvmOptions().contains("-Dndevid.test.forwarded=yes"),
                    "an explicit -D wins over the forwarded property: " + mine.jvmOptions());
        } finally {
            System.clearProperty("ndevid.test.forwarded");
            System.clearProperty("akka.cluster.ndevid-test-forwarded");
        }
    }

    @Test
    void restartBackoffDoublesUpToItsMaxAndResetsAfterAStableRun() {
        RestartBackoff b = new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60));
        Duration d = b.next(null, Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(1), d);
        d = b.next(d, Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(2), d);
        d = b.next(d, Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(4), d);
        d = b.next(d, Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(5), d);
        assertEquals(Duration.ofSeconds(1), b.next(d, Duration.ofMinutes(5)), "it ran a while: start over");
        assertThrows(IllegalArgumentException.class, () -> new RestartBackoff(Duration.ofSeconds(2),
                Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @Test
    void aTrainerThatDiesIsRestartedWithBackoff() throws Exception {
        ActorRef<NodeAgent.Command> agent = testKit.spawn(NodeAgent.create(
                shell("echo started; sleep 0.3; exit 3", List.of("cpu"), Duration.ofSeconds(1))));
        TestProbe<NodeAgent.Slots> probe = testKit.createTestProbe();
        long firstPid = 0;
        NodeAgent.SlotProcess last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (deadline - System.nanoTime() > 0) {
            agent.tell(new NodeAgent.GetSlots(probe.getRef()));
            last = probe.receiveMessage().slots().get(0);
            if (firstPid == 0 && last.pid() > 0) {
                firstPid = last.pid();
            }
            if (last.restarts() >= 3 && last.pid() > 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(last.restarts() >= 3, "restarted: " + last);
        assertNotEquals(firstPid, last.pid(), "a new process");
        assertTrue(last.port() > 0);
        assertTrue(Files.readString(Path.of(last.logFile())).lines().filter("started"::equals).count() >= 3,
                "every run appends to the slot's log");
        testKit.stop(agent);
    }

    @Test
    void evaluatorProcessesRunBesideTheTrainersAndAreRestarted() throws Exception {
        // the "java" is a shell that logs its arguments: evaluator-0.log shows the evaluator's command line
        NodeSettings s = shell("echo \"$*\"; sleep 0.3; exit 3", List.of("cpu"), Duration.ofSeconds(1))
                .withEvaluators(1);
        List<String> trainerCmd = new TrainerProcessLauncher(s).command(0, 26001);
        assertTrue(trainerCmd.contains("-D" + TrainerProcessLauncher.OFFLOAD_PROPERTY + "=true"),
                "trainers are told to hand evaluations to the evaluator: " + trainerCmd);
        List<String> evalCmd = new TrainerProcessLauncher(s).command("evaluator", 0, 26002);
        assertTrue(String.join(" ", evalCmd).contains("node --role evaluator --slot 0 --node-id node-t --host "
                + "127.0.0.1 --port 26002"), evalCmd.toString());
        assertFalse(evalCmd.contains("--executor"), evalCmd.toString());
        assertFalse(String.join(" ", new TrainerProcessLauncher(shell("true", List.of("cpu"), Duration.ofSeconds(1)))
                .command(0, 1)).contains(TrainerProcessLauncher.OFFLOAD_PROPERTY), "no evaluators: no offload");

        ActorRef<NodeAgent.Command> agent = testKit.spawn(NodeAgent.create(s));
        TestProbe<NodeAgent.Slots> probe = testKit.createTestProbe();
        NodeAgent.SlotProcess last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (deadline - System.nanoTime() > 0) {
            agent.tell(new NodeAgent.GetEvaluators(probe.getRef()));
            List<NodeAgent.SlotProcess> evaluators = probe.receiveMessage().slots();
            assertEquals(1, evaluators.size());
            last = evaluators.get(0);
            if (last.restarts() >= 2 && last.pid() > 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(last.restarts() >= 2, "a dead evaluator is restarted: " + last);
        assertEquals(dir.resolve("logs").resolve("evaluator-0.log").toString(), last.logFile());
        assertTrue(Files.readString(Path.of(last.logFile())).contains("node --role evaluator --slot 0"),
                Files.readString(Path.of(last.logFile())));
        agent.tell(new NodeAgent.GetSlots(probe.getRef()));
        assertEquals(1, probe.receiveMessage().slots().size(), "the trainer slots are unchanged");
        testKit.stop(agent);
    }

    @Test
    void aLoaderProcessRunsBesideTheTrainersAndIsRestarted() throws Exception {
        NodeSettings s = shell("echo \"$*\"; sleep 0.3; exit 3", List.of("cpu"), Duration.ofSeconds(1))
                .withDataLoaders(1);
        List<String> trainerCmd = new TrainerProcessLauncher(s).command(0, 26001);
        assertTrue(trainerCmd.contains("-D" + TrainerProcessLauncher.REMOTE_DATA_PROPERTY + "=true"),
                "trainers are told to read from the loader: " + trainerCmd);
        assertFalse(trainerCmd.contains("-D" + TrainerProcessLauncher.OFFLOAD_PROPERTY + "=true"), "no evaluators");
        List<String> loaderCmd = new TrainerProcessLauncher(s).command("loader", 0, 26002);
        assertTrue(String.join(" ", loaderCmd).contains("node --role loader --slot 0 --node-id node-t --host "
                + "127.0.0.1 --port 26002"), loaderCmd.toString());
        assertFalse(loaderCmd.contains("--executor") || String.join(" ", loaderCmd).contains("remote-data"),
                loaderCmd.toString());
        assertFalse(String.join(" ", new TrainerProcessLauncher(shell("true", List.of("cpu"), Duration.ofSeconds(1)))
                .command(0, 1)).contains(TrainerProcessLauncher.REMOTE_DATA_PROPERTY), "no loader: in-process data");
        assertThrows(IllegalArgumentException.class, () -> s.withDataLoaders(2));

        ActorRef<NodeAgent.Command> agent = testKit.spawn(NodeAgent.create(s));
        TestProbe<NodeAgent.Slots> probe = testKit.createTestProbe();
        NodeAgent.SlotProcess last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (deadline - System.nanoTime() > 0) {
            agent.tell(new NodeAgent.GetLoaders(probe.getRef()));
            List<NodeAgent.SlotProcess> loaders = probe.receiveMessage().slots();
            assertEquals(1, loaders.size());
            last = loaders.get(0);
            if (last.restarts() >= 2 && last.pid() > 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(last.restarts() >= 2, "a dead loader is restarted: " + last);
        assertEquals("loader", last.device());
        assertEquals(dir.resolve("logs").resolve("loader-0.log").toString(), last.logFile());
        assertTrue(Files.readString(Path.of(last.logFile())).contains("node --role loader --slot 0"),
                Files.readString(Path.of(last.logFile())));
        agent.tell(new NodeAgent.GetEvaluators(probe.getRef()));
        assertEquals(0, probe.receiveMessage().slots().size(), "no evaluators");
        agent.tell(new NodeAgent.GetSlots(probe.getRef()));
        assertEquals(1, probe.receiveMessage().slots().size(), "the trainer slots are unchanged");
        testKit.stop(agent);
    }

    @Test
    void stoppingTheAgentStopsItsTrainers() throws Exception {
        ActorRef<NodeAgent.Command> agent = testKit.spawn(NodeAgent.create(
                shell("exec sleep 60", List.of("cpu", "cpu"), Duration.ofSeconds(2))));
        TestProbe<NodeAgent.Slots> probe = testKit.createTestProbe();
        agent.tell(new NodeAgent.GetSlots(probe.getRef()));
        List<NodeAgent.SlotProcess> slots = probe.receiveMessage().slots();
        assertEquals(2, slots.size());
        assertTrue(slots.stream().allMatch(NodeAgent.SlotProcess::alive), slots.toString());
        testKit.stop(agent);
        for (NodeAgent.SlotProcess s : slots) {
            ProcessHandle h = ProcessHandle.of(s.pid()).orElse(null);
            if (h != null) {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertFalse(ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false), "pid " + s.pid());
        }
    }
}

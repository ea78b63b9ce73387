package io.ndevid.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ndevid node}: bad flags, a taken port and an unreachable seed end with one clear line and an exit code. */
class NodeCommandTest {

    record Run(int code, String out, String err) {}

    /** Runs the CLI in this JVM, capturing its output (other CLI tests use it too). */
    static Run run(String... args) {
        CommandLine cl = NdevidCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertFails(int code, String message, String... args) {
        Run r = run(args);
        assertEquals(code, r.code(), "exit code; err=" + r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void helpListsTheNodeCommandAndItsFlags() {
        assertTrue(run("--help").out().contains("node"));
        Run r = run("node", "--help");
        assertEquals(0, r.code());
        for (String flag : new String[] {"--role", "--host", "--port", "--seed", "--slots", "--dir", "--config-dir",
            "--http-host", "--http-port", "--http-read-token"}) {
            assertTrue(r.out().contains(flag), flag + " in\n" + r.out());
        }
    }

    /**
     * A worker on a host whose (faked) nvidia-smi lists two H200s, with this build's CPU libtorch: it refuses to start
     * GPU slots (one line, exit 2) instead of training on the CPU under a gpu: label; --slots N still gives CPU slots.
     */
    @Test
    void gpuSlotsWithoutCudaLibtorchAreRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("CUDA_VISIBLE_DEVICES") == null,
                "CUDA_VISIBLE_DEVICES is set for this JVM: it, not the faked nvidia-smi, would define the GPUs");
        io.ndevid.solvers.engine.TorchRuntime.engine();
        org.junit.jupiter.api.Assumptions.assumeTrue(io.ndevid.solvers.engine.TorchRuntime.gpuCount() == 0,
                "this JVM's libtorch has CUDA: the refusal needs a CPU libtorch");
        java.nio.file.Path smi = dir.resolve("nvidia-smi");
        java.nio.file.Files.writeString(smi, "#!/bin/sh\necho '0, GPU-aaaa, 143771, NVIDIA H200'\n"
                + "echo '1, GPU-bbbb, 143771, NVIDIA H200'\n");
        smi.toFile().setExecutable(true);
        System.setProperty(io.ndevid.actors.node.SlotDetection.NVIDIA_SMI_PROPERTY, smi.toString());
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            assertFails(2, "this node has 2 GPU(s) [gpu:0, gpu:1] but its libtorch has no CUDA (flavor cpu): GPU "
                    + "slots refused", "node", "--role", "coordinator,worker", "--host", "127.0.0.1", "--port",
                    Integer.toString(port), "--dir", dir.toString());
            assertFails(2, "--trials-per-gpu (ndevid.node.trials-per-gpu) must be ≥ 1", "node", "--role",
                    "coordinator,worker", "--host", "127.0.0.1", "--port", Integer.toString(port), "--dir",
                    dir.toString(), "--trials-per-gpu", "0");
        } finally {
            System.clearProperty(io.ndevid.actors.node.SlotDetection.NVIDIA_SMI_PROPERTY);
        }
    }

    @Test
    void badFlagsAreOneLine() {
        assertFails(2, "Missing required option: '--role", "node");
        assertFails(2, "unknown --role 'bogus'", "node", "--role", "bogus");
        assertFails(2, "--seed HOST:PORT is needed", "node", "--role", "worker");
        assertFails(2, "seed must be HOST:PORT, got 'nope'", "node", "--role", "coordinator", "--seed", "nope");
        assertFails(2, "seed port must be in [1, 65535]", "node", "--role", "coordinator", "--seed", "h:0");
        assertFails(2, "--role trainer needs --slot K", "node", "--role", "trainer", "--seed", "127.0.0.1:25520");
        assertFails(2, "--slots needs the worker role", "node", "--role", "coordinator", "--slots", "2");
        assertFails(2, "--slots must be ≥ 0", "node", "--role", "worker", "--slots", "-1", "--seed", "h:1");
        assertFails(2, "--port must be in [0, 65535]", "node", "--role", "coordinator", "--port", "70000");
        assertFails(2, "--http-port must be in [0, 65535]", "node", "--role", "coordinator", "--port", "25999",
                "--http-port", "-1");
        assertFails(2, "--http-host 'no-such-host.invalid' does not resolve", "node", "--role", "coordinator",
                "--port", "25999", "--http-host", "no-such-host.invalid");
        assertFails(2, "the first node (no --seed) needs a fixed --port", "node", "--role", "coordinator",
                "--port", "0");
        assertFails(2, "a trainer process has the trainer role only", "node", "--role", "trainer,worker", "--slot",
                "0", "--seed", "127.0.0.1:25520");
        assertFails(2, "--host 'no-such-host.invalid' does not resolve", "node", "--role", "coordinator", "--host",
                "no-such-host.invalid", "--port", "25999");
        assertFails(2, "config file not found", "node", "--role", "coordinator", "--port", "0", "--seed",
                "127.0.0.1:1", "--config", "/no/such.conf");
        assertFails(2, "cluster config /no/dir/coordinator.conf not found", "node", "--role", "coordinator",
                "--config-dir", "/no/dir");
    }

    @Test
    void aSpecLimitTheArteryFrameCannotCarryIsRefusedAtStart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path conf = dir.resolve("big-specs.conf");
        java.nio.file.Files.writeString(conf, "ndevid.http.max-spec-bytes = 8MiB\n");
        assertFails(2, "ndevid.http.max-spec-bytes (8388608 bytes) + 64 KiB for the message around a grid do not fit "
                + "the Artery frame", "node", "--role", "coordinator", "--port", "25999", "--dir", dir.toString(),
                "--config", conf.toString());
    }

    @Test
    void aPortInUseIsNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            assertFails(2, "port " + port + " on 127.0.0.1 is in use", "node", "--role", "coordinator", "--port",
                    Integer.toString(port));
        }
    }

    @Test
    void anHttpPortInUseIsNamedBeforeTheNodeStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(); ServerSocket artery = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            artery.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            int free = artery.getLocalPort();
            artery.close();
            assertFails(2, "the HTTP API port " + port + " on 127.0.0.1 is in use (another ndevid node?); choose "
                    + "another --http-port", "node", "--role", "coordinator", "--port", Integer.toString(free),
                    "--http-port", Integer.toString(port));
        }
    }

    @Test
    void aTrainerWithoutModelsSaysSo() {
        if (!modelsPresent()) { // once the models' facade is on the class path, "production" is available
            assertFails(1, "no production TrialExecutor", "node", "--role", "trainer", "--slot", "0", "--seed",
                    "127.0.0.1:25520", "--executor", "production");
        }
        assertFails(2, "executor 'com.example.Nope' is neither 'production' nor a class", "node", "--role",
                "trainer", "--slot", "0", "--seed", "127.0.0.1:25520", "--executor", "com.example.Nope");
    }

    private static boolean modelsPresent() {
        try {
            Class.forName("io.ndevid.training.run.Trials");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void anUnreachableSeedGivesUpAfterTheJoinTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        assertFails(1, "could not join the cluster through seed(s) [127.0.0.1:" + closed + "] within 2 s", "node",
                "--role", "coordinator", "--port", "0", "--seed", "127.0.0.1:" + closed, "--join-timeout", "2",
                "--http-port", "0"); // not the default 8787: another node on this machine may hold it
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "bounded wait");
    }
}

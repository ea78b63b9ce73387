package io.ndevid.actors.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Directories of embedded media drivers whose process died without closing them (SIGKILL) hold their term buffers
 * in /dev/shm, i.e. in memory, until someone deletes them: the next embedded launch on the host sweeps them, and
 * leaves those of live processes and of drivers that still beat.
 */
class AeronDirectorySweepTest {
    @TempDir
    Path base;

    @Test
    void directoriesOfDeadProcessesGoAndLiveOnesStay() throws Exception {
        long dead = deadPid();
        Path stale = fakeDriverDir("ndevid-aeron-" + dead + "-0a1b2c3d", 1 << 20);
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Path live = fakeDriverDir("ndevid-aeron-" + sleeper.pid() + "-0a1b2c3e", 1024);
            Path self = fakeDriverDir("ndevid-aeron-" + ProcessHandle.current().pid() + "-0a1b2c3f", 1024);
            Path notOurs = fakeDriverDir("aeron-" + dead, 1024);
            Path oddName = fakeDriverDir("ndevid-aeron-" + dead + "-keepme", 1024);

            assertEquals(1, AeronNode.sweepStaleDirectories(base, Duration.ofSeconds(1)));

            assertFalse(Files.exists(stale), "a dead process's directory is deleted");
            assertTrue(Files.isDirectory(live), "a live process's directory stays");
            assertTrue(Files.isDirectory(self), "this process's own directory stays");
            assertTrue(Files.isDirectory(notOurs), "a directory not named by ndevid stays");
            assertTrue(Files.isDirectory(oddName), "only <pid>-<8 hex> names are ours");
        } finally {
            sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDriverThatStillBeatsIsKeptEvenIfItsPidLooksDead() throws Exception {
        // a process in another PID namespace sharing /dev/shm: its pid means nothing here, its heartbeat does
        Path dir = base.resolve("ndevid-aeron-" + deadPid() + "-0badcafe");
        TransportSettings settings = TransportSettings.builder().aeronDir(dir).baseDir(base).build();
        try (AeronNode node = AeronNode.launchEmbedded(settings)) {
            assertEquals(0, AeronNode.sweepStaleDirectories(base, Duration.ofSeconds(5)));
            assertTrue(Files.exists(dir.resolve("cnc.dat")), "the live driver's files are left alone");
            assertTrue(node.aeron().nextCorrelationId() > 0, "and the driver still answers");
        }
    }

    @Test
    void anEmbeddedLaunchSweepsBeforeItStarts() throws Exception {
        Path stale = fakeDriverDir("ndevid-aeron-" + deadPid() + "-12345678", 4096);
        TransportSettings settings = TransportSettings.builder().baseDir(base).build();
        Path own;
        try (AeronNode node = AeronNode.launchEmbedded(settings)) {
            own = node.aeronDirectory();
            assertFalse(Files.exists(stale), "the stale directory went when the node launched");
            assertTrue(Files.isDirectory(own));
        }
        assertFalse(Files.exists(own), "a node deletes its own directory when it closes");
    }

    @Test
    void aMissingBaseDirectoryIsNotAnError() {
        assertEquals(0, AeronNode.sweepStaleDirectories(base.resolve("absent"), Duration.ofSeconds(1)));
    }

    /** A pid that ran and exited (reuse within the test is not a practical concern on a 2^22 pid space). */
    private static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertFalse(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false));
        return p.pid();
    }

    private Path fakeDriverDir(String name, int bytes) throws IOException {
        Path d = Files.createDirectories(base.resolve(name).resolve("publications"));
        Files.write(d.resolve("1.logbuffer"), new byte[bytes]);
        return d.getParent();
    }
}

package io.ndevid.actors.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Artery over TLS on loopback with the repository's {@code cluster-config/tls.conf} and stores made by
 * {@code scripts/cluster-tls.sh}: two coordinator nodes form a cluster over {@code tls-tcp}; a node speaking plain
 * TCP to the same seed cannot join (it gives up after its join timeout) and the cluster stays at two members.
 */
class TlsClusterTest {

    private static final Duration NODE_UP = Duration.ofSeconds(120);
    private static final String PASSWORD = "test-only-" + Long.toHexString(System.nanoTime());

    @TempDir
    Path tmp;

    private ClusterProcesses tls;
    private ClusterProcesses plain;

    @AfterEach
    void cleanUp() {
        for (ClusterProcesses c : new ClusterProcesses[] {tls, plain}) {
            if (c != null) {
                c.close();
                assertTrue(c.alive().isEmpty(), "processes left behind: " + c.alive());
            }
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void tlsMembersJoinAndAPlainTcpNodeCannot() throws Exception {
        Path stores = tmp.resolve("tls");
        Path script = ClusterProcesses.repositoryConfig("tls.conf").getParent().getParent()
                .resolve("scripts").resolve("cluster-tls.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), stores.toString()).redirectErrorStream(true);
        pb.environment().put("NDEVID_TLS_PASSWORD", PASSWORD);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "scripts/cluster-tls.sh: " + out);
        assertTrue(Files.isRegularFile(stores.resolve("ndevid-keystore.p12")), out);

        tls = ClusterProcesses.loopback(tmp, """
                include file("%s")
                ndevid.tls.dir = "%s"
                ndevid.tls.password = "%s"
                """.formatted(ClusterProcesses.repositoryConfig("tls.conf"), stores, PASSWORD));
        int pa = ClusterProcesses.freePort();
        List<String> seeds = List.of(ClusterProcesses.HOST + ":" + pa);
        var a = tls.start("a", List.of("coordinator"), pa, seeds);
        tls.awaitUp(a, NODE_UP);
        var b = tls.start("b", List.of("coordinator"), ClusterProcesses.freePort(), seeds);
        tls.awaitUp(b, NODE_UP);
        ClusterApi api = new ClusterApi(a, tmp.resolve("experiments"));
        assertEquals(2, api.cluster().members().size(), api.cluster().members().toString());

        plain = ClusterProcesses.loopback(tmp, "ndevid.join-timeout = 20s\n");
        var intruder = plain.start("intruder", List.of("coordinator"), ClusterProcesses.freePort(), seeds);
        assertTrue(intruder.process.waitFor(150, TimeUnit.SECONDS), "the plain-TCP node gave up\n" + plain.logs());
        assertNotEquals(0, intruder.process.exitValue());
        assertTrue(Files.readString(intruder.log).contains("could not join the cluster"), plain.logs());
        assertEquals(2, api.cluster().members().size(), "still only the TLS members: "
                + api.cluster().members());
    }
}

package io.ndevid.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterConfigTest {

    /** The repository's cluster-config/ (the build copies it into the jar). */
    private static final Path REPO_DIR = Path.of(System.getProperty("user.dir")).resolve("../cluster-config");

    @Test
    void theBuiltInCopyIsTheRepositorysDirectory() {
        for (String role : ClusterConfig.ROLES) {
            var node = new ClusterConfig.NodeAddress(List.of(role), "127.0.0.1", 0, List.of("127.0.0.1:25520"));
            Config jar = ClusterConfig.load(node, null, null, Map.of());
            Config dir = ClusterConfig.load(node, REPO_DIR, null, Map.of());
            assertEquals(dir.getConfig("ndevid").root().render(ConfigRenderOptions.concise()),
                    jar.getConfig("ndevid").root().render(ConfigRenderOptions.concise()), role);
            assertEquals("jackson-cbor", jar.getString("akka.actor.serialization-bindings."
                    + "\"io.ndevid.actors.CborSerializable\""));
        }
    }

    @Test
    void flagsWinOverTheRoleFile() {
        Config c = ClusterConfig.load(new ClusterConfig.NodeAddress(List.of("coordinator", "worker"), "10.1.2.3",
                26000, List.of("10.1.2.3:26000", "10.1.2.4:26000")), null, null,
                Map.of("ndevid.coordinator.progress-timeout", "5m"));
        assertEquals(List.of("coordinator", "worker", "node"), c.getStringList("akka.cluster.roles"),
                "a machine's node JVM carries the role the split-brain resolver counts");
        assertEquals("10.1.2.3", c.getString("akka.remote.artery.canonical.hostname"));
        assertEquals(26000, c.getInt("akka.remote.artery.canonical.port"));
        assertEquals(List.of("akka://ndevid@10.1.2.3:26000", "akka://ndevid@10.1.2.4:26000"),
                c.getStringList("akka.cluster.seed-nodes"));
        assertEquals(300, c.getDuration("ndevid.coordinator.progress-timeout").toSeconds());
        assertEquals(60, c.getDuration("ndevid.coordinator.reclaim-timeout").toSeconds() * 4, "from base.conf");
        assertEquals(0, ClusterConfig.roleFile("trainer", null).resolve().getInt("akka.remote.artery.canonical.port"));
    }

    @Test
    void aLoaderProcessHasItsRoleFileAndTrainersTheRemoteDataSettings() {
        Config loader = ClusterConfig.load(new ClusterConfig.NodeAddress(List.of("loader"), "127.0.0.1", 0,
                List.of("127.0.0.1:25520")), null, null, Map.of());
        assertEquals(List.of("loader"), loader.getStringList("akka.cluster.roles"), "a child process has no vote");
        assertEquals(ClusterConfig.NODE, loader.getString("akka.cluster.split-brain-resolver.keep-majority.role"),
                "the resolver counts machines (node JVMs), not processes");
        assertEquals(0, loader.getInt("ndevid.node.data-loaders"), "in-process data by default");
        assertThrows(IllegalArgumentException.class, () -> new ClusterConfig.NodeAddress(List.of("loader", "worker"),
                "h", 1, List.of()));
        var settings = io.ndevid.actors.data.RemoteData.settings(loader);
        assertEquals(io.ndevid.actors.data.RemoteBatchSource.Settings.defaults(), settings, "base.conf = defaults");
        var changed = io.ndevid.actors.data.RemoteData.settings(ClusterConfig.load(new ClusterConfig.NodeAddress(
                List.of("trainer"), "127.0.0.1", 0, List.of("127.0.0.1:25520")), null, null,
                Map.of("ndevid.data-loader.read-ahead", 3, "ndevid.data-loader.local-fallback", "off")));
        assertEquals(3, changed.readAhead());
        assertEquals(false, changed.localFallback());
    }

    @Test
    void badNodesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ClusterConfig.NodeAddress(List.of("boss"),
                "h", 1, List.of()));
        assertTrue(e.getMessage().contains("unknown role 'boss'"));
        assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parseSeed("host"));
        assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parseSeed("host:x"));
        assertEquals("akka://ndevid@h:1", ClusterConfig.parseSeed("h:1"));
    }

    @Test
    void theLaunchFilesLayerOverTheRoleFiles() {
        var node = new ClusterConfig.NodeAddress(List.of("coordinator", "worker"), "127.0.0.1", 25520,
                List.of("127.0.0.1:25520"));
        Config loopback = ClusterConfig.load(node, null, REPO_DIR.resolve("loopback.conf"), Map.of());
        assertEquals(5, loopback.getDuration("akka.cluster.split-brain-resolver.stable-after").toSeconds());
        assertEquals("keep-majority", loopback.getString("akka.cluster.split-brain-resolver.active-strategy"));
        assertEquals(4, loopback.getDuration("akka.cluster.failure-detector.acceptable-heartbeat-pause").toSeconds());
        assertEquals(10, loopback.getDuration("ndevid.coordinator.reclaim-timeout").toSeconds());
        assertEquals("jackson-cbor", loopback.getString("akka.actor.serialization-bindings."
                + "\"io.ndevid.actors.CborSerializable\""), "the role file is still underneath");

        Config production = ClusterConfig.load(node, null, REPO_DIR.resolve("production.conf"), Map.of());
        assertEquals("keep-majority", production.getString("akka.cluster.split-brain-resolver.active-strategy"));
        assertEquals(20, production.getDuration("akka.cluster.split-brain-resolver.stable-after").toSeconds());
        assertTrue(production.getBoolean("akka.cluster.run-coordinated-shutdown-when-down"));
        assertTrue(production.getDuration("akka.coordinated-shutdown.phases.before-service-unbind.timeout")
                        .compareTo(production.getDuration("ndevid.node.stop-grace")) > 0,
                "trainers get their stop-grace to checkpoint before coordinated shutdown moves on");
        assertTrue(production.getDuration("ndevid.coordinator.reclaim-timeout").compareTo(
                production.getDuration("akka.cluster.split-brain-resolver.stable-after")) > 0);
        assertEquals("shared-fs", production.getString("ndevid.store.transfer"));
        assertEquals("tls-tcp", production.getString("akka.remote.artery.transport"), "Artery over TLS (tls.conf)");
        assertTrue(production.getBoolean(
                "akka.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"));
        assertTrue(production.getString("akka.remote.artery.ssl.config-ssl-engine.key-store")
                .endsWith("/ndevid-keystore.p12"));

        Config local = ClusterConfig.load(node, null, REPO_DIR.resolve("local.conf"), Map.of());
        assertEquals("127.0.0.1", local.getString("akka.remote.artery.canonical.hostname"));
        // flags still win over a --config file
        Config flagged = ClusterConfig.load(node, null, REPO_DIR.resolve("loopback.conf"),
                Map.of("akka.cluster.split-brain-resolver.stable-after", "7s"));
        assertEquals(7, flagged.getDuration("akka.cluster.split-brain-resolver.stable-after").toSeconds());
    }
}

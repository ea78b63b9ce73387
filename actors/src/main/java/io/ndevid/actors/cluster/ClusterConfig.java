package io.ndevid.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads a node's configuration from the repository's {@code cluster-config/} HOCON files.
 *
 * <p>Where they come from: the build copies {@code cluster-config/*.conf} into the jar as {@code ndevid/cluster/*.conf}
 * (so an installed {@code ndevid} needs nothing beside it); {@code configDir} (the CLI's {@code --config-dir}, or the
 * environment variable {@code NDEVID_CLUSTER_CONFIG}) reads the same files from a directory instead, so an operator
 * can edit them without a rebuild. The role file ({@code coordinator.conf}, {@code worker.conf},
 * {@code trainer.conf}) includes {@code base.conf}.
 *
 * <p>Precedence, highest first: the node's own settings (host, port, seeds, roles — from flags), Java system
 * properties ({@code -Dndevid.data-dir=…}), an extra file ({@code --config}), the role file, Akka's reference.conf.
 */
public final class ClusterConfig {

    public static final String SYSTEM_NAME = "ndevid";
    public static final String COORDINATOR = "coordinator";
    public static final String WORKER = "worker";
    public static final String TRAINER = "trainer";
    /** An evaluator process, started by a node agent: scores sample batches trainers stream to it. */
    public static final String EVALUATOR = "evaluator";
    /** A data-loader process, started by a node agent: serves training batches to trainers over Aeron. */
    public static final String LOADER = "loader";
    public static final List<String> ROLES = List.of(COORDINATOR, WORKER, TRAINER, EVALUATOR, LOADER);
    /**
     * The cluster role every machine's node JVM (coordinator and/or worker) carries besides its own, never a child
     * process (trainer, evaluator, loader): the split-brain resolver counts only these
     * ({@code akka.cluster.split-brain-resolver.keep-majority.role} in base.conf), so a machine is one vote however
     * many slots it runs, and children follow their node ({@link FollowNode}). Added by {@link #load}, not a flag.
     */
    public static final String NODE = "node";
    static final String RESOURCE_DIR = "ndevid/cluster/";

    private ClusterConfig() {}

    /**
     * Where a node listens and whom it joins.
     *
     * @param roles  cluster roles ({@code coordinator}, {@code worker}, {@code trainer}); the first picks the role file
     * @param host   canonical host name (what other members connect to)
     * @param port   Artery TCP port; 0 picks a free one
     * @param seeds  {@code host:port} of seed nodes; empty means "join myself" (a first node)
     */
    public record NodeAddress(List<String> roles, String host, int port, List<String> seeds) {
        public NodeAddress {
            roles = List.copyOf(roles);
            seeds = List.copyOf(seeds);
            if (roles.isEmpty()) {
                throw new IllegalArgumentException("a node needs at least one role of " + ROLES);
            }
            for (String r : roles) {
                if (!ROLES.contains(r)) {
                    throw new IllegalArgumentException("unknown role '" + r + "'; known: " + ROLES);
                }
            }
            if (roles.contains(TRAINER) && roles.size() > 1) {
                throw new IllegalArgumentException("a trainer process has the trainer role only (it owns one slot)");
            }
            if (roles.contains(EVALUATOR) && roles.size() > 1) {
                throw new IllegalArgumentException("an evaluator process has the evaluator role only");
            }
            if (roles.contains(LOADER) && roles.size() > 1) {
                throw new IllegalArgumentException("a loader process has the loader role only");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            }
            for (String s : seeds) {
                parseSeed(s);
            }
        }
    }

    /** {@code host:port} → {@code akka://ndevid@host:port}; a clear error for anything else. */
    public static String parseSeed(String seed) {
        int colon = seed == null ? -1 : seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
            throw new IllegalArgumentException("seed must be HOST:PORT, got '" + seed + "'");
        }
        int port;
        try {
            port = Integer.parseInt(seed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seed port must be a number, got '" + seed + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("seed port must be in [1, 65535], got '" + seed + "'");
        }
        return "akka://" + SYSTEM_NAME + "@" + seed.substring(0, colon) + ":" + port;
    }

    /** The configuration of a node; {@code configDir} and {@code extraFile} may be null. */
    public static Config load(NodeAddress node, Path configDir, Path extraFile, Map<String, ?> overrides) {
        String role = node.roles().get(0);
        Config roleFile = roleFile(role, configDir == null ? envConfigDir() : configDir);
        Config extra = ConfigFactory.empty();
        if (extraFile != null) {
            if (!Files.isRegularFile(extraFile)) {
                throw new IllegalArgumentException("config file not found: " + extraFile);
            }
            extra = ConfigFactory.parseFile(extraFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        List<String> seeds = new ArrayList<>();
        node.seeds().forEach(s -> seeds.add(parseSeed(s)));
        Config own = ConfigFactory.empty()
                .withValue("akka.cluster.roles", ConfigValueFactory.fromIterable(clusterRoles(node.roles())))
                .withValue("akka.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(node.host()))
                .withValue("akka.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(node.port()))
                .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
        Config flags = ConfigFactory.parseMap(overrides == null ? Map.of() : overrides);
        try {
            return flags.withFallback(own).withFallback(ConfigFactory.systemProperties()).withFallback(extra)
                    .withFallback(roleFile).withFallback(ConfigFactory.defaultReference()).resolve();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad cluster configuration: " + e.getMessage(), e);
        }
    }

    /** A node's Akka cluster roles: its own, plus {@link #NODE} for a machine's node JVM (not a child process). */
    public static List<String> clusterRoles(List<String> roles) {
        List<String> all = new ArrayList<>(roles);
        if (roles.contains(COORDINATOR) || roles.contains(WORKER)) {
            all.add(NODE);
        }
        return List.copyOf(all);
    }

    /** The role file and what it includes, from a directory or from the class path. */
    public static Config roleFile(String role, Path configDir) {
        String name = role.toLowerCase(Locale.ROOT) + ".conf";
        try {
            if (configDir != null) {
                Path f = configDir.resolve(name);
                if (!Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("cluster config " + f + " not found (--config-dir " + configDir
                            + " must hold " + Set.of("base.conf", name) + ")");
                }
                return ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            }
            Config c = ConfigFactory.parseResources(ClusterConfig.class.getClassLoader(), RESOURCE_DIR + name,
                    ConfigParseOptions.defaults().setAllowMissing(false));
            return c;
        } catch (ConfigException e) {
            throw new IllegalArgumentException("cannot read cluster config " + name + ": " + e.getMessage(), e);
        }
    }

    private static Path envConfigDir() {
        String d = System.getenv("NDEVID_CLUSTER_CONFIG");
        return d == null || d.isBlank() ? null : Path.of(d);
    }
}

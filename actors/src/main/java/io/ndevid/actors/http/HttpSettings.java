package io.ndevid.actors.http;

import com.typesafe.config.Config;
import io.ndevid.actors.cluster.ClusterNode;

import java.nio.file.Path;

/**
 * Where the HTTP API listens and what it accepts ({@code ndevid.http} in cluster-config/base.conf).
 *
 * @param host         interface to bind; the default 127.0.0.1 keeps the API on this machine (expose it deliberately,
 *                     e.g. {@code 0.0.0.0} behind a firewall or a TLS proxy)
 * @param port         TCP port, 0 for a free one
 * @param maxSpecBytes a submitted grid larger than this is refused (413)
 * @param dataDir      the experiments directory; the write token lives in {@code dataDir/token}
 * @param readToken    whether reads (status, experiments, results, report, {@code /api/cluster}) need the token too;
 *                     writes always do, {@code /alive} and {@code /ready} never
 * @param frameBytes   the largest message Artery carries to the coordinator singleton (the large-message frame when
 *                     base.conf routes the coordinator on that stream, else the ordinary frame); 0 without remoting.
 *                     A grid at {@code maxSpecBytes} must fit with {@link #ENVELOPE_BYTES} to spare, else these
 *                     settings are refused: the two limits cannot drift apart
 */
public record HttpSettings(String host, int port, long maxSpecBytes, Path dataDir, boolean readToken,
                           long frameBytes) {

    /** What a Submit or an Accepted carries besides the grid's own bytes, with room to spare (paths, manifest). */
    public static final long ENVELOPE_BYTES = 64 * 1024;

    public HttpSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("ndevid.http.host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP port must be in [0, 65535], got " + port);
        }
        if (maxSpecBytes < 1) {
            throw new IllegalArgumentException("ndevid.http.max-spec-bytes must be > 0, got " + maxSpecBytes);
        }
        if (frameBytes < 0 || frameBytes > 0 && maxSpecBytes + ENVELOPE_BYTES > frameBytes) {
            throw new IllegalArgumentException("ndevid.http.max-spec-bytes (" + maxSpecBytes + " bytes) + "
                    + ENVELOPE_BYTES / 1024 + " KiB for the message around a grid do not fit the Artery frame that "
                    + "carries it to the coordinator (" + frameBytes + " bytes, "
                    + "akka.remote.artery.advanced.maximum-large-frame-size): raise that or lower max-spec-bytes");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** Reads open to anyone who reaches the API (the default); no Artery frame to fit (one process). */
    public HttpSettings(String host, int port, long maxSpecBytes, Path dataDir) {
        this(host, port, maxSpecBytes, dataDir, false, 0);
    }

    /** {@code ndevid.http.*} and {@code ndevid.data-dir} of a node's config (defaults: cluster-config/base.conf). */
    public static HttpSettings fromConfig(Config c) {
        return new HttpSettings(c.getString("ndevid.http.host"), c.getInt("ndevid.http.port"),
                c.getBytes("ndevid.http.max-spec-bytes"), Path.of(c.getString("ndevid.data-dir")),
                c.getBoolean("ndevid.http.read-token"), coordinatorFrame(c));
    }

    /** The frame a message to the coordinator singleton travels in (see {@link #frameBytes()}); 0: no remoting. */
    static long coordinatorFrame(Config c) {
        String provider = c.hasPath("akka.actor.provider") ? c.getString("akka.actor.provider") : "local";
        if (provider.equals("local") || provider.endsWith("LocalActorRefProvider")) {
            return 0;
        }
        boolean large = c.getStringList("akka.remote.artery.large-message-destinations")
                .contains(ClusterNode.COORDINATOR_PATH);
        return c.getBytes(large ? "akka.remote.artery.advanced.maximum-large-frame-size"
                : "akka.remote.artery.advanced.maximum-frame-size");
    }

    public HttpSettings withHost(String h) {
        return new HttpSettings(h, port, maxSpecBytes, dataDir, readToken, frameBytes);
    }

    public HttpSettings withPort(int p) {
        return new HttpSettings(host, p, maxSpecBytes, dataDir, readToken, frameBytes);
    }

    public HttpSettings withMaxSpecBytes(long max) {
        return new HttpSettings(host, port, max, dataDir, readToken, frameBytes);
    }

    public HttpSettings withReadToken(boolean on) {
        return new HttpSettings(host, port, maxSpecBytes, dataDir, on, frameBytes);
    }

    public Path tokenFile() {
        return dataDir.resolve(ApiToken.FILE_NAME);
    }
}

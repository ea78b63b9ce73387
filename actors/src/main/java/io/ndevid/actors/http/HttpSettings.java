package io.ndevid.actors.http;

import com.typesafe.config.Config;

import java.nio.file.Path;

/**
 * Where the HTTP API listens and what it accepts ({@code ndevid.http} in cluster-config/base.conf).
 *
 * @param host         interface to bind; the default 127.0.0.1 keeps the API on this machine (expose it deliberately,
 *                     e.g. {@code 0.0.0.0} behind a firewall or a TLS proxy)
 * @param port         TCP port, 0 for a free one
 * @param maxSpecBytes a submitted grid larger than this is refused (400)
 * @param dataDir      the experiments directory; the write token lives in {@code dataDir/token}
 */
public record HttpSettings(String host, int port, long maxSpecBytes, Path dataDir) {

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
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** {@code ndevid.http.*} and {@code ndevid.data-dir} of a node's config (defaults: cluster-config/base.conf). */
    public static HttpSettings fromConfig(Config c) {
        return new HttpSettings(c.getString("ndevid.http.host"), c.getInt("ndevid.http.port"),
                c.getBytes("ndevid.http.max-spec-bytes"), Path.of(c.getString("ndevid.data-dir")));
    }

    public HttpSettings withHost(String h) {
        return new HttpSettings(h, port, maxSpecBytes, dataDir);
    }

    public HttpSettings withPort(int p) {
        return new HttpSettings(host, p, maxSpecBytes, dataDir);
    }

    public HttpSettings withMaxSpecBytes(long max) {
        return new HttpSettings(host, port, max, dataDir);
    }

    public Path tokenFile() {
        return dataDir.resolve(ApiToken.FILE_NAME);
    }
}

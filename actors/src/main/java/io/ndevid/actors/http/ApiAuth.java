package io.ndevid.actors.http;

import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.extractClientIP;
import static akka.http.javadsl.server.Directives.optionalHeaderValueByName;

/**
 * The API's one token check: {@code Authorization: Bearer <the token in <data-dir>/token>}. Writes always pass it;
 * reads too when {@code ndevid.http.read-token} is on ({@link HttpApi}). The token travels in that header only,
 * never in a URL (URLs end up in logs, proxies and browser histories).
 */
final class ApiAuth {

    private static final Logger LOG = LoggerFactory.getLogger(ApiAuth.class);

    private ApiAuth() {}

    /**
     * Runs {@code inner} with a description of the caller (its address) when the bearer token matches; else 401
     * with a one-line JSON error that says what is missing, and a warning in the log.
     */
    static Route require(ApiToken token, String action, Function<String, Route> inner) {
        return extractClientIP(ip -> optionalHeaderValueByName("Authorization", header -> {
            String who = describe(ip);
            if (!token.authorizes(header.orElse(null))) {
                LOG.warn("HTTP API: {} refused for {}: {} token", action, who, header.isPresent() ? "wrong" : "no");
                return complete(ApiJson.error(StatusCodes.UNAUTHORIZED, header.isPresent()
                        ? "wrong token (Authorization: Bearer <the token in " + token.file() + ">)"
                        : "this needs the API token: Authorization: Bearer <the token in " + token.file() + ">"));
            }
            return inner.apply(who);
        }));
    }

    static String describe(RemoteAddress ip) {
        return ip.getAddress().map(a -> a.getHostAddress()).orElse("an unknown address");
    }
}

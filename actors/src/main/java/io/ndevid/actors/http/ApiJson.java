package io.ndevid.actors.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The API's JSON: records as objects, enums by name, non-finite doubles as the strings "NaN"/"Infinity" (Jackson's
 * default, read back the same way). Unknown fields are ignored when reading, so a newer server's extra fields do not
 * break an older client.
 */
public final class ApiJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ApiJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        return new String(bytes(value), StandardCharsets.UTF_8);
    }

    /** {@code value} as JSON in UTF-8. */
    private static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + value.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** {@code body} as JSON, encoded straight to UTF-8 bytes (a large status is not built as a String first). */
    public static HttpResponse response(StatusCode status, Object body) {
        return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, bytes(body));
    }

    public static HttpResponse ok(Object body) {
        return response(StatusCodes.OK, body);
    }

    /** {@code {"error": message}} with {@code status}. */
    public static HttpResponse error(StatusCode status, String message) {
        return response(status, Map.of("error", message == null ? status.reason() : message));
    }
}

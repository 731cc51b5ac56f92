package imagen.gateway.api;

import java.util.List;

import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonInclude;

import imagen.gateway.vertex.UpstreamException;

/**
 * RFC 9457 problem details, the body of every error response ({@code application/problem+json})
 * and the data of every SSE {@code error} event. Upstream failures add Vertex's status string,
 * whether a retry could help, and how long to wait.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors,
        String vertexStatus, Boolean retryable, Long retryAfterMs) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:imagen-gateway:problem:";

    public record FieldError(String field, String message) {
    }

    public static Problem of(String slug, int status, String detail, String instance) {
        return new Problem(TYPE_PREFIX + slug, title(status), status, detail, instance, null, null, null, null);
    }

    public static Problem invalid(String detail, List<FieldError> errors, String instance) {
        return new Problem(TYPE_PREFIX + "invalid-request", "Invalid request", 400, detail, instance,
                errors == null || errors.isEmpty() ? null : errors, null, null, null);
    }

    public static Problem upstream(UpstreamException e, String instance) {
        return new Problem(TYPE_PREFIX + "upstream-" + e.vertexStatus().toLowerCase().replace('_', '-'), title(e.httpStatus()),
                e.httpStatus(), e.getMessage(), instance, null, e.vertexStatus(), e.retryable(),
                e.retryAfter().map(d -> d.toMillis()).orElse(null));
    }

    public static Problem unavailable(String slug, int status, String detail, String instance, long retryAfterMs) {
        return new Problem(TYPE_PREFIX + slug, title(status), status, detail, instance, null, null, true, retryAfterMs);
    }

    public Response toResponse() {
        var builder = Response.status(status).type(MEDIA_TYPE).entity(this);
        if (retryAfterMs != null && (status == 429 || status == 503)) {
            builder.header("Retry-After", Math.max(1, (retryAfterMs + 999) / 1000));
        }
        return builder.build();
    }

    static String title(int status) {
        if (status == 499) {
            return "Client Closed Request";
        }
        if (status == 422) {
            return "Unprocessable Content";
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return known != null ? known.getReasonPhrase() : (status >= 500 ? "Upstream Error" : "Error");
    }
}

package imagen.gateway.request;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * RFC 9457 problem details, the body of every error response ({@code application/problem+json})
 * and the data of every SSE {@code error} event. Upstream failures add Vertex's status string,
 * whether a retry could help, and how long to wait.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors,
        String vertexStatus, Boolean retryable, Long retryAfterMs) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:imagen-gateway:problem:";

    public record FieldError(String field, String message) {
    }

    public static Problem of(String slug, int status, String detail, String instance) {
        return new Problem(TYPE_PREFIX + slug, title(status), status, detail, instance, null, null, null, null);
    }

    public static Problem invalid(String detail, List<FieldError> errors, String instance) {
        return new Problem(TYPE_PREFIX + "invalid-request", "Invalid request", 400, detail, instance,
                errors == null || errors.isEmpty() ? null : errors, null, null, null);
    }

    /** A failure another try may cure, after {@code retryAfterMs}. */
    public static Problem unavailable(String slug, int status, String detail, String instance, long retryAfterMs) {
        return new Problem(TYPE_PREFIX + slug, title(status), status, detail, instance, null, null, true, retryAfterMs);
    }

    /** An upstream failure in Vertex's terms. */
    public static Problem upstream(int status, String vertexStatus, String detail, boolean retryable, Long retryAfterMs,
            String instance) {
        return new Problem(TYPE_PREFIX + "upstream-" + vertexStatus.toLowerCase().replace('_', '-'), title(status), status,
                detail, instance, null, vertexStatus, retryable, retryAfterMs);
    }

    /** The same problem about another resource (a follower reports the leader's failure as its own). */
    public Problem at(String otherInstance) {
        return new Problem(type, title, status, detail, otherInstance, errors, vertexStatus, retryable, retryAfterMs);
    }

    public static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 499 -> "Client Closed Request";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> status >= 500 ? "Upstream Error" : "Error";
        };
    }
}

package imagen.gateway.api;

import java.util.List;

import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.request.Problem;
import imagen.gateway.upstream.VertexErrors;

/**
 * Error answers of the Vertex-compatible endpoint: the problem members, plus Google's envelope
 * {@code "error": {code, message, status, details}} that Google's SDKs read, with a
 * {@code google.rpc.RetryInfo} when a wait is known and {@code google.rpc.BadRequest} field
 * violations for invalid requests.
 */
final class VertexErrorBodies {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private VertexErrorBodies() {
    }

    /** A :predict body that is not a valid Imagen request. */
    static final class InvalidVertexRequest extends RuntimeException {
        final List<Problem.FieldError> errors;

        InvalidVertexRequest(String detail, List<Problem.FieldError> errors) {
            super(detail, null, false, false);
            this.errors = List.copyOf(errors);
        }
    }

    /**
     * Whether a path is one of the Vertex-compatible endpoints ({@code :predict},
     * {@code :generateContent}, {@code :streamGenerateContent}, and the simulator's), whose errors
     * Google's SDKs read from the envelope.
     */
    static boolean covers(String path) {
        return path != null && path.contains("/publishers/google/models/");
    }

    static Response invalid(InvalidVertexRequest e, String instance) {
        Problem problem = Problem.invalid(e.getMessage() + describe(e.errors), e.errors, instance);
        return response(problem, null);
    }

    /** A problem (as in an SSE {@code error} event) in both shapes. */
    static Response response(Problem typed, String cache) {
        ObjectNode body = body(typed);
        int status = typed.status();
        long retryAfterMs = typed.retryAfterMs() == null ? -1 : typed.retryAfterMs();
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE).entity(body);
        if (retryAfterMs >= 0 && (status == 429 || status == 503)) {
            builder.header("Retry-After", Math.max(1, (retryAfterMs + 999) / 1000));
        }
        if (cache != null) {
            builder.header("X-Cache", cache);
        }
        return builder.build();
    }

    /** The problem's members and, next to them, Google's {@code error} envelope. */
    static ObjectNode body(Problem typed) {
        ObjectNode problem = MAPPER.valueToTree(typed);
        ObjectNode body = problem.deepCopy();
        int status = problem.path("status").asInt(500);
        String googleStatus = problem.hasNonNull("vertexStatus") ? problem.get("vertexStatus").asText()
                : status == 413 || status == 415 ? "INVALID_ARGUMENT" : VertexErrors.statusName(status);
        ObjectNode error = body.putObject("error");
        error.put("code", status);
        error.put("message", problem.path("detail").asText(problem.path("title").asText("error")));
        error.put("status", googleStatus);
        ArrayNode details = error.putArray("details");
        long retryAfterMs = problem.path("retryAfterMs").asLong(-1);
        if (retryAfterMs >= 0) {
            details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                    .put("retryDelay", String.format(java.util.Locale.ROOT, "%.3fs", retryAfterMs / 1000.0));
        }
        if (problem.has("errors")) {
            ObjectNode badRequest = details.addObject().put("@type", "type.googleapis.com/google.rpc.BadRequest");
            ArrayNode violations = badRequest.putArray("fieldViolations");
            problem.get("errors").forEach(err -> violations.addObject()
                    .put("field", err.path("field").asText())
                    .put("description", err.path("message").asText()));
        }
        if (details.isEmpty()) {
            error.remove("details"); // as Google sends a malformed body's error: code, message and status only
        }
        return body;
    }

    private static String describe(List<Problem.FieldError> errors) {
        if (errors.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder(": ");
        for (int i = 0; i < errors.size(); i++) {
            if (i > 0) {
                text.append("; ");
            }
            text.append(errors.get(i).field()).append(' ').append(errors.get(i).message());
        }
        return text.toString();
    }
}

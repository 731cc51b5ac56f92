package imagen.gateway.api;

import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.request.Problem;

/**
 * A problem as an HTTP answer: its status, {@code application/problem+json}, and {@code Retry-After}
 * when a wait is known; on the Vertex-compatible paths with Google's envelope beside it.
 */
final class Problems {

    /** The one media type every body the gateway reads is in. */
    static final String ACCEPTED = "application/json";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Problems() {
    }

    static Response response(Problem problem) {
        var builder = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        if (problem.retryAfterMs() != null && (problem.status() == 429 || problem.status() == 503)) {
            builder.header("Retry-After", Math.max(1, (problem.retryAfterMs() + 999) / 1000));
        }
        return builder.build();
    }

    /** The answer for a request to {@code path}: Vertex-shaped where Google's SDKs call, a plain problem elsewhere. */
    static Response answer(Problem problem, String path) {
        Response response = VertexErrorBodies.covers(path) ? VertexErrorBodies.response(problem, null) : response(problem);
        // RFC 9110 gives a 415 no header for acceptable media types; Accept-Post (W3C LDP) names them for a POST
        return problem.status() == 415 ? Response.fromResponse(response).header("Accept-Post", ACCEPTED).build() : response;
    }

    /** The same body as {@link #answer}, as text, for handlers below JAX-RS. */
    static String json(Problem problem, String path) {
        try {
            return VertexErrorBodies.covers(path) ? VertexErrorBodies.body(problem).toString()
                    : MAPPER.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A body in a type other than JSON, or without a type: {@code contentType} is what the request said, or null. */
    static Problem unsupportedMediaType(String contentType, String instance) {
        String got = contentType == null || contentType.isBlank() ? "the request has no Content-Type"
                : "got " + abbreviate(contentType);
        return Problem.of("unsupported-media-type", 415, "the request body must be " + ACCEPTED + "; " + got, instance);
    }

    /** A body over the limit, announced or counted. */
    static Problem tooLarge(long limit, String instance) {
        return Problem.of("content-too-large", 413, "the request body is larger than " + limit + " bytes", instance);
    }

    private static String abbreviate(String text) {
        String clean = text.replaceAll("[\\p{Cntrl}]", "?");
        return clean.length() <= 100 ? clean : clean.substring(0, 100) + "...";
    }
}

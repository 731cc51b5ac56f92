package imagen.gateway.api;

import jakarta.ws.rs.core.Response;

import imagen.gateway.request.Problem;

/** A problem as an HTTP answer: its status, {@code application/problem+json}, and {@code Retry-After} when a wait is known. */
final class Problems {

    private Problems() {
    }

    static Response response(Problem problem) {
        var builder = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        if (problem.retryAfterMs() != null && (problem.status() == 429 || problem.status() == 503)) {
            builder.header("Retry-After", Math.max(1, (problem.retryAfterMs() + 999) / 1000));
        }
        return builder.build();
    }
}

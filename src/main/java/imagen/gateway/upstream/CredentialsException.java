package imagen.gateway.upstream;

import java.time.Duration;

import imagen.gateway.request.Problem;

/**
 * The gateway's own Google credentials failed: nothing the caller did, nothing the location did.
 * It never trips a location's circuit breaker and the gateway never retries it (another attempt
 * would meet the same file, the same key); the caller is told what an operator must fix, in the
 * auth library's words, as problem type {@code urn:imagen-gateway:problem:upstream-credentials}.
 *
 * <p>Statuses: <b>503</b> when no token could be had at all (no credentials found, a missing or
 * malformed key file, a token endpoint refusing the key): the request never reached Vertex AI, so
 * it is not a bad answer from upstream (502) but the gateway being unable to serve, like a
 * dependency that is down. <b>502</b> when Vertex AI itself refused the token twice (once more with
 * a freshly fetched one): an upstream answer the gateway cannot use. Never 401: that would tell
 * the caller that <em>its</em> credentials are wrong, and clients answer a 401 by re-authenticating
 * with the gateway, which cannot help; the gateway's own 401 is reserved for a missing API key.
 */
public final class CredentialsException extends UpstreamException {

    public static final String TYPE = Problem.TYPE_PREFIX + "upstream-credentials";

    private final String reason;

    /**
     * @param reason the cause alone, in the auth library's words (the message says it in context)
     */
    CredentialsException(int httpStatus, String message, String reason, boolean retryable, Duration retryAfter) {
        super(httpStatus, "UNAUTHENTICATED", message, retryable, retryAfter);
        this.reason = reason;
    }

    /** The cause alone, as readiness shows it. */
    public String reason() {
        return reason;
    }

    @Override
    public Problem toProblem(String instance) {
        return new Problem(TYPE, Problem.title(httpStatus()), httpStatus(), getMessage(), instance, null, vertexStatus(),
                retryable(), retryAfter().map(Duration::toMillis).orElse(null));
    }
}

package imagen.gateway.upstream;

import java.time.Duration;
import java.util.Optional;

import imagen.gateway.request.Problem;

/**
 * A failed upstream call, in Vertex's terms: the HTTP status the gateway answers with, Vertex's
 * status string ({@code RESOURCE_EXHAUSTED}, ...), whether another try could succeed, and the wait
 * the server asked for. Messages never contain credentials.
 */
public class UpstreamException extends RuntimeException {

    private final int httpStatus;
    private final String vertexStatus;
    private final boolean retryable;
    private final Duration retryAfter;

    public UpstreamException(int httpStatus, String vertexStatus, String message, boolean retryable, Duration retryAfter) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.vertexStatus = vertexStatus;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    /** Statuses another attempt may cure: 408, 429, 5xx. */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String vertexStatus() {
        return vertexStatus;
    }

    public boolean retryable() {
        return retryable;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The problem a client is shown for this failure. */
    public Problem toProblem(String instance) {
        return Problem.upstream(httpStatus, vertexStatus, getMessage(), retryable,
                retryAfter == null ? null : retryAfter.toMillis(), instance);
    }
}

package imagen.gateway.vertex;

/** Hears about every upstream decision of one generation, to log it as job events. */
public interface AttemptListener {

    /** An attempt is about to call {@code location}. Attempts count from 1. */
    void onAttempt(int attempt, String location);

    /** Attempt {@code attempt} failed with a retryable {@code failure}; the next one starts after {@code delayMs}. */
    void onRetry(int attempt, UpstreamException failure, long delayMs);

    AttemptListener NONE = new AttemptListener() {
        @Override
        public void onAttempt(int attempt, String location) {
        }

        @Override
        public void onRetry(int attempt, UpstreamException failure, long delayMs) {
        }
    };
}

package imagen.gateway.upstream;

/** Hears what one generation does upstream while it runs, to log it as job events. */
public interface UpstreamListener {

    /** An attempt is about to call {@code location}. Attempts count from 1 within one call. */
    default void onAttempt(int attempt, String location) {
    }

    /** Attempt {@code attempt} failed with a retryable {@code failure}; the next one starts after {@code delayMs}. */
    default void onRetry(int attempt, UpstreamException failure, long delayMs) {
    }

    /** A piece of the model's text for sample {@code index}, as it streams. */
    default void onText(int index, String text) {
    }

    /** An interim image of sample {@code index} (Gemini's thought images), before the final one. */
    default void onPreview(int index, String mimeType, byte[] data) {
    }

    UpstreamListener NONE = new UpstreamListener() {
    };
}

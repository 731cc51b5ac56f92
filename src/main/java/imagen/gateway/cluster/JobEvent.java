package imagen.gateway.cluster;

/**
 * One entry of a job's event log: a sequence number (the SSE {@code id}, and the Redis stream id
 * {@code 0-<id>}), the SSE event name, and the one-line JSON sent on the wire, serialised once
 * when the event is logged. {@code image} and {@code preview} events also name their image's
 * digest, so a view can inline the bytes without reading the JSON back.
 */
public record JobEvent(long id, String type, String json, String digest) {

    public static final String ACCEPTED = "accepted";
    public static final String ATTEMPT = "attempt";
    public static final String RETRY = "retry";
    public static final String TEXT = "text";
    public static final String PREVIEW = "preview";
    public static final String IMAGE = "image";
    public static final String FILTERED = "filtered";
    public static final String DONE = "done";
    public static final String ERROR = "error";

    public boolean terminal() {
        return DONE.equals(type) || ERROR.equals(type);
    }

    /** What a job coalesced onto another shows of the other's log as its own: what happens while it runs. */
    public boolean progress() {
        return ATTEMPT.equals(type) || RETRY.equals(type) || TEXT.equals(type) || PREVIEW.equals(type);
    }
}

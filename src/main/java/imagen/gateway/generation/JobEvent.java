package imagen.gateway.generation;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One entry of a job's event log: a sequence number (the SSE {@code id}), the SSE event name, and
 * its data, kept both as a tree (for status views) and as the one-line JSON sent on the wire,
 * serialised once when the event is appended.
 */
public record JobEvent(long id, String type, ObjectNode data, String json) {

    public static final String ACCEPTED = "accepted";
    public static final String ATTEMPT = "attempt";
    public static final String RETRY = "retry";
    public static final String IMAGE = "image";
    public static final String FILTERED = "filtered";
    public static final String DONE = "done";
    public static final String ERROR = "error";

    public boolean terminal() {
        return DONE.equals(type) || ERROR.equals(type);
    }
}

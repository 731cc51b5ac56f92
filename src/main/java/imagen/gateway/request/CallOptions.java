package imagen.gateway.request;

/**
 * How one request is to be carried out, apart from what it asks for; never part of its key.
 *
 * @param simulatorFault faults the embedded simulator injects, one per attempt, comma-separated (tests,
 *        demos); ignored when the upstream is Vertex
 */
public record CallOptions(String simulatorFault) {

    /** The request header that carries {@link #simulatorFault}, on the gateway's API and on the simulator. */
    public static final String FAULT_HEADER = "X-Simulator-Fault";

    public static final CallOptions NONE = new CallOptions(null);

    public static CallOptions fault(String simulatorFault) {
        return simulatorFault == null || simulatorFault.isBlank() ? NONE : new CallOptions(simulatorFault.trim());
    }

    /** The fault of one attempt: the attempt-th entry of the list, none past its end; a single entry applies to all. */
    public String faultFor(int attempt) {
        if (simulatorFault == null) {
            return null;
        }
        String[] each = simulatorFault.split(",");
        if (each.length == 1) {
            return each[0].trim();
        }
        return attempt <= each.length ? each[attempt - 1].trim() : null;
    }
}

package imagen.gateway.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.CallOptions;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * The faults the simulator injects, shared by its {@code :predict} and its Gemini endpoints, and
 * Vertex's error envelope {@code {"error":{"code","message","status","details"}}}.
 *
 * <p>The header {@value CallOptions#FAULT_HEADER} forces one fault per call; without it,
 * {@code imagen.simulator.fault-rate} draws a random 429, 500 or 503. The grammar:
 * <ul>
 * <li>an HTTP status: {@code 400}, {@code 403}, {@code 404}, {@code 429}, {@code 500}, {@code 503},
 * {@code 504}, ... answered with Vertex's status name and a typical message;</li>
 * <li>{@code <status>:<seconds>s}: the wait to ask for; {@code 429:1.5s} puts a
 * {@code google.rpc.RetryInfo} with that {@code retryDelay} in the body (as Vertex does; a bare
 * {@code 429} asks for {@code 1s}), any other status gets a {@code Retry-After} header instead
 * ({@code 503:2s} → {@code Retry-After: 2});</li>
 * <li>{@code timeout}: no answer for ten minutes; {@code reset}: the connection is closed;
 * {@code malformed}: a 200 whose body is cut short;</li>
 * <li>{@code delay:<millis>}: the normal answer, that much later than usual;
 * {@code delay:<millis>;<fault>}: the fault, that much later;</li>
 * <li>{@code stream-<status>[:<seconds>s]}, {@code stream-reset}: on a streamed call, the stream
 * begins normally and then fails (see the Gemini resource); on a call that does not stream, the
 * plain fault;</li>
 * <li>{@code ok} (or {@code 200}, or empty): no fault;</li>
 * <li>any of these followed by {@code @<location>}: the fault at that location only, none elsewhere.</li>
 * </ul>
 * The gateway turns a comma-separated list into one fault per attempt, so each call carries one.
 */
@ApplicationScoped
public class SimulatorFaults {

    /** The prefix of the faults that strike a stream after it began. */
    public static final String STREAM_PREFIX = "stream-";

    private static final List<String> RANDOM = List.of("429", "500", "503");
    private static final Duration STALL = Duration.ofMinutes(10);

    @Inject
    GatewayConfig config;

    @Inject
    ObjectMapper mapper;

    /**
     * What to do with one call.
     *
     * @param delay how much later than usual to answer
     * @param fault the fault to inject, normalized (lower case, no location); null to answer normally
     */
    public record Plan(Duration delay, String fault) {

        public boolean healthy() {
            return fault == null;
        }

        /** Whether the fault strikes a stream after it began ({@code stream-429}, {@code stream-reset}). */
        public boolean midStream() {
            return fault != null && fault.startsWith(STREAM_PREFIX);
        }

        /** Whether a mid-stream fault is one the simulator knows: {@code stream-reset} or {@code stream-<status>}. */
        public boolean knownMidStream() {
            String kind = fault.substring(STREAM_PREFIX.length());
            return kind.equals("reset") || statusOf(kind) > 0;
        }
    }

    /**
     * Reads the fault header of a call at {@code location}, or draws a random fault.
     *
     * @throws IllegalArgumentException when {@code delay:} is not followed by a number of milliseconds
     */
    public Plan plan(String header, String location) {
        String forced = header != null ? header.trim().toLowerCase(Locale.ROOT) : randomFault();
        if (forced != null && forced.contains("@")) {
            String where = forced.substring(forced.indexOf('@') + 1).trim();
            forced = where.equalsIgnoreCase(location) ? forced.substring(0, forced.indexOf('@')).trim() : null;
        }
        Duration delay = Duration.ZERO;
        if (forced != null && forced.startsWith("delay:")) {
            int split = forced.indexOf(';');
            String millis = forced.substring("delay:".length(), split < 0 ? forced.length() : split).trim();
            try {
                delay = Duration.ofMillis(Long.parseLong(millis));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("delay:<millis> takes a number");
            }
            forced = split < 0 ? null : forced.substring(split + 1).trim();
        }
        if (forced != null && (forced.isEmpty() || forced.equals("ok") || forced.equals("200"))) {
            forced = null;
        }
        return new Plan(delay, forced);
    }

    private String randomFault() {
        double rate = config.simulator().faultRate();
        if (rate <= 0 || ThreadLocalRandom.current().nextDouble() >= rate) {
            return null;
        }
        return RANDOM.get(ThreadLocalRandom.current().nextInt(RANDOM.size()));
    }

    /**
     * How one endpoint words its faults: Vertex's 429 message differs between Imagen and Gemini, and
     * a malformed answer is a cut-short body of that endpoint's shape.
     */
    public record Dialect(String quotaMessage, String malformedBody) {
    }

    /**
     * The answer to a call that carries {@code fault}, given before anything else is sent: an error,
     * a stall, a closed connection, or a 200 whose body is cut short. A mid-stream fault is taken as
     * its plain fault here.
     */
    public Uni<Response> answer(String fault, HttpServerRequest httpRequest, Dialect dialect) {
        String kind = fault.startsWith(STREAM_PREFIX) ? fault.substring(STREAM_PREFIX.length()) : fault;
        switch (kind) {
            case "timeout":
                return Uni.createFrom().item(error(504, "DEADLINE_EXCEEDED", "simulated stall", null))
                        .onItem().delayIt().by(STALL);
            case "reset":
                httpRequest.connection().close();
                return Uni.createFrom().nothing();
            case "malformed":
                return Uni.createFrom().item(Response.ok(dialect.malformedBody()).type(MediaType.APPLICATION_JSON).build());
            default:
                ObjectNode body = errorBody(kind, dialect);
                Response response = Response.status(body.path("error").path("code").asInt())
                        .type(MediaType.APPLICATION_JSON).entity(body).build();
                int status = statusOf(kind);
                String wait = waitOf(kind);
                if (status > 0 && status != 429 && wait != null) {
                    long seconds = (long) Math.ceil(Double.parseDouble(wait.substring(0, wait.length() - 1)));
                    response = Response.fromResponse(response).header("Retry-After", seconds).build();
                }
                return Uni.createFrom().item(response);
        }
    }

    /**
     * Vertex's error body for a status fault ({@code 429}, {@code 429:1.5s}, {@code 500}, ...), with a
     * {@code RetryInfo} for a 429; an unknown fault is a 400 that names it.
     */
    public ObjectNode errorBody(String kind, Dialect dialect) {
        int status = statusOf(kind);
        return switch (status) {
            case -1 -> envelope(400, "INVALID_ARGUMENT", "unknown simulator fault '" + kind + "'", null);
            case 429 -> {
                String wait = waitOf(kind);
                yield envelope(429, "RESOURCE_EXHAUSTED", dialect.quotaMessage(), wait == null ? "1s" : wait);
            }
            case 500 -> envelope(500, "INTERNAL", "Internal error encountered.", null);
            case 503 -> envelope(503, "UNAVAILABLE", "The service is currently unavailable.", null);
            case 504 -> envelope(504, "DEADLINE_EXCEEDED", "Deadline exceeded.", null);
            case 400 -> envelope(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", null);
            case 403 -> envelope(403, "PERMISSION_DENIED", "Permission denied on resource project.", null);
            case 404 -> envelope(404, "NOT_FOUND", "Publisher model not found.", null);
            default -> envelope(status, "UNKNOWN", "Simulated failure.", null);
        };
    }

    /** The HTTP status of a status fault ({@code 503}, {@code 503:2s}), -1 for anything else. */
    private static int statusOf(String kind) {
        int colon = kind.indexOf(':');
        if (colon >= 0 && waitOf(kind) == null) {
            return -1;
        }
        try {
            int status = Integer.parseInt(colon < 0 ? kind : kind.substring(0, colon));
            return status >= 100 && status <= 599 ? status : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The {@code <seconds>s} after the colon of a status fault, or null. */
    private static String waitOf(String kind) {
        int colon = kind.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String wait = kind.substring(colon + 1).trim();
        return wait.matches("\\d+(\\.\\d+)?s") ? wait : null;
    }

    /** Vertex's error answer. */
    public Response error(int status, String statusName, String message, String retryDelay) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(envelope(status, statusName, message, retryDelay)).build();
    }

    /** Vertex's error envelope, with a {@code google.rpc.RetryInfo} when a delay is given. */
    public ObjectNode envelope(int status, String statusName, String message, String retryDelay) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", status);
        error.put("message", message);
        error.put("status", statusName);
        if (retryDelay != null) {
            error.putArray("details").addObject()
                    .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                    .put("retryDelay", retryDelay);
        }
        return root;
    }
}

package imagen.gateway.upstream;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns Vertex's error envelope {@code {"error":{"code","message","status","details"}}} into an
 * {@link UpstreamException}: keeps Vertex's status string, decides whether a retry could help, and
 * reads the wait the server asks for, from {@code google.rpc.RetryInfo} in the body or a
 * {@code Retry-After} header.
 */
public final class VertexErrors {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern SECRET = Pattern.compile(
            "(?i)(bearer\\s+)[^\\s\"',]+|ya29\\.[A-Za-z0-9._\\-]+|AIza[0-9A-Za-z_\\-]{20,}");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)s");
    private static final int MAX_MESSAGE = 500;
    /**
     * The gateway's own recent access tokens: masked by value, whatever their shape. A token Vertex
     * rejects is replaced at once (one forced refresh per 401), so a burst of rejections goes through
     * several in seconds: enough are kept that one Vertex still echoes is among them.
     */
    private static final Deque<String> OWN_TOKENS = new ArrayDeque<>();
    private static final int OWN_TOKENS_KEPT = 32;

    private static final Map<Integer, String> STATUS_BY_CODE = Map.ofEntries(
            Map.entry(400, "INVALID_ARGUMENT"), Map.entry(401, "UNAUTHENTICATED"), Map.entry(403, "PERMISSION_DENIED"),
            Map.entry(404, "NOT_FOUND"), Map.entry(408, "DEADLINE_EXCEEDED"), Map.entry(409, "ABORTED"),
            Map.entry(429, "RESOURCE_EXHAUSTED"), Map.entry(499, "CANCELLED"), Map.entry(500, "INTERNAL"),
            Map.entry(501, "UNIMPLEMENTED"), Map.entry(502, "UNAVAILABLE"), Map.entry(503, "UNAVAILABLE"),
            Map.entry(504, "DEADLINE_EXCEEDED"));

    private VertexErrors() {
    }

    /** The exception for a non-2xx upstream answer. */
    public static UpstreamException fromResponse(int status, String body, String retryAfterHeader) {
        JsonNode error = parseEnvelope(body);
        Duration serverWait = null;
        if (error == null) {
            String what = body == null || body.isBlank() ? "an empty body" : "a body that is not Vertex's error JSON";
            return new UpstreamException(502, statusName(status),
                    "upstream answered HTTP " + status + " with " + what, UpstreamException.retryableStatus(status),
                    parseRetryAfter(retryAfterHeader));
        }
        String vertexStatus = error.path("status").asText(statusName(status));
        String message = mask(error.path("message").asText("upstream error " + status));
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asText().endsWith("google.rpc.RetryInfo")) {
                serverWait = parseProtoDuration(detail.path("retryDelay").asText(null));
            }
        }
        if (serverWait == null) {
            serverWait = parseRetryAfter(retryAfterHeader);
        }
        return new UpstreamException(gatewayStatus(status), vertexStatus, message,
                UpstreamException.retryableStatus(status), serverWait);
    }

    /** A 2xx answer whose body could not be read as a prediction. */
    public static UpstreamException malformedBody(Throwable cause) {
        return new UpstreamException(502, "BAD_GATEWAY", "upstream answered with a malformed or truncated body ("
                + cause.getClass().getSimpleName() + ")", true, null);
    }

    /**
     * Registers a token the gateway presents upstream, so {@link #mask} removes it even where it
     * appears bare (an upstream error message echoing it). The last few are kept: a token still in
     * flight when it was replaced is masked too.
     */
    public static void maskToken(String token) {
        if (token == null || token.isBlank()) {
            return;
        }
        synchronized (OWN_TOKENS) {
            OWN_TOKENS.remove(token);
            OWN_TOKENS.addFirst(token);
            while (OWN_TOKENS.size() > OWN_TOKENS_KEPT) {
                OWN_TOKENS.removeLast();
            }
        }
    }

    /** Removes bearer tokens, OAuth access tokens and API keys from text that may reach a log or a client. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        List<String> own;
        synchronized (OWN_TOKENS) {
            own = List.copyOf(OWN_TOKENS);
        }
        for (String token : own) {
            text = text.replace(token, "***");
        }
        String masked = SECRET.matcher(text).replaceAll(m -> m.group(1) != null ? m.group(1) + "***" : "***");
        return masked.length() > MAX_MESSAGE ? masked.substring(0, MAX_MESSAGE) + "…" : masked;
    }

    /** {@code "39s"}, {@code "45.837906927s"} → duration; null when absent or unreadable. */
    public static Duration parseProtoDuration(String value) {
        if (value == null) {
            return null;
        }
        var m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            return null;
        }
        BigDecimal seconds = new BigDecimal(m.group(1));
        return Duration.ofNanos(seconds.movePointRight(9).longValue());
    }

    /** {@code Retry-After}: delta-seconds or an HTTP date; null when absent or unreadable. */
    public static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    public static String statusName(int status) {
        return STATUS_BY_CODE.getOrDefault(status, status >= 500 ? "UNAVAILABLE" : "UNKNOWN");
    }

    /**
     * What the gateway answers for an upstream status: the client's own mistakes pass through, the
     * gateway's credentials problems (401/403) are a bad gateway, not the caller's fault.
     */
    static int gatewayStatus(int status) {
        if (status == 401 || status == 403) {
            return 502;
        }
        if (status >= 400 && status < 600) {
            return status;
        }
        return 502;
    }

    private static JsonNode parseEnvelope(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode root = MAPPER.readTree(body);
            JsonNode error = root == null ? null : root.get("error");
            return error != null && error.isObject() ? error : null;
        } catch (Exception e) {
            return null;
        }
    }
}

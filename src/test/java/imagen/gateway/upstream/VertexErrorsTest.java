package imagen.gateway.upstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Vertex's error envelope → {@link UpstreamException}: status, retryability, server wait, masking. */
class VertexErrorsTest {

    private static final String RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";

    @ParameterizedTest(name = "HTTP {0} {1} → gateway {2}, retryable {3}")
    @CsvSource({
            "400, INVALID_ARGUMENT,   400, false",
            "401, UNAUTHENTICATED,    502, false",
            "403, PERMISSION_DENIED,  502, false",
            "404, NOT_FOUND,          404, false",
            "408, DEADLINE_EXCEEDED,  408, true",
            "429, RESOURCE_EXHAUSTED, 429, true",
            "500, INTERNAL,           500, true",
            "503, UNAVAILABLE,        503, true",
            "504, DEADLINE_EXCEEDED,  504, true",
    })
    void readsTheEnvelopeKeepingVertexStatus(int http, String vertexStatus, int gatewayStatus, boolean retryable) {
        UpstreamException e = VertexErrors.fromResponse(http, envelope(http, vertexStatus, "boom " + http, null), null);
        assertEquals(gatewayStatus, e.httpStatus());
        assertEquals(vertexStatus, e.vertexStatus());
        assertEquals(retryable, e.retryable());
        assertEquals("boom " + http, e.getMessage());
        assertEquals(Optional.empty(), e.retryAfter());
    }

    @Test
    void keepsAStatusStringThatDiffersFromTheHttpCodesUsualOne() {
        UpstreamException e = VertexErrors.fromResponse(400,
                envelope(400, "FAILED_PRECONDITION", "Billing is disabled for project 123", null), null);
        assertEquals("FAILED_PRECONDITION", e.vertexStatus());
        assertEquals(400, e.httpStatus());
        assertFalse(e.retryable());
    }

    @Test
    void derivesTheStatusStringFromTheCodeWhenTheEnvelopeHasNone() {
        UpstreamException e = VertexErrors.fromResponse(429, "{\"error\":{\"code\":429,\"message\":\"slow down\"}}", null);
        assertEquals("RESOURCE_EXHAUSTED", e.vertexStatus());
        assertTrue(e.retryable());
    }

    @Test
    void credentialProblemsAreTheGatewaysNotTheCallers() {
        UpstreamException unauthenticated = VertexErrors.fromResponse(401,
                envelope(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", null), null);
        UpstreamException denied = VertexErrors.fromResponse(403,
                envelope(403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied", null), null);
        assertEquals(502, unauthenticated.httpStatus());
        assertEquals(502, denied.httpStatus());
        assertFalse(unauthenticated.retryable());
        assertFalse(denied.retryable());
    }

    @ParameterizedTest(name = "retryDelay {0}")
    @CsvSource({
            "39s,            39, 0",
            "45.837906927s,  45, 837906927",
            "0.5s,            0, 500000000",
            "1.000000001s,    1, 1",
    })
    void readsRetryInfoDelayExactly(String retryDelay, long seconds, long nanos) {
        UpstreamException e = VertexErrors.fromResponse(429, envelope(429, "RESOURCE_EXHAUSTED", "Quota exceeded", retryDelay),
                null);
        assertEquals(Optional.of(Duration.ofSeconds(seconds, nanos)), e.retryAfter());
        assertEquals(Duration.ofSeconds(seconds, nanos), VertexErrors.parseProtoDuration(retryDelay));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "39", "s", "-3s", "1m", "abc"})
    void ignoresUnreadableRetryDelays(String retryDelay) {
        assertNull(VertexErrors.parseProtoDuration(retryDelay));
    }

    @Test
    void readsRetryAfterSeconds() {
        UpstreamException e = VertexErrors.fromResponse(503, envelope(503, "UNAVAILABLE", "try later", null), "120");
        assertEquals(Optional.of(Duration.ofSeconds(120)), e.retryAfter());
        assertEquals(Duration.ofSeconds(7), VertexErrors.parseRetryAfter(" 7 "));
    }

    @Test
    void readsRetryAfterHttpDate() {
        String at = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(90));
        UpstreamException e = VertexErrors.fromResponse(503, envelope(503, "UNAVAILABLE", "try later", null), at);
        Duration wait = e.retryAfter().orElseThrow();
        // The date has whole seconds and some time passes: between 85 s and 90 s.
        assertThat(wait, allOf(greaterThanOrEqualTo(Duration.ofSeconds(85)), lessThanOrEqualTo(Duration.ofSeconds(90))));
    }

    @Test
    void retryAfterInThePastMeansNoWait() {
        assertEquals(Duration.ZERO, VertexErrors.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
    }

    @Test
    void ignoresAnUnreadableRetryAfter() {
        assertNull(VertexErrors.parseRetryAfter("soon"));
        assertNull(VertexErrors.parseRetryAfter(null));
        assertNull(VertexErrors.parseRetryAfter(" "));
    }

    @Test
    void prefersRetryInfoOverRetryAfter() {
        UpstreamException e = VertexErrors.fromResponse(429, envelope(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "39s"), "5");
        assertEquals(Optional.of(Duration.ofSeconds(39)), e.retryAfter());
    }

    @Test
    void fallsBackToRetryAfterWhenRetryInfoIsMissing() {
        UpstreamException e = VertexErrors.fromResponse(429, envelope(429, "RESOURCE_EXHAUSTED", "Quota exceeded", null), "5");
        assertEquals(Optional.of(Duration.ofSeconds(5)), e.retryAfter());
    }

    @Test
    void nonJsonBodyIsABadGatewayThatSaysWhatCameBack() {
        UpstreamException e = VertexErrors.fromResponse(503, "<html><body>Service Unavailable</body></html>", "3");
        assertEquals(502, e.httpStatus());
        assertEquals("UNAVAILABLE", e.vertexStatus());
        assertTrue(e.retryable());
        assertThat(e.getMessage(), allOf(containsString("HTTP 503"), containsString("not Vertex's error JSON")));
        assertEquals(Optional.of(Duration.ofSeconds(3)), e.retryAfter());
    }

    @Test
    void jsonWithoutAnErrorObjectIsABadGateway() {
        UpstreamException e = VertexErrors.fromResponse(404, "{\"message\":\"not here\"}", null);
        assertEquals(502, e.httpStatus());
        assertFalse(e.retryable());
        assertThat(e.getMessage(), allOf(containsString("HTTP 404"), containsString("not Vertex's error JSON")));
    }

    @ParameterizedTest(name = "body \"{0}\"")
    @ValueSource(strings = {"", "   "})
    void emptyBodyIsABadGatewayThatSaysSo(String body) {
        UpstreamException e = VertexErrors.fromResponse(500, body, null);
        assertEquals(502, e.httpStatus());
        assertEquals("INTERNAL", e.vertexStatus());
        assertTrue(e.retryable());
        assertThat(e.getMessage(), allOf(containsString("HTTP 500"), containsString("empty body")));
        UpstreamException nullBody = VertexErrors.fromResponse(500, null, null);
        assertThat(nullBody.getMessage(), containsString("empty body"));
    }

    @Test
    void masksBearerTokensInUpstreamMessages() {
        UpstreamException e = VertexErrors.fromResponse(401, envelope(401, "UNAUTHENTICATED",
                "Header Authorization: Bearer ya29.a0AfH6SMBxSecret-Token_123 was rejected", null), null);
        assertThat(e.getMessage(), allOf(containsString("Bearer ***"), not(containsString("ya29")),
                not(containsString("SecretToken")), not(containsString("Secret-Token"))));
        assertThat(e.getMessage(), containsString("was rejected"));
    }

    @Test
    void masksBareOauthAccessTokens() {
        String masked = VertexErrors.mask("token ya29.c.b0Aaekm1K-XyZ_abc.def was used");
        assertEquals("token *** was used", masked);
    }

    @Test
    void masksBearerInAnyCase() {
        assertEquals("authorization: bearer ***", VertexErrors.mask("authorization: bearer abc.def-123"));
    }

    @Test
    void masksGoogleApiKeys() {
        String masked = VertexErrors.mask("https://aiplatform.googleapis.com/v1/x?key=AIzaSyD-1234567890abcdefghijklmnopqrstu failed");
        assertEquals("https://aiplatform.googleapis.com/v1/x?key=*** failed", masked);
    }

    @Test
    void leavesHarmlessTextAlone() {
        assertEquals("Quota exceeded for base model imagen", VertexErrors.mask("Quota exceeded for base model imagen"));
        assertNull(VertexErrors.mask(null));
    }

    @Test
    void capsVeryLongMessages() {
        String masked = VertexErrors.mask("x".repeat(5000));
        assertThat(masked.length(), lessThanOrEqualTo(501));
    }

    private static String envelope(int code, String status, String message, String retryDelay) {
        String details = retryDelay == null ? ""
                : ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"RATE_LIMIT_EXCEEDED\"},"
                        + "{\"@type\":\"" + RETRY_INFO + "\",\"retryDelay\":\"" + retryDelay + "\"}]";
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message.replace("\"", "\\\"") + "\",\"status\":\""
                + status + "\"" + details + "}}";
    }
}

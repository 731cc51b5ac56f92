package imagen.gateway.upstream;

import static imagen.gateway.support.SseStreams.names;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Vertex AI's error answers, and broken ones, as the gateway's callers see them. */
@QuarkusTest
@TestProfile(WireMockVertexProfile.class)
class VertexErrorMappingTest extends WireMockVertexTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String MODEL = "imagen-4.0-fast-generate-001";
    private static final String COMPAT = "/v1/projects/p/locations/us-central1/publishers/google/models/" + MODEL + ":predict";

    @ParameterizedTest(name = "Vertex {0} {1} -> error event {3}, retryable {4}")
    @CsvSource(nullValues = "none", value = {
            "400, INVALID_ARGUMENT,   Request contains an invalid argument.,            400, false, none, none",
            "403, PERMISSION_DENIED,  Permission denied on resource project p.,        502, false, none, none",
            "404, NOT_FOUND,          Publisher model imagen-9 not found.,              404, false, none, none",
            "429, RESOURCE_EXHAUSTED, Quota exceeded for online_prediction_requests.,   429, true,  45.8s, 45800",
            "500, INTERNAL,           Internal error encountered.,                      500, true,  none, none",
            "503, UNAVAILABLE,        The service is currently unavailable.,            503, true,  none, none",
            "504, DEADLINE_EXCEEDED,  Deadline exceeded.,                               504, true,  none, none"})
    void vertexErrorBecomesOneErrorEventKeepingVertexStatus(int upstream, String vertexStatus, String message,
            int expectedStatus, boolean retryable, String retryDelay, Long retryAfterMs) {
        stubError(upstream, VertexStubs.error(upstream, vertexStatus, message, retryDelay), Map.of());

        List<Event> events = stream("{\"prompt\":\"error " + upstream + " " + UUID.randomUUID() + "\",\"sampleCount\":1}");

        assertThat(names(events)).containsExactly("accepted", "attempt", "error");
        JsonNode error = events.get(2).json();
        assertThat(error.get("vertexStatus").asText()).isEqualTo(vertexStatus);
        assertThat(error.get("status").asInt()).isEqualTo(expectedStatus);
        assertThat(error.get("retryable").asBoolean()).isEqualTo(retryable);
        assertThat(error.get("detail").asText()).isEqualTo(message);
        assertThat(error.get("type").asText()).isEqualTo(
                "urn:imagen-gateway:problem:upstream-" + vertexStatus.toLowerCase().replace('_', '-'));
        assertThat(error.get("instance").asText()).startsWith("/v1/generations/gen_");
        if (retryAfterMs == null) {
            assertThat(error.has("retryAfterMs")).as("no wait was asked for").isFalse();
        } else {
            assertThat(error.get("retryAfterMs").asLong()).isEqualTo(retryAfterMs);
        }
    }

    @Test
    void readinessSaysNoCredentialsAreNeededWithAuthNone() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'vertex-credentials' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'vertex-credentials' }.data.credentials",
                        equalTo("not needed: imagen.vertex.auth=none"));
    }

    @Test
    void retryAfterHeaderGivesTheWaitWhenTheBodyHasNoRetryInfo() {
        stubError(503, VertexStubs.error(503, "UNAVAILABLE", "Service overloaded.", null), Map.of("Retry-After", "7"));

        JsonNode error = stream("{\"prompt\":\"retry-after " + UUID.randomUUID() + "\",\"sampleCount\":1}").get(2).json();

        assertThat(error.get("vertexStatus").asText()).isEqualTo("UNAVAILABLE");
        assertThat(error.get("retryAfterMs").asLong()).isEqualTo(7000);
    }

    @Test
    void compatEndpointAnswersVertexErrorsInGooglesEnvelopeWithRetryInfo() {
        stubError(429, VertexStubs.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", "45.8s"), Map.of());

        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .body("{\"instances\":[{\"prompt\":\"quota " + UUID.randomUUID() + "\"}],\"parameters\":{\"sampleCount\":1}}")
                .when().post(COMPAT)
                .then().statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", "46")
                .body("status", equalTo(429))
                .body("vertexStatus", equalTo("RESOURCE_EXHAUSTED"))
                .body("retryable", equalTo(true))
                .body("retryAfterMs", equalTo(45800))
                .body("error.code", equalTo(429))
                .body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                .body("error.message", equalTo("Quota exceeded."))
                .body("error.details[0].'@type'", equalTo("type.googleapis.com/google.rpc.RetryInfo"))
                .body("error.details[0].retryDelay", equalTo("45.800s"));
    }

    @Test
    void truncatedSuccessBodyIsABadGatewayProblemNotAServerError() {
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"predictions\":[{\"bytesBase64Encoded\":\"iVBORw0KGgo")));

        JsonNode error = stream("{\"prompt\":\"truncated " + UUID.randomUUID() + "\",\"sampleCount\":1}").get(2).json();
        assertThat(error.get("status").asInt()).isEqualTo(502);
        assertThat(error.get("title").asText()).isEqualTo("Bad Gateway");
        assertThat(error.get("detail").asText()).contains("malformed or truncated");

        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .body("{\"instances\":[{\"prompt\":\"truncated " + UUID.randomUUID() + "\"}]}")
                .when().post(COMPAT)
                .then().statusCode(502).contentType("application/problem+json")
                .body("status", equalTo(502))
                .body("detail", containsString("malformed or truncated"))
                .body("error.code", equalTo(502));
    }

    @Test
    void htmlErrorPageFromAProxyIsABadGatewayProblemNotAServerError() {
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .willReturn(aResponse().withStatus(502).withHeader("Content-Type", "text/html; charset=UTF-8")
                        .withBody("<!DOCTYPE html><html><head><title>Error 502 (Server Error)!!1</title></head>"
                                + "<body><p><b>502.</b> That's an error.</p></body></html>")));

        JsonNode error = stream("{\"prompt\":\"html " + UUID.randomUUID() + "\",\"sampleCount\":1}").get(2).json();
        assertThat(error.get("status").asInt()).isEqualTo(502);
        assertThat(error.get("retryable").asBoolean()).isTrue();
        assertThat(error.get("detail").asText()).isEqualTo("upstream answered HTTP 502 with a body that is not Vertex's error JSON");

        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .body("{\"instances\":[{\"prompt\":\"html " + UUID.randomUUID() + "\"}]}")
                .when().post(COMPAT)
                .then().statusCode(502).contentType("application/problem+json")
                .body("detail", containsString("not Vertex's error JSON"))
                .body("error.code", equalTo(502));
    }

    private void stubError(int status, String body, Map<String, String> headers) {
        var response = aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
        headers.forEach(response::withHeader);
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL))).willReturn(response));
    }

    private List<Event> stream(String body) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            assertThat(sse.status()).isEqualTo(200);
            List<Event> events = sse.readAll(WAIT);
            assertThat(names(events)).containsExactly("accepted", "attempt", "error");
            return events;
        }
    }

}

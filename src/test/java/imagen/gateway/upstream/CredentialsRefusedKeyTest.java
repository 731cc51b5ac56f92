package imagen.gateway.upstream;

import static imagen.gateway.upstream.CredentialsMissingFileTest.WAIT;
import static imagen.gateway.upstream.CredentialsMissingFileTest.credentialsCheck;
import static imagen.gateway.upstream.CredentialsMissingFileTest.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.support.KeyFiles;
import imagen.gateway.support.KeyFiles.InjectKeyFiles;
import imagen.gateway.support.LogCapture;
import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A well-formed service account key that Google's token endpoint refuses ({@code 400 invalid_grant},
 * what a deleted or revoked key gets), from the first start: google-auth-library signs the JWT and
 * exchanges it for real, against a WireMock on 127.0.0.1. Readiness is DOWN with the endpoint's
 * answer; generations fail with a 503 naming it. {@code imagen.vertex.credentials-retry=1h}: the
 * failure is remembered, so a burst of requests and probes costs no further token request.
 */
@QuarkusTest
@TestProfile(CredentialsRefusedKeyTest.RefusedKey.class)
class CredentialsRefusedKeyTest extends WireMockVertexTest {

    public static class RefusedKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.vertex.credentials-retry", "1h",
                    "imagen.resilience.max-retries", "3");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(WireMockVertex.class, Map.of("auth", "adc")),
                    new TestResourceEntry(KeyFiles.class, Map.of("file", "service-account", "token", "invalid_grant")));
        }
    }

    @InjectKeyFiles
    KeyFiles keys;

    @Inject
    MeterRegistry metrics;

    @Test
    void readinessIsDownWithTheTokenEndpointsRefusal() {
        await().atMost(WAIT).untilAsserted(() -> assertThat(credentialsCheck(given().when().get("/q/health/ready"))
                .path("data").path("state").asText()).isEqualTo("failing"));
        Response ready = given().when().get("/q/health/ready");

        assertThat(ready.statusCode()).isEqualTo(503);
        String cause = credentialsCheck(ready).path("data").path("cause").asText();
        assertThat(cause).contains("invalid_grant").contains("Invalid JWT Signature");
        assertThat(keys.tokenRequests()).as("the one try at start").isEqualTo(1);
    }

    @Test
    void aBurstOfRequestsFailsFromTheRememberedFailureWithoutAskingAgain() throws Exception {
        await().atMost(WAIT).until(() -> keys.tokenRequests() == 1);
        List<String> bodies = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            List<SseClient> streams = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                streams.add(SseClient.post(base.resolve("/v1/generations"),
                        "{\"prompt\":\"refused " + UUID.randomUUID() + "\",\"sampleCount\":1}", Map.of()));
            }
            for (int i = 0; i < 3; i++) {
                bodies.add(given().when().get("/q/health/ready").then().statusCode(503).extract().asString());
            }
            Response predict = given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                    .body("{\"instances\":[{\"prompt\":\"refused " + UUID.randomUUID() + "\"}]}")
                    .when().post("/v1/projects/p/locations/us-central1/publishers/google/models/"
                            + "imagen-4.0-fast-generate-001:predict");
            assertThat(predict.statusCode()).isEqualTo(503);
            assertThat(json(predict.asString()).path("error").path("message").asText()).contains("invalid_grant");
            bodies.add(predict.asString());
            for (SseClient sse : streams) {
                try (sse) {
                    List<Event> events = sse.readAll(WAIT);
                    assertThat(events).extracting(Event::name).doesNotContain("retry");
                    JsonNode problem = events.get(events.size() - 1).json();
                    assertThat(problem.path("status").asInt()).isEqualTo(503);
                    assertThat(problem.path("type").asText()).isEqualTo(CredentialsException.TYPE);
                    assertThat(problem.path("retryable").asBoolean(true)).isFalse();
                    assertThat(problem.path("detail").asText()).contains("invalid_grant");
                    bodies.add(events.get(events.size() - 1).data());
                }
            }
            CredentialsMissingFileTest.assertNoErrorsNorStackTraces(logs);
        }

        assertThat(keys.tokenRequests()).as("token requests for 7 generations and 3 probes").isEqualTo(1);
        assertThat(metrics.find("imagen.credentials.attempts").counters()).extracting(c -> c.count())
                .containsExactly(1.0);
        assertThat(vertex.getAllServeEvents()).isEmpty();
        assertThat(bodies).hasSize(10).noneMatch(body -> body.contains("BEGIN PRIVATE KEY"));
    }
}

package imagen.gateway.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.Color;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.support.KeyFiles;
import imagen.gateway.support.KeyFiles.InjectKeyFiles;
import imagen.gateway.support.LogCapture;
import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.TestImages;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Vertex AI as upstream with {@code imagen.vertex.credentials-file} naming a file that does not
 * exist: readiness is DOWN naming it, every generation fails at once with a 503 naming it, on every
 * surface, without a retry, a call to Vertex, or a mark against the location's breaker; writing a
 * valid key there makes the gateway ready without a restart (the last test: once loaded, the
 * credentials stay).
 *
 * <p>{@code imagen.vertex.credentials-retry=0s}: every request tries the file again, so each one's
 * tries can be counted exactly. Three retries and a breaker that would open after two failures,
 * so a credentials failure that were retried or held against the location would show.
 */
@QuarkusTest
@TestProfile(CredentialsMissingFileTest.MissingFile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CredentialsMissingFileTest extends WireMockVertexTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    private static final String MODEL = "imagen-4.0-fast-generate-001";
    private static final String PREDICT = "/v1/projects/p/locations/us-central1/publishers/google/models/" + MODEL
            + ":predict";
    private static final String GEMINI = "/v1/projects/p/locations/us-central1/publishers/google/models/"
            + "gemini-3.1-flash-image:generateContent";

    public static class MissingFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.vertex.credentials-retry", "0s",
                    "imagen.resilience.max-retries", "3",
                    "imagen.resilience.breaker.request-volume", "2",
                    "imagen.resilience.breaker.failure-ratio", "0.5");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(WireMockVertex.class, Map.of("auth", "adc")),
                    new TestResourceEntry(KeyFiles.class, Map.of("file", "missing")));
        }
    }

    @InjectKeyFiles
    KeyFiles keys;

    @Inject
    MeterRegistry metrics;

    @Inject
    Guards guards;

    @Test
    @Order(1)
    void readinessIsDownAndNamesTheMissingFile() {
        Response ready = given().when().get("/q/health/ready");
        System.out.println("EVIDENCE readiness with a missing key file: HTTP " + ready.statusCode() + "\n"
                + ready.asPrettyString());

        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode check = credentialsCheck(ready);
        assertThat(check.path("status").asText()).isEqualTo("DOWN");
        JsonNode data = check.path("data");
        assertThat(data.path("state").asText()).isEqualTo("failing");
        assertThat(data.path("cause").asText()).isEqualTo("the file does not exist");
        assertThat(data.path("source").asText()).contains(keys.file().toString()).contains("imagen.vertex.credentials-file");
        assertThat(data.path("project").asText()).isEqualTo(WireMockVertex.PROJECT);
        assertThat(data.path("projectSource").asText()).isEqualTo("imagen.vertex.project");
        assertThat(ready.asString()).as("the other checks still answer").contains("\"imagen-cache\"");
    }

    @Test
    @Order(2)
    void aGenerationFailsAtOnceWith503NamingTheFileAndIsNotRetried() {
        double tries = attempts("failed");
        double retries = counter("imagen.upstream.retries");
        List<String> bodies = new java.util.ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < 4; i++) {
                List<Event> events = stream("{\"prompt\":\"no key " + UUID.randomUUID() + "\",\"sampleCount\":1}");
                Event error = events.get(events.size() - 1);
                assertThat(events).extracting(Event::name).doesNotContain("retry");
                assertThat(error.name()).isEqualTo("error");
                JsonNode problem = error.json();
                assertThat(problem.path("type").asText()).isEqualTo("urn:imagen-gateway:problem:upstream-credentials");
                assertThat(problem.path("status").asInt()).isEqualTo(503);
                assertThat(problem.path("vertexStatus").asText()).isEqualTo("UNAUTHENTICATED");
                assertThat(problem.path("retryable").asBoolean(true)).isFalse();
                assertThat(problem.has("retryAfterMs")).isFalse();
                assertThat(problem.path("detail").asText()).contains(keys.file().toString()).contains("does not exist");
                if (i == 0) {
                    System.out.println("EVIDENCE SSE error event of a generation with a missing key file:\n" + error.data());
                }
                bodies.add(error.data());
                String id = problem.path("instance").asText().substring("/v1/generations/".length());
                String status = given().when().get("/v1/generations/" + id).then().statusCode(200)
                        .extract().asString();
                assertThat(status).contains("\"failed\"").contains("upstream-credentials");
                bodies.add(status);
            }
            assertNoErrorsNorStackTraces(logs);
        }
        assertThat(attempts("failed") - tries).as("one credentials try per generation, none repeated").isEqualTo(4);
        assertThat(counter("imagen.upstream.retries") - retries).as("no retry").isZero();
        assertThat(vertex.getAllServeEvents()).as("nothing reached Vertex").isEmpty();
        assertThat(guards.breakerState(WireMockVertex.LOCATION)).as("not the location's fault")
                .isEqualTo(CircuitBreakerState.CLOSED);
        assertThat(bodies).noneMatch(body -> body.contains("PRIVATE KEY"));
    }

    @Test
    @Order(3)
    void predictAndGenerateContentAnswerInVertexErrorShape() {
        double tries = attempts("failed");
        try (LogCapture logs = LogCapture.start()) {
            Response predict = given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                    .body("{\"instances\":[{\"prompt\":\"no key " + UUID.randomUUID() + "\"}]}")
                    .when().post(PREDICT);
            System.out.println("EVIDENCE :predict with a missing key file: HTTP " + predict.statusCode() + " "
                    + predict.contentType() + "\n" + predict.asString());
            assertVertexError(predict);

            Response gemini = given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                    .body("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"no key " + UUID.randomUUID()
                            + "\"}]}]}")
                    .when().post(GEMINI);
            assertVertexError(gemini);
            assertNoErrorsNorStackTraces(logs);
        }
        assertThat(attempts("failed") - tries).isEqualTo(2);
        assertThat(vertex.getAllServeEvents()).isEmpty();
    }

    @Test
    @Order(4)
    void aKeyWrittenThereMakesItReadyWithoutARestart() {
        String token = "fixed-token-" + UUID.randomUUID();
        keys.issueTokens(token);
        keys.writeServiceAccountKey();
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL))).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(VertexStubs.images(TestImages.png(4, 4, Color.BLUE), "image/png", 1))));

        await().atMost(WAIT).untilAsserted(() -> given().when().get("/q/health/ready").then().statusCode(200));
        Response ready = given().when().get("/q/health/ready");
        System.out.println("EVIDENCE readiness once the key file is there:\n" + ready.asPrettyString());
        JsonNode data = credentialsCheck(ready).path("data");
        assertThat(data.path("state").asText()).isEqualTo("ready");
        assertThat(data.path("type").asText()).isEqualTo("service_account");
        assertThat(data.path("principal").asText()).isEqualTo(KeyFiles.CLIENT_EMAIL);
        assertThat(data.path("project").asText()).isEqualTo(WireMockVertex.PROJECT);
        assertThat(data.path("tokenValidUntil").asText()).isNotBlank();
        assertThat(ready.asString()).doesNotContain(token);
        assertThat(keys.tokenRequests()).as("google-auth-library exchanged the key at the token endpoint").isEqualTo(1);

        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .body("{\"instances\":[{\"prompt\":\"with a key " + UUID.randomUUID() + "\"}]}")
                .when().post(PREDICT).then().statusCode(200);
        assertThat(vertex.getAllServeEvents()).hasSize(1);
        assertThat(vertex.getAllServeEvents().get(0).getRequest().getHeader("Authorization")).isEqualTo("Bearer " + token);
        assertThat(keys.tokenRequests()).as("the token is cached").isEqualTo(1);
    }

    private void assertVertexError(Response response) {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.header("Retry-After")).as("not worth retrying until the file is fixed").isNull();
        JsonNode body = json(response.asString());
        assertThat(body.path("type").asText()).isEqualTo("urn:imagen-gateway:problem:upstream-credentials");
        assertThat(body.path("error").path("code").asInt()).isEqualTo(503);
        assertThat(body.path("error").path("status").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(body.path("error").path("message").asText()).contains(keys.file().toString())
                .contains("does not exist");
    }

    private List<Event> stream(String body) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            return sse.readAll(WAIT);
        }
    }

    private double attempts(String outcome) {
        var counter = metrics.find("imagen.credentials.attempts").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private double counter(String name) {
        return metrics.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    static JsonNode credentialsCheck(Response ready) {
        for (JsonNode check : json(ready.asString()).path("checks")) {
            if ("vertex-credentials".equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no vertex-credentials check in " + ready.asString());
    }

    static JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** A client-visible failure, fully explained in its answer: nothing for an ERROR line or a stack trace. */
    static void assertNoErrorsNorStackTraces(LogCapture logs) {
        assertThat(logs.texts()).noneMatch(text -> text.startsWith("ERROR") || text.startsWith("SEVERE"));
        assertThat(logs.texts()).noneMatch(text -> text.contains(" | thrown="));
    }
}

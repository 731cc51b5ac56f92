package imagen.gateway.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.Color;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import imagen.gateway.support.FakeCredentials;
import imagen.gateway.support.GeminiStubs;
import imagen.gateway.support.LogCapture;
import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.TestImages;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * The gateway's own Google credentials ({@code imagen.vertex.auth=adc}) in front of a WireMock
 * Vertex, with a fake credentials source whose token fetches are counted.
 */
@QuarkusTest
@TestProfile(AdcAuthTest.Adc.class)
class AdcAuthTest extends WireMockVertexTest {

    /** Tokens are refreshed this long before they expire. */
    private static final Duration MARGIN = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String MODEL = "imagen-4.0-fast-generate-001";
    private static final String COMPAT = "/v1/projects/p/locations/us-central1/publishers/google/models/" + MODEL + ":predict";
    private static final byte[] PNG = TestImages.png(4, 4, Color.RED);

    public static class Adc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.vertex.token-refresh-margin", MARGIN.toSeconds() + "s",
                    "imagen.resilience.max-retries", "0",
                    "imagen.resilience.attempt-timeout", "10s");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FakeCredentials.class);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(WireMockVertex.class, Map.of("auth", "adc")));
        }
    }

    @Inject
    FakeCredentials credentials;

    @Inject
    Guards guards;

    @BeforeEach
    void startWithAnExpiredToken() {
        // the credentials are loaded in the background at start: ready first, then expired by the test
        await().atMost(WAIT).untilAsserted(() -> given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'vertex-credentials' }.data.state", org.hamcrest.Matchers.equalTo("ready")));
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(PNG, "image/png", 1))));
        credentials.lifetime(Duration.ofHours(1));
        credentials.expireIssuedTokens();
    }

    @Test
    void presentsItsOwnBearerTokenAndNeverTheCallers() {
        compatPredict(Map.of("Authorization", "Bearer callers-token"));
        stream("{\"prompt\":\"own token " + UUID.randomUUID() + "\",\"sampleCount\":1}");

        String token = credentials.lastIssued().value();
        assertThat(authorizations()).hasSize(2).containsOnly("Bearer " + token);
        assertThat(credentials.loads()).as("one credentials object for the process").isEqualTo(1);
    }

    @Test
    void fetchesTheTokenOnceForManySequentialRequests() {
        int before = credentials.refreshes();
        int callsBefore = credentials.refreshCalls();

        for (int i = 0; i < 12; i++) {
            compatPredict(Map.of());
        }

        assertThat(credentials.refreshes() - before).isEqualTo(1);
        assertThat(credentials.refreshCalls() - callsBefore).isEqualTo(1);
        assertThat(authorizations()).hasSize(12).containsOnly("Bearer " + credentials.lastIssued().value());
    }

    @Test
    void concurrentRequestsWithAnExpiredTokenShareOneFetch() {
        int before = credentials.refreshes();
        int callsBefore = credentials.refreshCalls();
        int startedBefore = credentials.refreshesStarted();
        CountDownLatch gate = credentials.holdRefreshes();
        List<String> jobs = new ArrayList<>();
        try {
            // seeded jobs run to their end although nobody watches them
            for (int i = 0; i < 16; i++) {
                jobs.add(given().contentType(ContentType.JSON).accept(ContentType.JSON)
                        .body("{\"prompt\":\"concurrent " + UUID.randomUUID() + "\",\"sampleCount\":1,\"seed\":"
                                + (i + 1) + ",\"addWatermark\":false}")
                        .when().post("/v1/generations").then().statusCode(202).extract().path("id"));
            }
            await().atMost(WAIT).until(() -> credentials.refreshesStarted() > startedBefore);
            assertThat(vertex.getAllServeEvents()).as("no request goes out before the token is there").isEmpty();
        } finally {
            gate.countDown();
        }
        for (String id : jobs) {
            await().atMost(WAIT).untilAsserted(() -> given().when().get("/v1/generations/" + id)
                    .then().body("status", org.hamcrest.Matchers.equalTo("succeeded")));
        }

        assertThat(credentials.refreshes() - before).as("token fetches for 16 concurrent requests").isEqualTo(1);
        assertThat(credentials.refreshCalls() - callsBefore).as("refreshes the gateway asked for").isEqualTo(1);
        assertThat(authorizations()).hasSize(16).containsOnly("Bearer " + credentials.lastIssued().value());
    }

    @Test
    void refreshesTheTokenBeforeItExpires() {
        credentials.lifetime(MARGIN.plusMillis(1500));
        compatPredict(Map.of());
        FakeCredentials.Issued first = credentials.lastIssued();
        assertThat(authorizations()).containsOnly("Bearer " + first.value());

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            compatPredict(Map.of());
            return !credentials.lastIssued().equals(first);
        });

        FakeCredentials.Issued second = credentials.lastIssued();
        List<String> seen = authorizations();
        assertThat(seen.get(seen.size() - 1)).isEqualTo("Bearer " + second.value());
        assertThat(seen).containsOnly("Bearer " + first.value(), "Bearer " + second.value());
        assertThat(second.issuedAt()).as("refreshed before the old token expired").isBefore(first.expiresAt());
        assertThat(second.issuedAt()).as("not before the refresh margin began")
                .isAfterOrEqualTo(first.expiresAt().minus(MARGIN).minusMillis(50));
        assertThat(Instant.now()).isBefore(first.expiresAt());
    }

    @Test
    void refreshesTheTokenOnceWhenVertexRejectsIt() {
        compatPredict(Map.of());
        String revoked = credentials.lastIssued().value();
        int refreshes = credentials.refreshes();
        vertex.resetAll();
        vertex.stubFor(post(anyUrl()).atPriority(1).withHeader("Authorization", equalTo("Bearer " + revoked))
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
                                null))));
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL))).atPriority(5)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(PNG, "image/png", 1))));

        compatPredict(Map.of());

        assertThat(credentials.refreshes() - refreshes).as("one forced refresh").isEqualTo(1);
        String fresh = credentials.lastIssued().value();
        assertThat(authorizations()).as("the revoked token, then the new one, in one attempt (no retries here)")
                .containsExactly("Bearer " + revoked, "Bearer " + fresh);
        compatPredict(Map.of());
        assertThat(credentials.refreshes() - refreshes).as("the new token is kept").isEqualTo(1);
    }

    @Test
    void refreshesTheTokenOnceWhenVertexRejectsItOnTheGeminiStream() {
        compatPredict(Map.of());
        String revoked = credentials.lastIssued().value();
        int refreshes = credentials.refreshes();
        String flash = "gemini-3.1-flash-image";
        vertex.resetAll();
        vertex.stubFor(post(anyUrl()).atPriority(1).withHeader("Authorization", equalTo("Bearer " + revoked))
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
                                null))));
        vertex.stubFor(post(urlEqualTo(GeminiStubs.streamPath(flash))).atPriority(5)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                        .withBody(GeminiStubs.sse(GeminiStubs.image(PNG, "image/png"), GeminiStubs.end("STOP", 5, 0, 1120)))));

        List<Event> events = stream("{\"model\":\"" + flash + "\",\"prompt\":\"gemini " + UUID.randomUUID() + "\"}");

        assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
        assertThat(events).extracting(Event::name).doesNotContain("retry");
        assertThat(credentials.refreshes() - refreshes).isEqualTo(1);
        assertThat(authorizations()).containsExactly("Bearer " + revoked, "Bearer " + credentials.lastIssued().value());
    }

    @Test
    void aTokenRejectedTwiceFailsAtOnceWithoutRetryNorBreaker() {
        compatPredict(Map.of());
        int refreshes = credentials.refreshes();
        vertex.resetAll();
        vertex.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody(VertexStubs.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", null))));

        List<Event> events;
        try (LogCapture logs = LogCapture.start()) {
            events = stream("{\"prompt\":\"rejected " + UUID.randomUUID() + "\",\"sampleCount\":1}");
            CredentialsMissingFileTest.assertNoErrorsNorStackTraces(logs);
        }

        Event error = events.get(events.size() - 1);
        assertThat(error.name()).isEqualTo("error");
        assertThat(error.json().get("type").asText()).isEqualTo(CredentialsException.TYPE);
        assertThat(error.json().get("status").asInt()).isEqualTo(502);
        assertThat(error.json().get("retryable").asBoolean()).isFalse();
        assertThat(error.json().get("detail").asText()).contains("rejected the gateway's access token")
                .contains("Request had invalid authentication credentials");
        assertThat(vertex.getAllServeEvents()).as("the rejected token and one fresh one").hasSize(2);
        assertThat(credentials.refreshes() - refreshes).isEqualTo(1);
        assertThat(guards.breakerState(WireMockVertex.LOCATION)).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void aFailedRefreshAheadOfExpiryKeepsTheValidTokenInUse() {
        credentials.lifetime(MARGIN.minusSeconds(30)); // within the margin at once: due for a refresh, still valid
        compatPredict(Map.of());
        String current = credentials.lastIssued().value();
        int calls = credentials.refreshCalls();
        try {
            credentials.failRefreshes("token endpoint unavailable");
            compatPredict(Map.of());
            compatPredict(Map.of());

            assertThat(authorizations()).containsOnly("Bearer " + current);
            assertThat(credentials.refreshCalls() - calls).as("one failed refresh, then the remembered failure")
                    .isEqualTo(1);
            given().when().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'vertex-credentials' }.data.lastRefreshFailure",
                            org.hamcrest.Matchers.equalTo("token endpoint unavailable"));
        } finally {
            credentials.failRefreshes(null);
        }
    }

    @Test
    void neverLogsNorAnswersItsTokenEvenWhenVertexEchoesIt() {
        compatPredict(Map.of());
        String token = credentials.lastIssued().value();
        String echo = "Request had invalid authentication credentials. Expected OAuth 2 access token. "
                + "Got header 'Authorization: Bearer " + token + "'; token " + token + " is not valid.";
        List<String> answers = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            for (int status : new int[] {401, 403}) {
                String vertexStatus = status == 401 ? "UNAUTHENTICATED" : "PERMISSION_DENIED";
                vertex.resetAll();
                // whatever token it is shown (a 401 has the gateway fetch a new one), Vertex echoes the first
                vertex.stubFor(post(anyUrl())
                        .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                                .withBody(VertexStubs.error(status, vertexStatus, echo, null))));

                List<Event> events = stream("{\"prompt\":\"echo " + UUID.randomUUID() + "\",\"sampleCount\":1}");
                Event error = events.get(events.size() - 1);
                assertThat(error.name()).isEqualTo("error");
                assertThat(error.json().get("vertexStatus").asText()).isEqualTo(vertexStatus);
                assertThat(error.json().get("status").asInt()).as("the gateway's credentials, not the caller's fault")
                        .isEqualTo(502);
                assertThat(error.json().get("retryable").asBoolean()).isFalse();
                answers.add(error.data());
                String id = error.json().get("instance").asText().substring("/v1/generations/".length());
                answers.add(given().when().get("/v1/generations/" + id).then().statusCode(200).extract().asString());
                answers.add(given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                        .body("{\"instances\":[{\"prompt\":\"echo " + UUID.randomUUID() + "\"}]}")
                        .when().post(COMPAT).then().statusCode(502).extract().asString());
                assertThat(vertex.getAllServeEvents()).as("Vertex saw the token it echoed; after a 401, a new one too")
                        .hasSize(status == 401 ? 4 : 2);
            }
            assertThat(logs.all()).as("the failures were logged").contains("UNAUTHENTICATED", "PERMISSION_DENIED");
            assertThat(logs.texts()).noneMatch(text -> text.contains(token));
            for (FakeCredentials.Issued issued : credentials.issued()) {
                assertThat(logs.texts()).noneMatch(text -> text.contains(issued.value()));
            }
        }
        assertThat(answers).hasSize(6).noneMatch(text -> text.contains(token));
        for (FakeCredentials.Issued issued : credentials.issued()) {
            assertThat(answers).noneMatch(text -> text.contains(issued.value()));
        }
        assertThat(answers.get(0)).contains("Request had invalid authentication credentials");
    }

    private void compatPredict(Map<String, String> headers) {
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).headers(headers)
                .body("{\"instances\":[{\"prompt\":\"adc " + UUID.randomUUID() + "\"}],\"parameters\":{\"sampleCount\":1}}")
                .when().post(COMPAT).then().statusCode(200);
    }

    private List<Event> stream(String body) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            return sse.readAll(WAIT);
        }
    }

    /** The Authorization header of every request Vertex received, oldest first. */
    private List<String> authorizations() {
        List<ServeEvent> events = new ArrayList<>(vertex.getAllServeEvents());
        events.sort((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()));
        return events.stream().map(e -> String.valueOf(e.getRequest().getHeader("Authorization"))).toList();
    }
}

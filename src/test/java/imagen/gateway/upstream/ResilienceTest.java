package imagen.gateway.upstream;

import static imagen.gateway.support.SseStreams.names;
import static imagen.gateway.support.SseStreams.last;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Retries, server waits, timeouts, breakers, failover and the bulkhead, driven through the
 * embedded simulator: a real HTTP upstream reached by the same REST client as Vertex, with faults
 * chosen per attempt by the {@code X-Simulator-Fault} header.
 */
@QuarkusTest
@TestProfile(ResilienceTest.Profile.class)
class ResilienceTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("imagen.vertex.locations", "us-central1,europe-west4"),
                    Map.entry("imagen.resilience.attempt-timeout", "3s"),
                    Map.entry("imagen.resilience.initial-backoff", "10ms"),
                    Map.entry("imagen.resilience.max-backoff", "50ms"),
                    Map.entry("imagen.resilience.max-server-wait", "3s"),
                    Map.entry("imagen.resilience.breaker.request-volume", "4"),
                    Map.entry("imagen.resilience.breaker.failure-ratio", "0.5"),
                    Map.entry("imagen.resilience.breaker.delay", "1500ms"),
                    Map.entry("imagen.resilience.bulkhead.max-concurrent", "2"),
                    Map.entry("imagen.resilience.bulkhead.queue", "1"));
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static int seed = 1000;

    @TestHTTPResource("/")
    URI base;

    @Inject
    Guards vertex;

    @Inject
    MeterRegistry metrics;

    private double simulatorCallsBefore;

    @BeforeEach
    void countCalls() {
        vertex.resetBreakers();
        simulatorCallsBefore = simulatorCalls();
    }

    @AfterEach
    void closeBreakers() {
        vertex.resetBreakers();
    }

    @Test
    void retriesOn503UntilSuccess() {
        List<Event> events = generate("503,503,ok");
        assertThat(names(events)).containsExactly("accepted", "attempt", "retry", "attempt", "retry", "attempt", "image", "done");
        assertThat(events.get(2).json().get("status").asInt()).isEqualTo(503);
        assertThat(events.get(2).json().get("reason").asText()).isEqualTo("UNAVAILABLE");
        assertThat(events.get(2).json().get("attempt").asInt()).isEqualTo(1);
        assertThat(last(events).get("attempts").asInt()).isEqualTo(3);
        assertThat(upstreamCalls()).isEqualTo(3);
    }

    @Test
    void waitsAsLongAsVertexRetryInfoAsks() {
        List<Event> events = generate("429:1.5s,ok");
        Event retry = events.stream().filter(e -> e.name().equals("retry")).findFirst().orElseThrow();
        assertThat(retry.json().get("reason").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(retry.json().get("delayMs").asLong()).isEqualTo(1500);
        assertThat(last(events).get("upstreamMs").asLong()).isGreaterThanOrEqualTo(1500);
        assertThat(upstreamCalls()).isEqualTo(2);
    }

    @Test
    void honoursRetryAfterHeader() {
        List<Event> events = generate("503:1s,ok");
        Event retry = events.stream().filter(e -> e.name().equals("retry")).findFirst().orElseThrow();
        assertThat(retry.json().get("delayMs").asLong()).isEqualTo(1000);
        assertThat(last(events).get("upstreamMs").asLong()).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void capsTheServersWaitAtMaxServerWait() {
        List<Event> events = generate("429:120s,ok");
        Event retry = events.stream().filter(e -> e.name().equals("retry")).findFirst().orElseThrow();
        assertThat(retry.json().get("delayMs").asLong()).isEqualTo(3000);
        assertThat(names(events)).endsWith("done");
    }

    @Test
    void doesNotRetryOn400() {
        List<Event> events = generate("400");
        assertThat(names(events)).containsExactly("accepted", "attempt", "error");
        assertThat(last(events).get("status").asInt()).isEqualTo(400);
        assertThat(last(events).get("vertexStatus").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(last(events).get("retryable").asBoolean()).isFalse();
        assertThat(upstreamCalls()).isEqualTo(1);
    }

    @Test
    void retriesAResetConnection() {
        List<Event> events = generate("reset,ok");
        assertThat(names(events)).containsExactly("accepted", "attempt", "retry", "attempt", "image", "done");
        assertThat(events.get(2).json().get("reason").asText()).isEqualTo("UNAVAILABLE");
    }

    @Test
    void retriesAStalledAttemptAfterTheAttemptTimeout() {
        List<Event> events = generate("timeout,ok");
        assertThat(names(events)).containsExactly("accepted", "attempt", "retry", "attempt", "image", "done");
        assertThat(events.get(2).json().get("reason").asText()).isEqualTo("DEADLINE_EXCEEDED");
        assertThat(last(events).get("upstreamMs").asLong()).isGreaterThanOrEqualTo(3000);
    }

    @Test
    void givesUpAfterMaxRetriesWithOneErrorEvent() {
        List<Event> events = generate("500");
        assertThat(names(events).stream().filter("attempt"::equals)).hasSize(4);
        assertThat(names(events).stream().filter("retry"::equals)).hasSize(3);
        assertThat(last(events).get("vertexStatus").asText()).isEqualTo("INTERNAL");
        assertThat(last(events).get("retryable").asBoolean()).isTrue();
        assertThat(upstreamCalls()).isEqualTo(4);
    }

    @Test
    void failsOverToTheNextLocationWhenTheFirstIsDown() {
        List<Event> events = generate("503@us-central1");
        assertThat(names(events)).containsExactly("accepted", "attempt", "retry", "attempt", "image", "done");
        assertThat(events.get(1).json().get("location").asText()).isEqualTo("us-central1");
        assertThat(events.get(3).json().get("location").asText()).isEqualTo("europe-west4");
    }

    @Test
    void openBreakersFailFastWithoutCallingUpstreamThenRecoverThroughHalfOpen() {
        generate("503");
        generate("503");
        assertThat(vertex.breakerState("us-central1")).isEqualTo(CircuitBreakerState.OPEN);
        assertThat(vertex.breakerState("europe-west4")).isEqualTo(CircuitBreakerState.OPEN);
        double before = simulatorCalls();

        List<Event> events = generate("ok");
        assertThat(names(events)).containsExactly("accepted", "error");
        assertThat(last(events).get("status").asInt()).isEqualTo(503);
        assertThat(last(events).get("retryAfterMs").asLong()).isBetween(1L, 1501L);
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).body(vertexBody())
                .when().post("/v1/projects/p/locations/l/publishers/google/models/imagen-4.0-generate-001:predict")
                .then().statusCode(503).header("Retry-After", org.hamcrest.Matchers.oneOf("1", "2"))
                .body("error.status", equalTo("UNAVAILABLE"));
        assertThat(simulatorCalls()).isEqualTo(before);

        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).untilAsserted(
                () -> assertThat(names(generate("ok"))).endsWith("done"));
        assertThat(vertex.breakerState("us-central1")).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void fourHundredsDoNotOpenTheBreaker() {
        for (int i = 0; i < 6; i++) {
            generate("400");
        }
        assertThat(vertex.breakerState("us-central1")).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void fullBulkheadAnswers429WithRetryAfter() {
        List<String> slow = List.of(start("delay:2000"), start("delay:2000"), start("delay:2000"));
        try {
            given().urlEncodingEnabled(false).contentType(ContentType.JSON).body(vertexBody())
                    .when().post("/v1/projects/p/locations/l/publishers/google/models/imagen-4.0-generate-001:predict")
                    .then().statusCode(429).header("Retry-After", "1")
                    .body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                    .body("detail", containsString("concurrent upstream calls"));
        } finally {
            // two running and one queued (each holds its slot 2 s): all three finish once slots free up
            slow.forEach(id -> await().atMost(WAIT).untilAsserted(() -> given().when().get("/v1/generations/" + id)
                    .then().body("status", equalTo("succeeded"))));
        }
        given().when().get("/q/metrics").then()
                .body(containsString("imagen_bulkhead_rejected_total"))
                .body(containsString("imagen_upstream_retries_total"))
                .body(containsString("imagen_breaker_state{location=\"us-central1\""));
    }

    private String start(String fault) {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).header("X-Simulator-Fault", fault)
                .body(body()).when().post("/v1/generations").then().statusCode(202).extract().path("id");
    }

    private List<Event> generate(String fault) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body(), Map.of("X-Simulator-Fault", fault))) {
            List<Event> events = sse.readAll(WAIT);
            assertThat(events.stream().filter(Event::terminal)).hasSize(1);
            return events;
        }
    }

    private static String body() {
        return "{\"prompt\":\"resilience\",\"sampleCount\":1,\"seed\":" + (seed++) + ",\"addWatermark\":false,"
                + "\"aspectRatio\":\"16:9\"}";
    }

    private static String vertexBody() {
        return "{\"instances\":[{\"prompt\":\"resilience\"}],\"parameters\":{\"sampleCount\":1,\"seed\":" + (seed++)
                + ",\"addWatermark\":false}}";
    }

    private double simulatorCalls() {
        return metrics.counter("imagen.simulator.requests").count();
    }

    private long upstreamCalls() {
        return Math.round(simulatorCalls() - simulatorCallsBefore);
    }
}

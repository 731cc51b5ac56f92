package imagen.gateway.dedup;

import static imagen.gateway.support.SseStreams.digests;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseStreams;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.upstream.Guards;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class DeduplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static int seed = 500_000;

    @TestHTTPResource("/")
    URI base;

    @Inject
    MeterRegistry metrics;

    @Inject
    Guards vertex;

    private double callsBefore;

    @BeforeEach
    void count() {
        vertex.resetBreakers();
        callsBefore = metrics.counter("imagen.simulator.requests").count();
    }

    @Test
    void coalescesAHundredConcurrentIdenticalSeededRequestsIntoOneUpstreamCall() {
        String body = seeded(seed++, "");
        List<List<Event>> streams = concurrently(100, body, "delay:1500");

        assertThat(upstreamCalls()).isEqualTo(1);
        List<String> caches = streams.stream().map(s -> s.get(0).json().get("cache").asText()).toList();
        assertThat(caches).containsOnly("miss", "coalesced");
        assertThat(caches.stream().filter("miss"::equals)).hasSize(1);
        List<String> expected = digests(streams.get(0));
        assertThat(expected).hasSize(2);
        for (List<Event> events : streams) {
            assertThat(events.stream().map(Event::name).toList())
                    .containsExactly("accepted", "attempt", "image", "image", "done");
            assertThat(digests(events)).isEqualTo(expected);
            String cache = events.get(0).json().get("cache").asText();
            assertThat(events.get(4).json().get("cache").asText()).isEqualTo(cache);
        }
        assertThat(streams.stream().map(s -> s.get(0).json().get("id").asText()).distinct()).hasSize(100);
    }

    @Test
    void aRepeatedSeededRequestIsACacheHitWithoutAnUpstreamCall() {
        String body = seeded(seed++, "");
        List<Event> first = run(body);
        List<Event> second = run(body);

        assertThat(upstreamCalls()).isEqualTo(1);
        assertThat(second.get(0).json().get("cache").asText()).isEqualTo("hit");
        assertThat(second.stream().map(Event::name).toList()).containsExactly("accepted", "image", "image", "done");
        assertThat(digests(second)).isEqualTo(digests(first));
        var done = second.get(second.size() - 1).json();
        assertThat(done.get("cache").asText()).isEqualTo("hit");
        assertThat(done.get("attempts").asInt()).isZero();
        given().contentType(ContentType.JSON).accept(ContentType.JSON).body(body).when().post("/v1/generations")
                .then().statusCode(202).header("X-Cache", "hit");
        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .body("{\"instances\":[{\"prompt\":\"dedup\"}],\"parameters\":" + body.replace("\"prompt\":\"dedup\",", "") + "}")
                .when().post("/v1/projects/p/locations/l/publishers/google/models/imagen-4.0-fast-generate-001:predict")
                .then().statusCode(200).header("X-Cache", "hit");
        assertThat(upstreamCalls()).isEqualTo(1);
    }

    @Test
    void omittedAndExplicitDefaultsAreTheSameRequest() {
        int s = seed++;
        run("{\"prompt\":\"dedup\",\"seed\":" + s + ",\"addWatermark\":false,\"sampleCount\":1}");
        List<Event> explicit = run("{\"prompt\":\"dedup\",\"seed\":" + s + ",\"addWatermark\":false,\"sampleCount\":1,"
                + "\"model\":\"imagen-4.0-fast-generate-001\",\"aspectRatio\":\"1:1\",\"enhancePrompt\":true,"
                + "\"includeRaiReason\":true,\"includeSafetyAttributes\":false,\"personGeneration\":\"allow_adult\","
                + "\"safetySetting\":\"block_some\",\"language\":\"auto\","
                + "\"outputOptions\":{\"mimeType\":\"image/png\",\"compressionQuality\":75}}");
        assertThat(explicit.get(0).json().get("cache").asText()).isEqualTo("hit");
        assertThat(upstreamCalls()).isEqualTo(1);
    }

    @Test
    void unseededRequestsAreNeverShared() {
        String body = "{\"prompt\":\"dedup unseeded\",\"sampleCount\":1}";
        List<List<Event>> streams = concurrently(2, body, "delay:500");
        assertThat(upstreamCalls()).isEqualTo(2);
        assertThat(streams).allMatch(events -> events.get(0).json().get("cache").asText().equals("miss"));
        assertThat(digests(streams.get(0))).doesNotContainAnyElementsOf(digests(streams.get(1)));
        assertThat(run(body).get(0).json().get("cache").asText()).isEqualTo("miss");
    }

    @Test
    void aFailureIsDeliveredToEveryWaiterAndNeverCachedAndTheNextWaveCallsOnce() {
        String body = seeded(seed++, "");
        List<List<Event>> failed = concurrently(10, body, "delay:800;400");
        assertThat(failed).allMatch(events -> events.get(events.size() - 1).name().equals("error"));
        assertThat(upstreamCalls()).isEqualTo(1);

        List<List<Event>> next = concurrently(20, body, "delay:800");
        assertThat(next).allMatch(events -> events.get(events.size() - 1).name().equals("done"));
        assertThat(upstreamCalls()).as("one call for the failed wave, one for the next").isEqualTo(2);
        assertThat(run(body).get(0).json().get("cache").asText()).isEqualTo("hit");
    }

    private List<List<Event>> concurrently(int n, String body, String fault) {
        return SseStreams.concurrently(n, base.resolve("/v1/generations"), body, Map.of("X-Simulator-Fault", fault), WAIT);
    }

    private List<Event> run(String body) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            return sse.readAll(WAIT);
        }
    }

    private static String seeded(int seed, String extra) {
        return "{\"prompt\":\"dedup\",\"sampleCount\":2,\"seed\":" + seed + ",\"addWatermark\":false" + extra + "}";
    }

    private long upstreamCalls() {
        return Math.round(metrics.counter("imagen.simulator.requests").count() - callsBefore);
    }
}

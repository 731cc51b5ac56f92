package imagen.gateway.dedup;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseStreams;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.TestImages;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** A hundred identical seeded requests reach Vertex (WireMock) once; the next one is a hit. */
@QuarkusTest
@TestProfile(WireMockVertexProfile.class)
class CoalescingAgainstVertexTest extends WireMockVertexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aHundredConcurrentIdenticalSeededRequestsMakeOneVertexCall() {
        String path = WireMockVertex.predictPath("imagen-4.0-fast-generate-001");
        vertex.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(VertexStubs.images(TestImages.png(8, 6, Color.GREEN), "image/png", 1))
                .withFixedDelay(1500)));
        String body = "{\"prompt\":\"coalesce " + UUID.randomUUID() + "\",\"sampleCount\":1,\"seed\":42,\"addWatermark\":false}";

        List<List<Event>> all = SseStreams.concurrently(100, base.resolve("/v1/generations"), body, Map.of(), WAIT);
        assertThat(all).allMatch(events -> events.get(events.size() - 1).name().equals("done"));
        vertex.verify(1, postRequestedFor(urlEqualTo(path)));

        try (SseClient again = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            assertThat(again.readAll(WAIT).get(0).json().get("cache").asText()).isEqualTo("hit");
        }
        vertex.verify(1, postRequestedFor(urlEqualTo(path)));
    }
}

package imagen.gateway.upstream;

import static imagen.gateway.support.SseStreams.names;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.TestImages;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The gateway's calls to Vertex AI (a WireMock) and how Vertex's answers become SSE events. */
@QuarkusTest
@TestProfile(WireMockVertexProfile.class)
class VertexUpstreamTest extends WireMockVertexTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final byte[] PNG = TestImages.png(8, 6, Color.ORANGE);
    private static final byte[] JPEG = TestImages.jpeg(16, 9, Color.BLUE);

    @Test
    void sendsEveryParameterCanonicallySpelledToTheExactPredictPath() {
        String prompt = "small boat on water in the morning, watercolor " + UUID.randomUUID();
        String path = WireMockVertex.predictPath("imagen-4.0-generate-001");
        String expected = """
                {"instances":[{"prompt":"%s","negativePrompt":"blurry, text"}],
                 "parameters":{"sampleCount":2,"seed":42,"addWatermark":false,"aspectRatio":"16:9",
                   "enhancePrompt":false,"includeRaiReason":true,"includeSafetyAttributes":false,
                   "outputOptions":{"mimeType":"image/jpeg","compressionQuality":80},
                   "personGeneration":"allow_adult","safetySetting":"block_medium_and_above",
                   "sampleImageSize":"2K","language":"en","storageUri":"gs://bucket/out/"}}""".formatted(prompt);
        vertex.stubFor(post(urlEqualTo(path))
                .withHeader("Content-Type", containing("application/json"))
                .withHeader("Authorization", absent())
                .withHeader("X-Simulator-Fault", absent())
                .withRequestBody(equalToJson(expected))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(JPEG, "image/jpeg", 2))));

        // legacy safety name (block_some) and the simulator's fault header: neither reaches Vertex as sent
        String body = """
                {"model":"imagen-4.0-generate-001","prompt":"%s","negativePrompt":"blurry, text",
                 "sampleCount":2,"seed":42,"addWatermark":false,"aspectRatio":"16:9","enhancePrompt":false,
                 "includeRaiReason":true,"includeSafetyAttributes":false,
                 "outputOptions":{"mimeType":"image/jpeg","compressionQuality":80},
                 "personGeneration":"allow_adult","safetySetting":"block_some","sampleImageSize":"2K",
                 "language":"en","storageUri":"gs://bucket/out/"}""".formatted(prompt);
        List<Event> events = stream(body, Map.of("X-Simulator-Fault", "503"));

        assertThat(names(events)).containsExactly("accepted", "attempt", "image", "image", "done");
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(path)).withRequestBody(equalToJson(expected)));
        assertThat(vertex.getAllServeEvents()).hasSize(1);
    }

    @Test
    void leavesParametersTheCallerOmittedToVertex() {
        String prompt = "lighthouse at dusk " + UUID.randomUUID();
        String path = WireMockVertex.predictPath("imagen-4.0-fast-generate-001");
        vertex.stubFor(post(urlEqualTo(path))
                .withRequestBody(equalToJson("{\"instances\":[{\"prompt\":\"" + prompt + "\"}],\"parameters\":{}}"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(PNG, "image/png", 4))));

        List<Event> events = stream("{\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "image", "image", "image", "image", "done");
        assertThat(events.get(1).json().get("location").asText()).isEqualTo(WireMockVertex.LOCATION);
    }

    @Test
    void mapsImagesEnhancedPromptSafetyAttributesAndFilteredPredictionsToEvents() {
        String prompt = "harbour at night " + UUID.randomUUID();
        ObjectNode answer = VertexStubs.answer();
        ArrayNode predictions = (ArrayNode) answer.get("predictions");
        VertexStubs.image(predictions, PNG, "image/png").put("prompt", "An enhanced harbour at night, oil painting")
                .putObject("safetyAttributes").put("contentType", "image")
                .set("categories", predictions.arrayNode().add("Violence"));
        ((ObjectNode) predictions.get(0).get("safetyAttributes")).set("scores", predictions.arrayNode().add(0.1));
        predictions.addObject().put("raiFilteredReason",
                "56562880: Your current safety filter threshold filtered out 1 generated image.");
        ObjectNode promptSafety = predictions.addObject().put("contentType", "Positive Prompt");
        promptSafety.putObject("safetyAttributes").set("categories", predictions.arrayNode().add("Hate"));
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath("imagen-4.0-fast-generate-001")))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(answer.toString())));

        List<Event> events = stream("{\"prompt\":\"" + prompt + "\",\"sampleCount\":2,\"includeSafetyAttributes\":true}",
                Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "image", "filtered", "done");
        var image = events.get(2).json();
        assertThat(image.get("index").asInt()).isZero();
        assertThat(image.get("mimeType").asText()).isEqualTo("image/png");
        assertThat(image.get("prompt").asText()).isEqualTo("An enhanced harbour at night, oil painting");
        assertThat(image.get("safetyAttributes").get("categories").get(0).asText()).isEqualTo("Violence");
        assertThat(image.get("safetyAttributes").get("scores").get(0).asDouble()).isEqualTo(0.1);
        assertThat(image.get("bytes").asInt()).isEqualTo(PNG.length);
        byte[] served = given().when().get(image.get("url").asText()).then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertThat(served).isEqualTo(PNG);

        var filtered = events.get(3).json();
        assertThat(filtered.get("index").asInt()).isEqualTo(1);
        assertThat(filtered.get("reason").asText()).startsWith("56562880:");

        var done = events.get(4).json();
        assertThat(done.get("images").asInt()).isEqualTo(1);
        assertThat(done.get("filtered").asInt()).isEqualTo(1);
        assertThat(done.get("promptSafetyAttributes").get("categories").get(0).asText()).isEqualTo("Hate");
    }

    @Test
    void surfacesCloudStorageUrisWhenVertexWroteTheImagesToStorageUri() {
        String prompt = "meadow " + UUID.randomUUID();
        ObjectNode answer = VertexStubs.answer();
        ArrayNode predictions = (ArrayNode) answer.get("predictions");
        predictions.addObject().put("gcsUri", "gs://bucket/out/1700000000/sample_0.png").put("mimeType", "image/png");
        predictions.addObject().put("gcsUri", "gs://bucket/out/1700000000/sample_1.png").put("mimeType", "image/png");
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath("imagen-4.0-fast-generate-001")))
                .withRequestBody(equalToJson("{\"instances\":[{\"prompt\":\"" + prompt + "\"}],"
                        + "\"parameters\":{\"sampleCount\":2,\"storageUri\":\"gs://bucket/out/\"}}"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(answer.toString())));

        List<Event> events = stream("{\"prompt\":\"" + prompt + "\",\"sampleCount\":2,\"storageUri\":\"gs://bucket/out/\"}",
                Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "image", "image", "done");
        assertThat(events.get(2).json().get("gcsUri").asText()).isEqualTo("gs://bucket/out/1700000000/sample_0.png");
        assertThat(events.get(3).json().get("gcsUri").asText()).isEqualTo("gs://bucket/out/1700000000/sample_1.png");
        assertThat(events.get(2).json().has("url")).as("no bytes, so nothing to serve").isFalse();
        assertThat(events.get(4).json().get("images").asInt()).isEqualTo(2);
        assertThat(events.get(4).json().get("filtered").asInt()).isZero();
    }

    private List<Event> stream(String body, Map<String, String> headers) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, headers)) {
            assertThat(sse.status()).isEqualTo(200);
            return sse.readAll(WAIT);
        }
    }

}

package imagen.gateway.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static imagen.gateway.support.GeminiStubs.blocked;
import static imagen.gateway.support.GeminiStubs.end;
import static imagen.gateway.support.GeminiStubs.errorChunk;
import static imagen.gateway.support.GeminiStubs.finish;
import static imagen.gateway.support.GeminiStubs.image;
import static imagen.gateway.support.GeminiStubs.sse;
import static imagen.gateway.support.GeminiStubs.streamPath;
import static imagen.gateway.support.GeminiStubs.text;
import static imagen.gateway.support.GeminiStubs.thoughtImage;
import static imagen.gateway.support.GeminiStubs.thoughtText;
import static imagen.gateway.support.GeminiStubs.usage;
import static imagen.gateway.support.SseStreams.names;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.SseStreams;
import imagen.gateway.support.TestImages;
import imagen.gateway.support.WireMockGeminiProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The gateway's calls to Vertex AI's Gemini image models (a WireMock answering
 * {@code :streamGenerateContent?alt=sse}) and how the streams become the gateway's SSE events.
 */
@QuarkusTest
@TestProfile(WireMockGeminiProfile.class)
class GeminiUpstreamTest extends WireMockVertexTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String FLASH = "gemini-3.1-flash-image";
    private static final String PRO = "gemini-3-pro-image";
    private static final byte[] PNG = TestImages.png(8, 6, Color.ORANGE);
    private static final byte[] JPEG = TestImages.jpeg(16, 9, Color.BLUE);
    private static final byte[] SKETCH = TestImages.png(4, 3, Color.GRAY);

    @Inject
    MeterRegistry metrics;

    @Test
    void sendsEveryMappedFieldToTheStreamPath() {
        String prompt = "a red fox in snow " + UUID.randomUUID();
        byte[] reference = TestImages.png(2, 2, Color.RED);
        String expected = """
                {"contents":[{"role":"user","parts":[{"text":"%s"},
                   {"inlineData":{"mimeType":"image/png","data":"%s"}}]}],
                 "generationConfig":{"responseModalities":["TEXT","IMAGE"],"seed":42,
                   "imageConfig":{"aspectRatio":"16:9","imageSize":"2K","personGeneration":"ALLOW_NONE",
                     "imageOutputOptions":{"mimeType":"image/jpeg","compressionQuality":80}},
                   "thinkingConfig":{"thinkingLevel":"HIGH"}},
                 "safetySettings":[
                   {"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"},
                   {"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_ONLY_HIGH"},
                   {"category":"HARM_CATEGORY_SEXUALLY_EXPLICIT","threshold":"BLOCK_ONLY_HIGH"},
                   {"category":"HARM_CATEGORY_DANGEROUS_CONTENT","threshold":"BLOCK_ONLY_HIGH"}]}"""
                .formatted(prompt, Base64.getEncoder().encodeToString(reference));
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .withHeader("Content-Type", containing("application/json"))
                .withHeader("Accept", equalTo("text/event-stream"))
                .withHeader("Authorization", absent())
                .withHeader("X-Simulator-Fault", absent())
                .withRequestBody(equalToJson(expected))
                .willReturn(stream(image(JPEG, "image/jpeg"), end("STOP", 20, 0, 1120))));

        String body = """
                {"model":"gemini-3.1-flash-image","prompt":"%s","seed":42,"aspectRatio":"16:9","imageSize":"2K",
                 "personGeneration":"dont_allow","safetySetting":"block_few","thinkingLevel":"high",
                 "outputOptions":{"mimeType":"image/jpeg","compressionQuality":80},
                 "images":[{"mimeType":"image/png","data":"%s"}]}"""
                .formatted(prompt, Base64.getEncoder().encodeToString(reference));
        List<Event> events = stream(body, Map.of("X-Simulator-Fault", "503"));

        assertThat(names(events)).containsExactly("accepted", "attempt", "image", "done");
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(FLASH))).withRequestBody(equalToJson(expected)));
        assertThat(vertex.getAllServeEvents()).hasSize(1);
        JsonNode image = events.get(2).json();
        assertThat(image.get("mimeType").asText()).isEqualTo("image/jpeg");
        assertThat(served(image)).isEqualTo(JPEG);
    }

    @Test
    void leavesWhatTheCallerOmittedToVertex() {
        String prompt = "lighthouse at dusk " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .withRequestBody(equalToJson("""
                        {"contents":[{"role":"user","parts":[{"text":"%s"}]}],
                         "generationConfig":{"responseModalities":["TEXT","IMAGE"]}}""".formatted(prompt)))
                .willReturn(stream(image(PNG, "image/png"), end("STOP", 7, 0, 1120))));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "image", "done");
        assertThat(events.get(0).json().get("sampleCount").asInt()).isEqualTo(1);
    }

    @Test
    void twoSamplesAreTwoCallsWithConsecutiveSeeds() {
        String prompt = "two boats " + UUID.randomUUID();
        String call = """
                {"contents":[{"role":"user","parts":[{"text":"%s"}]}],
                 "generationConfig":{"responseModalities":["TEXT","IMAGE"],"seed":%d}}""";
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH))).withRequestBody(equalToJson(call.formatted(prompt, 7)))
                .willReturn(stream(image(PNG, "image/png"), end("STOP", 10, 0, 1120))));
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH))).withRequestBody(equalToJson(call.formatted(prompt, 8)))
                .willReturn(stream(image(JPEG, "image/jpeg"), end("STOP", 10, 0, 1120))));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt
                + "\",\"sampleCount\":2,\"seed\":7}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "attempt", "image", "image", "done");
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(FLASH))).withRequestBody(equalToJson(call.formatted(prompt, 7))));
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(FLASH))).withRequestBody(equalToJson(call.formatted(prompt, 8))));
        assertThat(served(events.get(3).json())).isEqualTo(PNG);
        assertThat(events.get(3).json().get("index").asInt()).isZero();
        assertThat(served(events.get(4).json())).isEqualTo(JPEG);
        assertThat(events.get(4).json().get("index").asInt()).isEqualTo(1);
        JsonNode done = events.get(5).json();
        assertThat(done.get("images").asInt()).isEqualTo(2);
        assertThat(done.get("attempts").asInt()).isEqualTo(2);
        assertThat(done.get("usage").get("totalTokenCount").asInt()).as("summed over the samples").isEqualTo(2 * 1130);
        assertThat(done.get("usage").get("candidatesTokensDetails").get(0).get("tokenCount").asInt()).isEqualTo(2240);
    }

    @Test
    void streamsTextAndPreviewsWhileTheProModelDrawsInItsOwnLocation() {
        String prompt = "harbour at night " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(PRO, "global")))
                .withRequestBody(matchingJsonPath("$.generationConfig.thinkingConfig.includeThoughts", equalTo("true")))
                .willReturn(stream(thoughtText("Planning the composition"), usage(text("Here is your harbour."), 12, 0, 0),
                        thoughtImage(SKETCH, "image/png"), image(PNG, "image/png"), end("STOP", 12, 6, 1120))));
        double tokensBefore = imageTokens(PRO);

        List<Event> events = stream("{\"model\":\"gemini-3-pro-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "text", "preview", "image", "done");
        assertThat(events.get(1).json().get("location").asText()).as("the model's own location list").isEqualTo("global");
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(PRO, "global"))));
        assertThat(events.get(2).json().get("text").asText()).isEqualTo("Here is your harbour.");
        assertThat(events.get(2).json().get("index").asInt()).isZero();
        JsonNode preview = events.get(3).json();
        assertThat(preview.get("mimeType").asText()).isEqualTo("image/png");
        assertThat(served(preview)).isEqualTo(SKETCH);
        assertThat(served(events.get(4).json())).isEqualTo(PNG);
        JsonNode done = events.get(5).json();
        assertThat(done.get("images").asInt()).isEqualTo(1);
        assertThat(done.get("filtered").asInt()).isZero();
        assertThat(done.get("usage").get("totalTokenCount").asInt()).as("the last chunk's totals").isEqualTo(1138);
        assertThat(done.get("usage").get("promptTokenCount").asInt()).isEqualTo(12);
        assertThat(imageTokens(PRO) - tokensBefore).isEqualTo(1120);
    }

    @Test
    void aBlockedPromptIsFilteredWithItsReason() {
        String prompt = "something refused " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .willReturn(stream(blocked("PROHIBITED_CONTENT", "The prompt violates the usage policy."))));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "filtered", "done");
        assertThat(events.get(2).json().get("reason").asText())
                .isEqualTo("prompt blocked: PROHIBITED_CONTENT: The prompt violates the usage policy.");
        assertThat(events.get(3).json().get("filtered").asInt()).isEqualTo(1);
        assertThat(events.get(3).json().get("images").asInt()).isZero();
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(FLASH))));
    }

    @Test
    void anImageWithheldForSafetyIsFiltered() {
        String prompt = "a risky picture " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .willReturn(stream(usage(finish(text("Here you go."), "IMAGE_SAFETY",
                        "Unable to show the generated image."), 8, 4, 0))));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "text", "filtered", "done");
        assertThat(events.get(3).json().get("reason").asText())
                .isEqualTo("IMAGE_SAFETY: Unable to show the generated image.");
        assertThat(events.get(4).json().get("filtered").asInt()).isEqualTo(1);
    }

    @Test
    void noImageIsOneErrorNamingItAndCarryingTheText() {
        String prompt = "a poem instead " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .willReturn(stream(text("I would rather write: "), finish(text("roses are red."), "NO_IMAGE", null))));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "text", "text", "error");
        JsonNode error = events.get(4).json();
        assertThat(error.toString()).contains("NO_IMAGE").contains("I would rather write: roses are red.");
        assertThat(error.get("status").asInt()).isEqualTo(422);
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(FLASH))));
    }

    @Test
    void aQuotaErrorInsideTheStreamIsRetriedWithTheServersWait() {
        String prompt = "busy afternoon " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH))).inScenario("quota").whenScenarioStateIs(STARTED)
                .willReturn(stream(text("Starting"), errorChunk(429, "RESOURCE_EXHAUSTED", "Resource exhausted.", "0.05s")))
                .willSetStateTo("recovered"));
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH))).inScenario("quota").whenScenarioStateIs("recovered")
                .willReturn(stream(image(PNG, "image/png"), end("STOP", 5, 0, 1120))));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "text", "retry", "attempt", "image", "done");
        JsonNode retry = events.get(3).json();
        assertThat(retry.get("status").asInt()).isEqualTo(429);
        assertThat(retry.get("reason").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(retry.get("delayMs").asLong()).as("google.rpc.RetryInfo's wait").isEqualTo(50);
        assertThat(events.get(6).json().get("attempts").asInt()).isEqualTo(2);
        vertex.verify(exactly(2), postRequestedFor(urlEqualTo(streamPath(FLASH))));
    }

    @Test
    void aFiveMegabyteImageInOneLineDecodesWhateverTheNetworkChunks() {
        String prompt = "a very large picture " + UUID.randomUUID();
        byte[] large = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(large);
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .willReturn(stream(text("Big one."), image(large, "image/png"), end("STOP", 5, 3, 1120))
                        .withChunkedDribbleDelay(60, 300)));

        List<Event> events = stream("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\"}", Map.of());

        assertThat(names(events)).containsExactly("accepted", "attempt", "text", "image", "done");
        JsonNode image = events.get(3).json();
        assertThat(image.get("bytes").asInt()).isEqualTo(large.length);
        assertThat(served(image)).isEqualTo(large);
    }

    @Test
    void identicalSeededRequestsShareOneCall() {
        String prompt = "shared sunrise " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(FLASH)))
                .willReturn(stream(image(PNG, "image/png"), end("STOP", 5, 0, 1120)).withFixedDelay(500)));
        String body = "{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"" + prompt + "\",\"seed\":99}";

        List<List<Event>> streams = SseStreams.concurrently(5, base.resolve("/v1/generations"), body, Map.of(), WAIT);

        assertThat(streams).allSatisfy(events -> assertThat(names(events)).last().isEqualTo("done"));
        assertThat(streams.stream().map(SseStreams::digests).distinct()).hasSize(1);
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(FLASH))));
    }

    private static ResponseDefinitionBuilder stream(Object... chunks) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                .withBody(sse(chunks));
    }

    private double imageTokens(String model) {
        var counter = metrics.find("imagen.upstream.image.tokens").tag("model", model).counter();
        return counter == null ? 0 : counter.count();
    }

    private static byte[] served(JsonNode image) {
        return given().when().get(image.get("url").asText()).then().statusCode(200)
                .contentType(image.get("mimeType").asText()).extract().asByteArray();
    }

    private List<Event> stream(String body, Map<String, String> headers) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, headers)) {
            assertThat(sse.status()).isEqualTo(200);
            return sse.readAll(WAIT);
        }
    }
}

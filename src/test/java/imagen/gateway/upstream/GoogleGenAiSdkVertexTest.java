package imagen.gateway.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.awt.Color;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.google.genai.Client;
import com.google.genai.errors.ApiException;
import com.google.genai.types.GeneratedImage;

import imagen.gateway.support.TestImages;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Google's official Gen AI SDK (Java, Vertex mode) → gateway → Vertex AI played by WireMock. */
@QuarkusTest
@TestProfile(WireMockVertexProfile.class)
class GoogleGenAiSdkVertexTest extends WireMockVertexTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MODEL = "imagen-4.0-generate-001";
    private static final byte[] JPEG = TestImages.jpeg(1408, 768, Color.CYAN);

    @Test
    void officialSdkRequestReachesVertexCanonicallyAndItsAnswerReachesTheSdk() {
        String prompt = "small boat on water in the morning " + UUID.randomUUID();
        String forwarded = """
                {"instances":[{"prompt":"%s"}],
                 "parameters":{"sampleCount":2,"seed":5,"addWatermark":false,"aspectRatio":"16:9",
                   "enhancePrompt":true,"outputOptions":{"mimeType":"image/jpeg"}}}""".formatted(prompt);
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .withHeader("Authorization", absent())
                .withRequestBody(equalToJson(forwarded))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(JPEG, "image/jpeg", 2))));

        List<GeneratedImage> images;
        try (Client client = GoogleGenAiSdkTest.vertexClient(base.toString().replaceAll("/$", ""))) {
            images = client.models.generateImages(MODEL, prompt, GoogleGenAiSdkTest.landscapeJpegs())
                    .generatedImages().orElseThrow();
        }

        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(WireMockVertex.predictPath(MODEL))));
        LoggedRequest received = vertex.getAllServeEvents().get(0).getRequest();
        System.out.println("gateway -> Vertex for an SDK call: " + received.getUrl() + "\n" + received.getHeaders()
                + "\n" + received.getBodyAsString());
        assertThat(images).hasSize(2);
        for (GeneratedImage image : images) {
            assertThat(image.image().orElseThrow().imageBytes().orElseThrow()).isEqualTo(JPEG);
            assertThat(image.image().get().mimeType()).contains("image/jpeg");
        }
    }

    @Test
    void sdkSeesVertexErrorsInGooglesTermsAndMakesOneAttempt() {
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.error(503, "UNAVAILABLE", "The service is currently unavailable.", null))));

        ApiException failure;
        try (Client client = GoogleGenAiSdkTest.vertexClient(base.toString().replaceAll("/$", ""))) {
            failure = catchThrowableOfType(ApiException.class, () -> client.models.generateImages(MODEL,
                    "outage " + UUID.randomUUID(), GoogleGenAiSdkTest.landscapeJpegs()));
        }

        assertThat(failure).isNotNull();
        assertThat(failure.code()).isEqualTo(503);
        assertThat(failure.status()).isEqualTo("UNAVAILABLE");
        assertThat(failure.message()).isEqualTo("The service is currently unavailable.");
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(WireMockVertex.predictPath(MODEL))));
    }

    /**
     * Records what the SDK itself sends (pointed straight at the fake Vertex), then replays that
     * exact request, headers included, to the gateway: whatever the SDK sends, the gateway takes.
     */
    @Test
    void gatewayAcceptsTheSdksRequestVerbatim() throws Exception {
        String prompt = "lighthouse at dusk " + UUID.randomUUID();
        vertex.stubFor(post(urlPathMatching("/v1beta1/.*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(JPEG, "image/jpeg", 2))));
        try (Client client = GoogleGenAiSdkTest.vertexClient("http://127.0.0.1:" + vertex.port())) {
            assertThat(client.models.generateImages(MODEL, prompt, GoogleGenAiSdkTest.landscapeJpegs())
                    .generatedImages().orElseThrow()).hasSize(2);
        }
        LoggedRequest sdk = vertex.getAllServeEvents().get(0).getRequest();
        System.out.println("SDK -> Vertex: " + sdk.getMethod() + " " + sdk.getUrl() + "\n" + sdk.getHeaders()
                + "\n" + sdk.getBodyAsString());
        assertThat(sdk.getUrl()).isEqualTo(
                "/v1beta1/projects/p/locations/us-central1/publishers/google/models/" + MODEL + ":predict");
        assertThat(sdk.getHeader("Authorization")).isEqualTo("Bearer dummy-sdk-token");
        JsonNode body = MAPPER.readTree(sdk.getBodyAsString());
        assertThat(body.at("/instances/0/prompt").asText()).isEqualTo(prompt);
        assertThat(body.at("/parameters/sampleCount").asInt()).isEqualTo(2);

        vertex.resetAll();
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(JPEG, "image/jpeg", 2))));
        var replay = given().urlEncodingEnabled(false);
        for (var header : sdk.getHeaders().all()) {
            String name = header.key();
            if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")
                    && !name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Accept-Encoding")) {
                header.values().forEach(value -> replay.header(name, value));
            }
        }
        JsonNode answer = MAPPER.readTree(replay.body(sdk.getBody()).when().post(sdk.getUrl())
                .then().statusCode(200).extract().asString());

        assertThat(answer.get("predictions")).hasSize(2);
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(WireMockVertex.predictPath(MODEL))));
    }
}

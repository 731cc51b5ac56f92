package imagen.gateway.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.support.TestImages;
import imagen.gateway.support.VertexStubs;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** The gateway's own Vertex-compatible {@code :predict}, in front of a Vertex AI played by WireMock. */
@QuarkusTest
@TestProfile(WireMockVertexProfile.class)
class VertexCompatEndpointTest extends WireMockVertexTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MODEL = "imagen-4.0-generate-001";
    private static final byte[] PNG = TestImages.png(4, 4, Color.GREEN);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "/v1/projects/p/locations/l/publishers/google/models/" + MODEL + ":predict",
            "/v1beta1/projects/p/locations/l/publishers/google/models/" + MODEL + ":predict",
            "/v1beta1/publishers/google/models/" + MODEL + ":predict"})
    void acceptsWhatAnSdkSendsAndForwardsItCanonicallyWithoutTheCallersAuthorization(String path) {
        String prompt = "a red fox in snow " + UUID.randomUUID();
        String sdkBody = """
                {"instances":[{"prompt":"%s","negativePrompt":"text"}],
                 "parameters":{"sampleCount":1,"seed":9,"addWatermark":false,"aspectRatio":"3:4",
                   "safetySetting":"BLOCK_MEDIUM_AND_ABOVE","personGeneration":"ALLOW_ADULT",
                   "guidanceScale":7.5,"includeRaiReason":true,"sampleImageSize":"2k","language":"en",
                   "outputOptions":{"mimeType":"image/png","compressionQuality":90}},
                 "labels":{"team":"web"}}""".formatted(prompt);
        String forwarded = """
                {"instances":[{"prompt":"%s","negativePrompt":"text"}],
                 "parameters":{"sampleCount":1,"seed":9,"addWatermark":false,"aspectRatio":"3:4",
                   "safetySetting":"block_medium_and_above","personGeneration":"allow_adult",
                   "guidanceScale":7.5,"includeRaiReason":true,"sampleImageSize":"2K","language":"en",
                   "outputOptions":{"mimeType":"image/png","compressionQuality":90}}}""".formatted(prompt);
        String upstreamPath = WireMockVertex.predictPath(MODEL);
        vertex.stubFor(post(urlEqualTo(upstreamPath))
                .withHeader("Authorization", absent())
                .withHeader("X-Simulator-Fault", absent())
                .withRequestBody(equalToJson(forwarded))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(VertexStubs.images(PNG, "image/png", 1))));

        JsonNode answer = read(given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .header("Authorization", "Bearer callers-token")
                .header("x-goog-api-client", "google-genai-sdk/2.0.0 gl-java/17")
                .header("x-server-timeout", "120")
                .header("X-Simulator-Fault", "500")
                .body(sdkBody)
                .when().post(path)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().asString());

        assertThat(answer.get("predictions")).hasSize(1);
        assertThat(Base64.getDecoder().decode(answer.get("predictions").get(0).get("bytesBase64Encoded").asText()))
                .isEqualTo(PNG);
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(upstreamPath)).withRequestBody(equalToJson(forwarded)));
        assertThat(vertex.getAllServeEvents().get(0).getRequest().getHeader("Authorization"))
                .as("the caller's Authorization never reaches Vertex").isNull();
    }

    @Test
    void answersWithEveryPredictionFieldVertexSent() {
        String prompt = "harbour at night " + UUID.randomUUID();
        ObjectNode stub = VertexStubs.answer();
        ArrayNode predictions = (ArrayNode) stub.get("predictions");
        VertexStubs.image(predictions, PNG, "image/png").put("prompt", "An enhanced harbour at night")
                .putObject("safetyAttributes").put("contentType", "image").putArray("categories").add("Violence");
        predictions.addObject().put("raiFilteredReason", "56562880: filtered out 1 generated image.");
        predictions.addObject().put("gcsUri", "gs://bucket/out/sample_2.png").put("mimeType", "image/png");
        predictions.addObject().put("contentType", "Positive Prompt").putObject("safetyAttributes")
                .putArray("categories").add("Hate");
        vertex.stubFor(post(urlEqualTo(WireMockVertex.predictPath(MODEL)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(stub.toString())));

        JsonNode answer = read(given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .body("{\"instances\":[{\"prompt\":\"" + prompt + "\"}],\"parameters\":{\"sampleCount\":3,"
                        + "\"includeSafetyAttributes\":true,\"includeRaiReason\":true}}")
                .when().post("/v1/projects/p/locations/us-central1/publishers/google/models/" + MODEL + ":predict")
                .then().statusCode(200).header("X-Cache", "miss")
                .extract().asString());

        JsonNode out = answer.get("predictions");
        assertThat(out).hasSize(4);
        assertThat(out.get(0).get("bytesBase64Encoded").asText()).isEqualTo(Base64.getEncoder().encodeToString(PNG));
        assertThat(out.get(0).get("mimeType").asText()).isEqualTo("image/png");
        assertThat(out.get(0).get("prompt").asText()).isEqualTo("An enhanced harbour at night");
        assertThat(out.get(0).get("safetyAttributes")).isEqualTo(predictions.get(0).get("safetyAttributes"));
        assertThat(out.get(1).get("raiFilteredReason").asText()).isEqualTo("56562880: filtered out 1 generated image.");
        assertThat(out.get(1).has("bytesBase64Encoded")).isFalse();
        assertThat(out.get(2).get("gcsUri").asText()).isEqualTo("gs://bucket/out/sample_2.png");
        assertThat(out.get(2).get("mimeType").asText()).isEqualTo("image/png");
        assertThat(out.get(2).has("bytesBase64Encoded")).isFalse();
        assertThat(out.get(3).get("contentType").asText()).isEqualTo("Positive Prompt");
        assertThat(out.get(3).get("safetyAttributes").get("categories").get(0).asText()).isEqualTo("Hate");
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}

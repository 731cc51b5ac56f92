package imagen.gateway.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static imagen.gateway.support.GeminiStubs.end;
import static imagen.gateway.support.GeminiStubs.finish;
import static imagen.gateway.support.GeminiStubs.image;
import static imagen.gateway.support.GeminiStubs.sse;
import static imagen.gateway.support.GeminiStubs.streamPath;
import static imagen.gateway.support.GeminiStubs.text;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import imagen.gateway.support.TestImages;
import imagen.gateway.support.WireMockGeminiProfile;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * A retired Imagen model served by its Gemini replacement: Imagen's {@code :predict} in, one
 * Gemini stream per sample out (at the replacement's thinking level), and the answer back in
 * Imagen's shape.
 */
@QuarkusTest
@TestProfile(WireMockGeminiProfile.class)
class GeminiServesImagenTest extends WireMockVertexTest {

    private static final String IMAGEN = "imagen-4.0-fast-generate-001";
    private static final String GEMINI = "gemini-3.1-flash-image";
    private static final byte[] PNG = TestImages.png(8, 6, Color.ORANGE);
    private static final byte[] JPEG = TestImages.jpeg(16, 9, Color.BLUE);

    @Test
    void answersPredictWithOneGeminiCallPerSampleInImagensShape() {
        String prompt = "small boat on water " + UUID.randomUUID();
        String call = """
                {"contents":[{"role":"user","parts":[{"text":"%s"}]}],
                 "generationConfig":{"responseModalities":["TEXT","IMAGE"],"seed":%d,
                   "imageConfig":{"aspectRatio":"16:9","personGeneration":"ALLOW_ALL",
                     "imageOutputOptions":{"mimeType":"image/jpeg","compressionQuality":70}},
                   "thinkingConfig":{"thinkingLevel":"MINIMAL"}},
                 "safetySettings":[
                   {"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"},
                   {"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_ONLY_HIGH"},
                   {"category":"HARM_CATEGORY_SEXUALLY_EXPLICIT","threshold":"BLOCK_ONLY_HIGH"},
                   {"category":"HARM_CATEGORY_DANGEROUS_CONTENT","threshold":"BLOCK_ONLY_HIGH"}]}""";
        vertex.stubFor(post(urlEqualTo(streamPath(GEMINI))).withRequestBody(equalToJson(call.formatted(prompt, 5)))
                .willReturn(stream(text("A boat."), image(JPEG, "image/jpeg"), end("STOP", 9, 2, 1120))));
        vertex.stubFor(post(urlEqualTo(streamPath(GEMINI))).withRequestBody(equalToJson(call.formatted(prompt, 6)))
                .willReturn(stream(image(PNG, "image/png"), end("STOP", 9, 0, 1120))));

        Response answer = predict("""
                {"instances":[{"prompt":"%s"}],
                 "parameters":{"sampleCount":2,"seed":5,"addWatermark":false,"aspectRatio":"16:9",
                   "personGeneration":"ALLOW_ALL","safetySetting":"block_few",
                   "outputOptions":{"mimeType":"image/jpeg","compressionQuality":70}}}""".formatted(prompt));

        answer.then().statusCode(200).contentType(ContentType.JSON).header("X-Served-By", GEMINI);
        JsonPath json = answer.jsonPath();
        assertThat(json.getList("predictions")).hasSize(2);
        assertThat(Base64.getDecoder().decode(json.getString("predictions[0].bytesBase64Encoded"))).isEqualTo(JPEG);
        assertThat(json.getString("predictions[0].mimeType")).isEqualTo("image/jpeg");
        assertThat(Base64.getDecoder().decode(json.getString("predictions[1].bytesBase64Encoded"))).isEqualTo(PNG);
        assertThat(json.getString("predictions[1].mimeType")).isEqualTo("image/png");
        vertex.verify(exactly(2), postRequestedFor(urlEqualTo(streamPath(GEMINI))));
        vertex.verify(exactly(0), postRequestedFor(urlMatching(".*:predict")));
    }

    @Test
    void anImagenSampleCountDefaultsToFourGeminiCalls() {
        String prompt = "four lighthouses " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(GEMINI))).withRequestBody(equalToJson("""
                {"contents":[{"role":"user","parts":[{"text":"%s"}]}],
                 "generationConfig":{"responseModalities":["TEXT","IMAGE"],"thinkingConfig":{"thinkingLevel":"MINIMAL"}}}"""
                .formatted(prompt)))
                .willReturn(stream(image(PNG, "image/png"), end("STOP", 9, 0, 1120))));

        Response answer = predict("{\"instances\":[{\"prompt\":\"" + prompt + "\"}],\"parameters\":{}}");

        answer.then().statusCode(200).header("X-Served-By", GEMINI);
        assertThat(answer.jsonPath().getList("predictions")).hasSize(4);
        vertex.verify(exactly(4), postRequestedFor(urlEqualTo(streamPath(GEMINI))));
    }

    @Test
    void anImageWithheldForSafetyIsAFilteredPrediction() {
        String prompt = "a risky picture " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(GEMINI)))
                .willReturn(stream(finish(text("Sorry."), "IMAGE_SAFETY", "Unable to show the generated image."))));

        Response answer = predict("{\"instances\":[{\"prompt\":\"" + prompt + "\"}],\"parameters\":{\"sampleCount\":1}}");

        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("predictions[0].raiFilteredReason"))
                .isEqualTo("IMAGE_SAFETY: Unable to show the generated image.");
        assertThat(answer.jsonPath().getString("predictions[0].bytesBase64Encoded")).isNull();
    }

    @Test
    void noImageIsAnErrorInGooglesEnvelopeNamingTheReason() {
        String prompt = "a poem instead " + UUID.randomUUID();
        vertex.stubFor(post(urlEqualTo(streamPath(GEMINI)))
                .willReturn(stream(finish(text("Here is a poem instead."), "NO_IMAGE", null))));

        Response answer = predict("{\"instances\":[{\"prompt\":\"" + prompt + "\"}],\"parameters\":{\"sampleCount\":1}}");

        answer.then().statusCode(422);
        assertThat(answer.jsonPath().getInt("error.code")).isEqualTo(422);
        assertThat(answer.jsonPath().getString("error.message")).contains("NO_IMAGE").contains("Here is a poem instead.");
        vertex.verify(exactly(1), postRequestedFor(urlEqualTo(streamPath(GEMINI))));
    }

    private Response predict(String body) {
        return given().urlEncodingEnabled(false).contentType(ContentType.JSON).body(body)
                .post("/v1/projects/p/locations/l/publishers/google/models/" + IMAGEN + ":predict");
    }

    private static ResponseDefinitionBuilder stream(Object... chunks) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(sse(chunks));
    }
}

package imagen.gateway.simulator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** The embedded fake Vertex AI Imagen {@code :predict}, called directly with Vertex bodies (DESIGN §5). */
@QuarkusTest
class SimulatorResourceTest {

    private static final String PREDICT =
            "/simulator/v1/projects/p/locations/us-central1/publishers/google/models/imagen-4.0-generate-001:predict";
    private static final String RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void identicalSeededBodiesGiveByteIdenticalImages() {
        String body = vertex("a lighthouse at dusk", "'sampleCount':2,'seed':42,'addWatermark':false");
        List<String> first = images(predict(body));
        List<String> second = images(predict(body));
        assertEquals(2, first.size());
        assertEquals(first, second);
        assertNotEquals(first.get(0), first.get(1), "the samples of one request should differ");
    }

    @Test
    void differentSeedsGiveDifferentImages() {
        String a = images(predict(vertex("a lighthouse at dusk", "'sampleCount':1,'seed':42,'addWatermark':false"))).get(0);
        String b = images(predict(vertex("a lighthouse at dusk", "'sampleCount':1,'seed':43,'addWatermark':false"))).get(0);
        assertNotEquals(a, b);
    }

    @Test
    void differentPromptsWithTheSameSeedGiveDifferentImages() {
        String a = images(predict(vertex("a lighthouse at dusk", "'sampleCount':1,'seed':42,'addWatermark':false"))).get(0);
        String b = images(predict(vertex("a windmill at dawn", "'sampleCount':1,'seed':42,'addWatermark':false"))).get(0);
        assertNotEquals(a, b);
    }

    @ParameterizedTest(name = "{0} {1} → {2}x{3}")
    @CsvSource({
            "1:1,  1K, 1024, 1024",
            "3:4,  1K, 896,  1280",
            "4:3,  1K, 1280, 896",
            "9:16, 1K, 768,  1408",
            "16:9, 1K, 1408, 768",
            "1:1,  2K, 2048, 2048",
            "16:9, 2K, 2816, 1536",
    })
    void imageSizeFollowsAspectRatioAndSampleImageSize(String aspectRatio, String size, int width, int height)
            throws IOException {
        // JPEG keeps the encoding of the large sizes quick; the size is what is checked.
        JsonNode response = predict(vertex("a quiet bay", "'sampleCount':1,'aspectRatio':'" + aspectRatio
                + "','sampleImageSize':'" + size + "','outputOptions':{'mimeType':'image/jpeg'}"));
        BufferedImage image = decode(response.path("predictions").path(0));
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
    }

    @Test
    void defaultsToOneKSquarePng() throws IOException {
        JsonNode prediction = predict(vertex("a quiet bay", "'sampleCount':1")).path("predictions").path(0);
        assertEquals("image/png", prediction.path("mimeType").asText());
        BufferedImage image = decode(prediction);
        assertEquals(1024, image.getWidth());
        assertEquals(1024, image.getHeight());
    }

    @Test
    void defaultsToFourSamples() {
        assertEquals(4, images(predict(vertex("a quiet bay", "'outputOptions':{'mimeType':'image/jpeg'}"))).size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff"})
    void encodesTheAskedMimeType(String mimeType) throws IOException {
        JsonNode prediction = predict(vertex("a quiet bay", "'sampleCount':1,'aspectRatio':'16:9',"
                + "'outputOptions':{'mimeType':'" + mimeType + "','compressionQuality':60}")).path("predictions").path(0);
        assertEquals(mimeType, prediction.path("mimeType").asText());
        BufferedImage image = decode(prediction);
        assertEquals(1408, image.getWidth());
        assertEquals(768, image.getHeight());
    }

    @Test
    void refusesWebpWithVertexInvalidArgument() {
        vertexCall()
                .body(vertex("a quiet bay", "'sampleCount':1,'outputOptions':{'mimeType':'image/webp'}"))
                .when().post(PREDICT)
                .then()
                .statusCode(400)
                .body("error.code", equalTo(400))
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body("error.message", containsString("image/webp"));
    }

    @Test
    void enhancePromptReturnsARewrittenPromptPerImage() {
        JsonNode predictions = predict(vertex("a red kite over the dunes", "'sampleCount':2,'enhancePrompt':true"))
                .path("predictions");
        assertEquals(2, predictions.size());
        for (JsonNode prediction : predictions) {
            String prompt = prediction.path("prompt").asText(null);
            assertNotNull(prompt, "no rewritten prompt");
            assertThat(prompt, containsString("a red kite over the dunes"));
            assertNotEquals("a red kite over the dunes", prompt);
        }
    }

    @Test
    void withoutEnhancePromptNoPromptComesBack() {
        JsonNode predictions = predict(vertex("a red kite over the dunes", "'sampleCount':2,'enhancePrompt':false"))
                .path("predictions");
        assertEquals(2, predictions.size());
        for (JsonNode prediction : predictions) {
            assertFalse(prediction.has("prompt"), "unexpected prompt: " + prediction.path("prompt"));
            assertTrue(prediction.has("bytesBase64Encoded"));
        }
    }

    @Test
    void includeSafetyAttributesScoresEachImageAndThePrompt() {
        JsonNode predictions = predict(vertex("a quiet bay", "'sampleCount':2,'includeSafetyAttributes':true"))
                .path("predictions");
        int images = 0;
        int promptScores = 0;
        for (JsonNode prediction : predictions) {
            JsonNode safety = prediction.path("safetyAttributes");
            assertTrue(safety.path("categories").isArray() && safety.path("categories").size() > 0, prediction.toString());
            assertEquals(safety.path("categories").size(), safety.path("scores").size());
            if (prediction.has("bytesBase64Encoded")) {
                images++;
                assertFalse(prediction.has("contentType"));
            } else {
                assertEquals("Positive Prompt", prediction.path("contentType").asText());
                promptScores++;
            }
        }
        assertEquals(2, images);
        assertEquals(1, promptScores);
    }

    @Test
    void withoutIncludeSafetyAttributesThereAreNoScores() {
        JsonNode predictions = predict(vertex("a quiet bay", "'sampleCount':2")).path("predictions");
        assertEquals(2, predictions.size());
        for (JsonNode prediction : predictions) {
            assertFalse(prediction.has("safetyAttributes"));
            assertFalse(prediction.has("contentType"));
        }
    }

    @Test
    void blockedWordFiltersEveryImageWithAReason() {
        JsonNode predictions = predict(vertex("a Forbidden city", "'sampleCount':3")).path("predictions");
        assertEquals(3, predictions.size());
        for (JsonNode prediction : predictions) {
            assertThat(prediction.path("raiFilteredReason").asText(""), containsString("filter"));
            assertFalse(prediction.has("bytesBase64Encoded"));
            assertFalse(prediction.has("gcsUri"));
        }
    }

    @Test
    void blockedWordWithoutIncludeRaiReasonReturnsNoPredictions() {
        JsonNode response = predict(vertex("a forbidden city", "'sampleCount':3,'includeRaiReason':false"));
        JsonNode predictions = response.path("predictions");
        assertTrue(predictions.isMissingNode() || predictions.isNull() || predictions.isEmpty(),
                "expected no predictions, got " + response);
    }

    @Test
    void storageUriReturnsGcsUrisInsteadOfBytes() {
        JsonNode predictions = predict(vertex("a quiet bay", "'sampleCount':2,'storageUri':'gs://my-bucket/out/',"
                + "'outputOptions':{'mimeType':'image/jpeg'}")).path("predictions");
        assertEquals(2, predictions.size());
        for (JsonNode prediction : predictions) {
            assertThat(prediction.path("gcsUri").asText(""), startsWith("gs://my-bucket/out/"));
            assertThat(prediction.path("gcsUri").asText(""), endsWith(".jpeg"));
            assertEquals("image/jpeg", prediction.path("mimeType").asText());
            assertFalse(prediction.has("bytesBase64Encoded"));
        }
        assertNotEquals(predictions.path(0).path("gcsUri"), predictions.path(1).path("gcsUri"));
    }

    @Test
    void fault429IsResourceExhaustedWithRetryInfo() {
        ValidatableResponse response = fault("429").statusCode(429)
                .body("error.code", equalTo(429))
                .body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                .body("error.message", containsString("Quota"));
        response.body("error.details.find { it.'@type' == '" + RETRY_INFO + "' }.retryDelay",
                matchesPattern("\\d+(\\.\\d+)?s"));
    }

    @Test
    void fault503IsUnavailable() {
        fault("503").statusCode(503)
                .body("error.code", equalTo(503))
                .body("error.status", equalTo("UNAVAILABLE"));
    }

    @Test
    void fault500IsInternal() {
        fault("500").statusCode(500).body("error.status", equalTo("INTERNAL"));
    }

    @Test
    void malformedFaultIsA200WithATruncatedBody() {
        String body = vertexCall().header(imagen.gateway.request.CallOptions.FAULT_HEADER, "malformed")
                .body(vertex("a quiet bay", "'sampleCount':1"))
                .when().post(PREDICT)
                .then()
                .statusCode(200)
                .extract().asString();
        assertThat(body, startsWith("{\"predictions\""));
        assertThrows(JsonProcessingException.class, () -> JSON.readTree(body));
    }

    @Test
    void unknownFaultIsAnInvalidArgument() {
        fault("explode").statusCode(400).body("error.status", equalTo("INVALID_ARGUMENT"));
    }

    @Test
    void acceptsEnumValuesInUpperCase() {
        JsonNode predictions = predict(vertex("a quiet bay", "'sampleCount':1,'safetySetting':'BLOCK_MEDIUM_AND_ABOVE',"
                + "'personGeneration':'ALLOW_ADULT'")).path("predictions");
        assertEquals(1, predictions.size());
        assertTrue(predictions.path(0).has("bytesBase64Encoded"));
    }

    @Test
    void upperCaseEnumsGiveTheSameSeededImageAsLowerCase() {
        String upper = images(predict(vertex("a quiet bay", "'sampleCount':1,'seed':5,'addWatermark':false,"
                + "'personGeneration':'DONT_ALLOW'"))).get(0);
        String lower = images(predict(vertex("a quiet bay", "'sampleCount':1,'seed':5,'addWatermark':false,"
                + "'personGeneration':'dont_allow'"))).get(0);
        assertEquals(lower, upper);
    }

    @ParameterizedTest(name = "addWatermark {0}")
    @ValueSource(strings = {"'addWatermark':true,", ""})
    void seedWithWatermarkOnIsAnInvalidArgument(String watermark) {
        vertexCall()
                .body(vertex("a quiet bay", watermark + "'sampleCount':1,'seed':42"))
                .when().post(PREDICT)
                .then()
                .statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body("error.message", containsString("atermark"));
    }

    @Test
    void missingPromptIsAnInvalidArgument() {
        vertexCall().body("{\"instances\":[{}],\"parameters\":{}}")
                .when().post(PREDICT)
                .then()
                .statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body("error.message", containsString("prompt"));
    }

    @Test
    void sampleCountOutOfRangeIsAnInvalidArgument() {
        vertexCall().body(vertex("a quiet bay", "'sampleCount':5"))
                .when().post(PREDICT)
                .then()
                .statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"));
    }

    /**
     * REST Assured percent-encodes the ':' of {@code :predict} by default; Vertex clients send it literally
     * (and the server does not match {@code %3Apredict}).
     */
    private static RequestSpecification vertexCall() {
        return given().urlEncodingEnabled(false).contentType("application/json");
    }

    private static ValidatableResponse fault(String kind) {
        return vertexCall().header(imagen.gateway.request.CallOptions.FAULT_HEADER, kind)
                .body(vertex("a quiet bay", "'sampleCount':1"))
                .when().post(PREDICT)
                .then()
                .contentType(containsString("json"));
    }

    private static JsonNode predict(String body) {
        String answer = vertexCall().body(body)
                .when().post(PREDICT)
                .then()
                .statusCode(200)
                .contentType(containsString("application/json"))
                .extract().asString();
        try {
            return JSON.readTree(answer);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + answer, e);
        }
    }

    /** The base64 images of a response, in order. */
    private static List<String> images(JsonNode response) {
        List<String> images = new ArrayList<>();
        for (JsonNode prediction : response.path("predictions")) {
            if (prediction.has("bytesBase64Encoded")) {
                images.add(prediction.get("bytesBase64Encoded").asText());
            }
        }
        return images;
    }

    private static BufferedImage decode(JsonNode prediction) throws IOException {
        String base64 = prediction.path("bytesBase64Encoded").asText(null);
        assertNotNull(base64, "no image bytes in " + prediction);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        assertNotNull(image, "ImageIO could not decode " + prediction.path("mimeType"));
        return image;
    }

    /** A Vertex body; parameters are written with single quotes for readability. */
    private static String vertex(String prompt, String parameters) {
        return ("{'instances':[{'prompt':'" + prompt + "'}],'parameters':{" + parameters + "}}").replace('\'', '"');
    }
}

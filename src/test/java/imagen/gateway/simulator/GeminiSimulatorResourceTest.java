package imagen.gateway.simulator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.function.Consumer;

import javax.imageio.ImageIO;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.request.CallOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** The embedded fake Vertex AI Gemini image models, called directly with Vertex bodies. */
@QuarkusTest
class GeminiSimulatorResourceTest {

    private static final String FLASH = "gemini-3.1-flash-image";
    private static final String PRO = "gemini-3-pro-image";
    private static final String RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MeterRegistry metrics;

    // --- :generateContent ---------------------------------------------------------------------------

    @Test
    void unaryAnswerHasTextThenImageAndUsage() throws IOException {
        JsonNode answer = generate(FLASH, body("a lighthouse at dusk", null));
        JsonNode candidate = answer.path("candidates").path(0);
        assertEquals(1, answer.path("candidates").size());
        assertEquals("model", candidate.path("content").path("role").asText());
        assertEquals("STOP", candidate.path("finishReason").asText());
        assertEquals(0, candidate.path("index").asInt(-1));
        JsonNode parts = candidate.path("content").path("parts");
        assertEquals(2, parts.size(), parts.toString());
        String text = parts.path(0).path("text").asText();
        assertThat(text, startsWith("Here is "));
        assertThat(text, containsString("of a lighthouse at dusk."));
        JsonNode image = parts.path(1);
        assertFalse(image.has("thought"));
        assertEquals("image/png", image.path("inlineData").path("mimeType").asText());
        assertSize(image, ImagePainter.dimensions("1:1", "1K"));

        JsonNode usage = answer.path("usageMetadata");
        int textTokens = text.split("\\s+").length;
        assertEquals(4, usage.path("promptTokenCount").asInt());
        assertEquals(1120 + textTokens, usage.path("candidatesTokenCount").asInt());
        assertEquals(4 + 1120 + textTokens, usage.path("totalTokenCount").asInt());
        assertFalse(usage.has("thoughtsTokenCount"), "a flash model at its default level does not think");
        assertEquals("TEXT", usage.path("promptTokensDetails").path(0).path("modality").asText());
        assertEquals(4, usage.path("promptTokensDetails").path(0).path("tokenCount").asInt());
        JsonNode details = usage.path("candidatesTokensDetails");
        assertEquals("IMAGE", details.path(0).path("modality").asText());
        assertEquals(1120, details.path(0).path("tokenCount").asInt());
        assertEquals("TEXT", details.path(1).path("modality").asText());
        assertEquals(textTokens, details.path(1).path("tokenCount").asInt());
        assertEquals(FLASH, answer.path("modelVersion").asText());
        assertFalse(answer.path("responseId").asText("").isBlank());
    }

    @Test
    void proModelThinksInATextAndAnInterimImageBeforeTheFinalImage() throws IOException {
        JsonNode answer = generate(PRO, body("a lighthouse at dusk", g -> g.putObject("imageConfig")
                .put("aspectRatio", "16:9")));
        JsonNode parts = answer.path("candidates").path(0).path("content").path("parts");
        assertEquals(4, parts.size(), parts.toString());
        assertFalse(parts.path(0).has("thought"));
        assertThat(parts.path(0).path("text").asText(), containsString("lighthouse"));
        assertTrue(parts.path(1).path("thought").asBoolean(), parts.path(1).toString());
        assertFalse(parts.path(1).path("text").asText("").isBlank());
        assertTrue(parts.path(2).path("thought").asBoolean());
        int[] size = ImagePainter.dimensions("16:9", "1K");
        assertSize(parts.path(2), new int[] {size[0] / 2, size[1] / 2});
        assertFalse(parts.path(3).has("thought"));
        assertSize(parts.path(3), size);
        assertNotEquals(data(parts.path(2)), data(parts.path(3)));

        JsonNode usage = answer.path("usageMetadata");
        int thoughts = usage.path("thoughtsTokenCount").asInt();
        assertTrue(thoughts > 0, usage.toString());
        assertEquals(usage.path("promptTokenCount").asInt() + usage.path("candidatesTokenCount").asInt() + thoughts,
                usage.path("totalTokenCount").asInt());
    }

    @Test
    void proModelToldNotToIncludeThoughtsStillCountsThem() {
        JsonNode answer = generate(PRO, body("a lighthouse at dusk", g -> g.putObject("thinkingConfig")
                .put("includeThoughts", false)));
        JsonNode parts = answer.path("candidates").path(0).path("content").path("parts");
        assertEquals(2, parts.size(), parts.toString());
        for (JsonNode part : parts) {
            assertFalse(part.has("thought"));
        }
        assertTrue(answer.path("usageMetadata").path("thoughtsTokenCount").asInt() > 0);
    }

    @Test
    void unknownFieldsAreIgnored() {
        ObjectNode body = body("a quiet bay", g -> g.put("temperature", 1.0).put("somethingNew", "x"));
        body.putObject("labels").put("team", "studio");
        body.put("futureField", true);
        JsonNode answer = generate(FLASH, body);
        assertEquals("STOP", answer.path("candidates").path(0).path("finishReason").asText());
    }

    @Test
    void answersUnderV1beta1AndTheGlobalLocation() {
        call().body(body("a quiet bay", null).toString())
                .when().post("/simulator/v1beta1/projects/p/locations/global/publishers/google/models/" + FLASH
                        + ":generateContent")
                .then().statusCode(200)
                .body("candidates[0].finishReason", equalTo("STOP"));
    }

    @Test
    void textOnlyModalitiesGiveADescription() {
        JsonNode answer = generate(FLASH, body("a quiet bay", g -> g.putArray("responseModalities").add("TEXT")));
        JsonNode candidate = answer.path("candidates").path(0);
        assertEquals("STOP", candidate.path("finishReason").asText());
        assertEquals(List.of(), images(candidate));
        assertThat(candidate.path("content").path("parts").path(0).path("text").asText(), startsWith("I can only describe"));
    }

    // --- determinism and pictures -------------------------------------------------------------------

    @Test
    void seededCallsGiveByteIdenticalImagesAndOtherSeedsOthers() {
        ObjectNode seeded = body("a lighthouse at dusk", g -> g.put("seed", 42));
        String first = finalImage(generate(FLASH, seeded));
        String second = finalImage(generate(FLASH, seeded));
        assertEquals(first, second);
        assertNotEquals(first, finalImage(generate(FLASH, body("a lighthouse at dusk", g -> g.put("seed", 43)))));
        assertNotEquals(first, finalImage(generate(FLASH, body("a windmill at dawn", g -> g.put("seed", 42)))));
        assertNotEquals(first, finalImage(generate(PRO, seeded)), "the model is part of what decides the picture");
    }

    @Test
    void unseededCallsDrawAnew() {
        ObjectNode body = body("a lighthouse at dusk", null);
        assertNotEquals(finalImage(generate(FLASH, body)), finalImage(generate(FLASH, body)));
    }

    @Test
    void aStreamPaintsTheSamePictureAsAWholeAnswer() {
        ObjectNode seeded = body("a lighthouse at dusk", g -> g.put("seed", 7));
        List<JsonNode> chunks = events(stream(PRO, seeded, null));
        String streamed = finalImage(chunks.get(chunks.size() - 1));
        assertEquals(finalImage(generate(PRO, seeded)), streamed);
    }

    @Test
    void inputImagesCountAsPromptTokensAndChangeThePicture() throws IOException {
        String red = Base64.getEncoder().encodeToString(ImagePainter.paint(1, 32, 32, "image/png", 75));
        String blue = Base64.getEncoder().encodeToString(ImagePainter.paint(2, 32, 32, "image/png", 75));
        JsonNode withRed = generate(FLASH, withImage(body("make it evening", g -> g.put("seed", 5)), red));
        JsonNode withBlue = generate(FLASH, withImage(body("make it evening", g -> g.put("seed", 5)), blue));
        assertEquals(finalImage(withRed), finalImage(generate(FLASH, withImage(body("make it evening",
                g -> g.put("seed", 5)), red))));
        assertNotEquals(finalImage(withRed), finalImage(withBlue));
        JsonNode details = withRed.path("usageMetadata").path("promptTokensDetails");
        assertEquals("IMAGE", details.path(1).path("modality").asText(), details.toString());
        assertEquals(3 + details.path(1).path("tokenCount").asInt(), withRed.path("usageMetadata").path("promptTokenCount").asInt());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "1:1,  1K, 1120",
            "16:9, 1K, 1120",
            "9:16, 2K, 1120",
            "21:9, 1K, 1120",
            "4:5,  2K, 1120",
            "3:2,  4K, 2000",
    })
    void imageSizeFollowsAspectRatioAndImageSize(String aspectRatio, String imageSize, int tokens) throws IOException {
        // JPEG keeps the large sizes quick to encode; the size is what is checked
        JsonNode answer = generate(FLASH, body("a quiet bay", g -> g.putObject("imageConfig")
                .put("aspectRatio", aspectRatio).put("imageSize", imageSize)
                .putObject("imageOutputOptions").put("mimeType", "image/jpeg")));
        assertSize(answer.path("candidates").path(0).path("content").path("parts").path(1),
                ImagePainter.dimensions(aspectRatio, imageSize));
        assertEquals(tokens, answer.path("usageMetadata").path("candidatesTokensDetails").path(0).path("tokenCount").asInt());
    }

    @Test
    void encodesJpegWhenAsked() throws IOException {
        JsonNode answer = generate(FLASH, body("a quiet bay", g -> g.putObject("imageConfig")
                .putObject("imageOutputOptions").put("mimeType", "image/jpeg").put("compressionQuality", 60)));
        JsonNode image = answer.path("candidates").path(0).path("content").path("parts").path(1);
        assertEquals("image/jpeg", image.path("inlineData").path("mimeType").asText());
        byte[] bytes = Base64.getDecoder().decode(data(image));
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xD8}, new byte[] {bytes[0], bytes[1]});
        assertSize(image, ImagePainter.dimensions("1:1", "1K"));
    }

    // --- refusals -----------------------------------------------------------------------------------

    @Test
    void multipleCandidatesAreAnInvalidArgument() {
        refused(body("a quiet bay", g -> g.put("candidateCount", 2)), "Multiple candidates");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{'imageConfig':{'imageSize':'8K'}}",
            "{'imageConfig':{'imageSize':'1k'}}",
            "{'imageConfig':{'aspectRatio':'7:3'}}",
            "{'imageConfig':{'imageOutputOptions':{'mimeType':'image/webp'}}}",
            "{'imageConfig':{'imageOutputOptions':{'mimeType':'image/gif'}}}",
            "{'responseModalities':['PICTURE']}",
            "{'thinkingConfig':{'thinkingLevel':'EXTREME'}}",
    })
    void outOfRangeGenerationConfigIsAnInvalidArgument(String generationConfig) throws JsonProcessingException {
        ObjectNode body = body("a quiet bay", null);
        body.set("generationConfig", JSON.readTree(generationConfig.replace('\'', '"')));
        refused(body, "");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{}",
            "{'contents':[]}",
            "{'contents':[{'role':'user','parts':[{'text':'  '}]}]}",
            "{'contents':[{'role':'user','parts':[{'inlineData':{'mimeType':'image/png','data':'iVBORw0KGgo='}}]}]}",
            "{'contents':[{'role':'user','parts':[{'text':'a bay'},{'inlineData':{'mimeType':'image/png','data':'%%%'}}]}]}",
            "{'contents':[{'role':'painter','parts':[{'text':'a bay'}]}]}",
            "{'contents':[{'parts':[{'text':'a bay'}]}],'safetySettings':[{'category':'HARM_CATEGORY_X','threshold':'OFF'}]}",
    })
    void contentsWithoutUsableTextAreAnInvalidArgument(String body) throws JsonProcessingException {
        refused((ObjectNode) JSON.readTree(body.replace('\'', '"')), "");
    }

    @Test
    void malformedJsonIsAnInvalidArgumentInVertexTerms() {
        call().body("{\"contents\": [").when().post(path(FLASH, "generateContent"))
                .then().statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body("error.message", containsString("Invalid JSON payload"));
    }

    // --- outcomes chosen by the prompt -------------------------------------------------------------

    @Test
    void blockedWordGivesPromptFeedbackAndNoCandidates() {
        JsonNode answer = generate(FLASH, body("a Forbidden city", null));
        assertTrue(answer.path("candidates").isMissingNode(), answer.toString());
        assertEquals("PROHIBITED_CONTENT", answer.path("promptFeedback").path("blockReason").asText());
        assertFalse(answer.path("promptFeedback").path("blockReasonMessage").asText("").isBlank());
        assertEquals(3, answer.path("usageMetadata").path("promptTokenCount").asInt());

        List<JsonNode> chunks = events(stream(FLASH, body("a forbidden city", null), null));
        assertEquals(1, chunks.size(), chunks.toString());
        assertEquals("PROHIBITED_CONTENT", chunks.get(0).path("promptFeedback").path("blockReason").asText());
    }

    @Test
    void unsafeImageGivesTextWithoutAPictureAndImageSafety() {
        JsonNode candidate = generate(FLASH, body("an unsafe-image of a bay", null)).path("candidates").path(0);
        assertEquals("IMAGE_SAFETY", candidate.path("finishReason").asText());
        assertFalse(candidate.path("finishMessage").asText("").isBlank());
        assertEquals(List.of(), images(candidate));
        assertFalse(candidate.path("content").path("parts").path(0).path("text").asText("").isBlank());

        List<JsonNode> chunks = events(stream(PRO, body("an unsafe-image of a bay", null), null));
        JsonNode last = chunks.get(chunks.size() - 1).path("candidates").path(0);
        assertEquals("IMAGE_SAFETY", last.path("finishReason").asText());
        for (JsonNode chunk : chunks) {
            assertEquals(List.of(), images(chunk.path("candidates").path(0)), "no picture, not even a thought one");
        }
    }

    @Test
    void noImageGivesADescriptionAndNoImage() {
        JsonNode candidate = generate(FLASH, body("a no-image bay", null)).path("candidates").path(0);
        assertEquals("NO_IMAGE", candidate.path("finishReason").asText());
        assertEquals(List.of(), images(candidate));
        assertThat(candidate.path("content").path("parts").path(0).path("text").asText(),
                startsWith("I can only describe it: "));
    }

    // --- :streamGenerateContent ---------------------------------------------------------------------

    @Test
    void proStreamSendsEachPartAsItsOwnEventWithFinishAndUsageLast() throws IOException {
        ExtractableResponse<Response> response = stream(PRO, body("a lighthouse at dusk", null), null);
        assertThat(response.contentType(), startsWith("text/event-stream"));
        String raw = response.asString();
        assertTrue(raw.endsWith("\r\n\r\n"), "events end with a blank line");
        List<JsonNode> chunks = events(response);
        assertEquals(5, chunks.size(), raw.length() > 2000 ? raw.substring(0, 2000) : raw);
        String responseId = chunks.get(0).path("responseId").asText();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode chunk = chunks.get(i);
            JsonNode candidate = chunk.path("candidates").path(0);
            assertEquals(1, candidate.path("content").path("parts").size(), "one part per chunk");
            assertEquals(responseId, chunk.path("responseId").asText());
            assertEquals(PRO, chunk.path("modelVersion").asText());
            boolean last = i == chunks.size() - 1;
            assertEquals(last, candidate.has("finishReason"), "chunk " + i);
            assertEquals(last, chunk.has("usageMetadata"), "chunk " + i);
        }
        for (int i = 0; i < 2; i++) {
            JsonNode part = part(chunks.get(i));
            assertFalse(part.has("thought"));
            text.append(part.path("text").asText());
        }
        assertThat(text.toString(), containsString("of a lighthouse at dusk."));
        assertTrue(part(chunks.get(2)).path("thought").asBoolean());
        assertTrue(part(chunks.get(2)).has("text"));
        assertTrue(part(chunks.get(3)).path("thought").asBoolean());
        assertTrue(part(chunks.get(3)).has("inlineData"));
        JsonNode last = chunks.get(4);
        assertFalse(part(last).has("thought"));
        assertSize(part(last), ImagePainter.dimensions("1:1", "1K"));
        assertEquals("STOP", last.path("candidates").path(0).path("finishReason").asText());
        assertTrue(last.path("usageMetadata").path("thoughtsTokenCount").asInt() > 0);
    }

    @Test
    void flashStreamSendsTheTextInTwoPiecesThenTheImage() {
        List<JsonNode> chunks = events(stream(FLASH, body("a quiet bay", null), null));
        assertEquals(3, chunks.size());
        assertTrue(part(chunks.get(0)).has("text"));
        assertTrue(part(chunks.get(1)).has("text"));
        assertTrue(part(chunks.get(2)).has("inlineData"));
        assertEquals("STOP", chunks.get(2).path("candidates").path(0).path("finishReason").asText());
    }

    @Test
    void withoutAltSseTheStreamIsAJsonArray() throws IOException {
        ExtractableResponse<Response> response = call().body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "streamGenerateContent"))
                .then().statusCode(200).extract();
        assertThat(response.contentType(), startsWith("application/json"));
        JsonNode array = JSON.readTree(response.asString());
        assertTrue(array.isArray());
        assertEquals(3, array.size());
        assertEquals("STOP", array.path(2).path("candidates").path(0).path("finishReason").asText());
    }

    @Test
    void invalidStreamRequestsAreRefusedBeforeTheStream() {
        call().accept("text/event-stream").body(body("a quiet bay", g -> g.put("candidateCount", 2)).toString())
                .when().post(path(FLASH, "streamGenerateContent") + "?alt=sse")
                .then().statusCode(400)
                .contentType(containsString("json"))
                .body("error.status", equalTo("INVALID_ARGUMENT"));
    }

    // --- faults ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"generateContent", "streamGenerateContent?alt=sse"})
    void fault429IsResourceExhaustedWithRetryInfo(String method) {
        call().header(CallOptions.FAULT_HEADER, "429:1s").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, method))
                .then().statusCode(429)
                .contentType(containsString("json"))
                .body("error.code", equalTo(429))
                .body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                .body("error.details.find { it.'@type' == '" + RETRY_INFO + "' }.retryDelay", equalTo("1s"));
    }

    @Test
    void fault503WithAWaitSetsRetryAfter() {
        call().header(CallOptions.FAULT_HEADER, "503:2s").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "generateContent"))
                .then().statusCode(503)
                .header("Retry-After", "2")
                .body("error.status", equalTo("UNAVAILABLE"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"stream-429, 429, RESOURCE_EXHAUSTED", "stream-500, 500, INTERNAL"})
    void midStreamFaultSendsAnErrorChunkAfterA200(String fault, int code, String status) {
        ExtractableResponse<Response> response = call().header(CallOptions.FAULT_HEADER, fault)
                .body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "streamGenerateContent") + "?alt=sse")
                .then().statusCode(200).extract();
        assertThat(response.contentType(), startsWith("text/event-stream"));
        List<JsonNode> chunks = events(response);
        assertEquals(2, chunks.size(), chunks.toString());
        assertTrue(part(chunks.get(0)).has("text"));
        JsonNode error = chunks.get(1).path("error");
        assertEquals(code, error.path("code").asInt());
        assertEquals(status, error.path("status").asText());
        if (code == 429) {
            assertEquals("Resource exhausted. Please try again later.", error.path("message").asText());
            assertEquals(RETRY_INFO, error.path("details").path(0).path("@type").asText());
            assertEquals("1s", error.path("details").path(0).path("retryDelay").asText());
        }
    }

    @Test
    void midStreamFaultOnAWholeAnswerIsThePlainFault() {
        call().header(CallOptions.FAULT_HEADER, "stream-429").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "generateContent"))
                .then().statusCode(429)
                .body("error.status", equalTo("RESOURCE_EXHAUSTED"));
    }

    @Test
    void malformedStreamSendsAChunkCutShort() {
        ExtractableResponse<Response> response = call().header(CallOptions.FAULT_HEADER, "malformed")
                .body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "streamGenerateContent") + "?alt=sse")
                .then().statusCode(200).extract();
        List<String> data = data(response.asString());
        assertEquals(2, data.size());
        assertThrows(JsonProcessingException.class, () -> JSON.readTree(data.get(1)));
    }

    @Test
    void streamResetCutsTheConnectionAfterTheFirstChunk() {
        assertThrows(Exception.class, () -> call().header(CallOptions.FAULT_HEADER, "stream-reset")
                .body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "streamGenerateContent") + "?alt=sse")
                .then().extract().asString());
    }

    @Test
    void unknownStreamFaultIsAnInvalidArgument() {
        call().header(CallOptions.FAULT_HEADER, "stream-explode").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "streamGenerateContent") + "?alt=sse")
                .then().statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"));
    }

    @Test
    void delayAnswersNormallyThatMuchLater() {
        long started = System.nanoTime();
        call().header(CallOptions.FAULT_HEADER, "delay:400").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "generateContent"))
                .then().statusCode(200)
                .body("candidates[0].finishReason", equalTo("STOP"));
        assertThat((System.nanoTime() - started) / 1_000_000, greaterThanOrEqualTo(400L));

        started = System.nanoTime();
        call().header(CallOptions.FAULT_HEADER, "delay:300;500").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "streamGenerateContent") + "?alt=sse")
                .then().statusCode(500)
                .body("error.status", equalTo("INTERNAL"));
        assertThat((System.nanoTime() - started) / 1_000_000, greaterThanOrEqualTo(300L));
    }

    @Test
    void faultForOneLocationSparesTheOthers() {
        String body = body("a quiet bay", null).toString();
        call().header(CallOptions.FAULT_HEADER, "429@europe-west4").body(body)
                .when().post(path(FLASH, "generateContent")).then().statusCode(200);
        call().header(CallOptions.FAULT_HEADER, "429@global").body(body)
                .when().post(path(FLASH, "generateContent")).then().statusCode(429);
    }

    @Test
    void everyCallCountsAsAnUpstreamRequest() {
        double before = metrics.counter("imagen.simulator.requests").count();
        generate(FLASH, body("a quiet bay", null));
        events(stream(FLASH, body("a quiet bay", null), null));
        call().header(CallOptions.FAULT_HEADER, "500").body(body("a quiet bay", null).toString())
                .when().post(path(FLASH, "generateContent")).then().statusCode(500);
        assertEquals(3, Math.round(metrics.counter("imagen.simulator.requests").count() - before));
    }

    // --- helpers ------------------------------------------------------------------------------------

    /** REST Assured would percent-encode the ':' of {@code :generateContent}; Vertex clients send it literally. */
    private static RequestSpecification call() {
        return given().urlEncodingEnabled(false).contentType("application/json");
    }

    private static String path(String model, String method) {
        return "/simulator/v1/projects/p/locations/global/publishers/google/models/" + model + ":" + method;
    }

    private static ObjectNode body(String prompt, Consumer<ObjectNode> generationConfig) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", prompt);
        ObjectNode generation = body.putObject("generationConfig");
        generation.putArray("responseModalities").add("TEXT").add("IMAGE");
        if (generationConfig != null) {
            generationConfig.accept(generation);
        }
        return body;
    }

    private static ObjectNode withImage(ObjectNode body, String base64) {
        ((ArrayNode) body.path("contents").path(0).path("parts")).addObject().putObject("inlineData")
                .put("mimeType", "image/png").put("data", base64);
        return body;
    }

    private static JsonNode generate(String model, ObjectNode body) {
        String answer = call().body(body.toString())
                .when().post(path(model, "generateContent"))
                .then().statusCode(200)
                .contentType(containsString("application/json"))
                .extract().asString();
        try {
            return JSON.readTree(answer);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + answer, e);
        }
    }

    private static ExtractableResponse<Response> stream(String model, ObjectNode body, String fault) {
        RequestSpecification spec = call();
        if (fault != null) {
            spec = spec.header(CallOptions.FAULT_HEADER, fault);
        }
        return spec.body(body.toString())
                .when().post(path(model, "streamGenerateContent") + "?alt=sse")
                .then().statusCode(200).extract();
    }

    private static void refused(ObjectNode body, String message) {
        call().body(body.toString())
                .when().post(path(FLASH, "generateContent"))
                .then().statusCode(400)
                .body("error.code", equalTo(400))
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body("error.message", containsString(message));
    }

    /** The {@code data:} payloads of an SSE body: events are separated by blank lines, one line each. */
    private static List<String> data(String raw) {
        List<String> data = new ArrayList<>();
        for (String event : raw.split("\r\n\r\n")) {
            if (event.isBlank()) {
                continue;
            }
            assertThat(event, startsWith("data: "));
            assertFalse(event.contains("\n"), "one line per event");
            data.add(event.substring("data: ".length()));
        }
        return data;
    }

    private static List<JsonNode> events(ExtractableResponse<Response> response) {
        List<JsonNode> events = new ArrayList<>();
        for (String data : data(response.asString())) {
            try {
                events.add(JSON.readTree(data));
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON: " + data, e);
            }
        }
        return events;
    }

    private static JsonNode part(JsonNode chunk) {
        return chunk.path("candidates").path(0).path("content").path("parts").path(0);
    }

    /** The data of the last non-thought image part of an answer or chunk. */
    private static String finalImage(JsonNode answer) {
        List<String> images = new ArrayList<>();
        for (JsonNode part : answer.path("candidates").path(0).path("content").path("parts")) {
            if (part.has("inlineData") && !part.path("thought").asBoolean()) {
                images.add(data(part));
            }
        }
        assertEquals(1, images.size(), "one final image in " + answer.path("candidates").path(0).path("finishReason"));
        return images.get(0);
    }

    private static List<String> images(JsonNode candidate) {
        List<String> images = new ArrayList<>();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.has("inlineData")) {
                images.add(data(part));
            }
        }
        return images;
    }

    private static String data(JsonNode part) {
        String data = part.path("inlineData").path("data").asText(null);
        assertNotNull(data, "no image in " + part);
        return data;
    }

    private static void assertSize(JsonNode part, int[] size) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data(part))));
        assertNotNull(image, "ImageIO could not decode " + part.path("inlineData").path("mimeType"));
        assertEquals(size[0], image.getWidth(), "width");
        assertEquals(size[1], image.getHeight(), "height");
    }
}

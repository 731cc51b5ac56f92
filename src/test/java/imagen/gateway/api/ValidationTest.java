package imagen.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.containsStringIgnoringCase;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.Problem;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * Every validation rule of {@code POST /v1/generations} (DESIGN §2): a 400 {@code application/problem+json}
 * naming the bad field, never a 500, and valid edge cases accepted.
 */
@QuarkusTest
class ValidationTest {

    private static final String GENERATIONS = "/v1/generations";
    private static final String PROBLEM_JSON = "application/problem\\+json(;.*)?";
    private static final String INVALID = "urn:imagen-gateway:problem:invalid-request";
    private static final String FAST = "imagen-4.0-fast-generate-001";
    private static final String STANDARD = "imagen-4.0-generate-001";
    private static final String LONG = "a".repeat(4001);

    @Inject
    GatewayConfig config;

    @TestHTTPResource(GENERATIONS)
    URI generations;

    static Stream<Arguments> brokenRules() {
        return Stream.of(
                rule("missing prompt", "{'sampleCount':1}", "prompt"),
                rule("null prompt", "{'prompt':null}", "prompt"),
                rule("blank prompt", "{'prompt':'  \\t '}", "prompt"),
                rule("prompt longer than 4000", "{'prompt':'" + LONG + "'}", "prompt"),
                rule("negativePrompt longer than 4000", "{'prompt':'boat','negativePrompt':'" + LONG + "'}", "negativePrompt"),
                rule("sampleCount 0", "{'prompt':'boat','sampleCount':0}", "sampleCount"),
                rule("sampleCount 5", "{'prompt':'boat','sampleCount':5}", "sampleCount"),
                rule("seed 0", "{'prompt':'boat','seed':0,'addWatermark':false}", "seed"),
                rule("seed 2147483648", "{'prompt':'boat','seed':2147483648,'addWatermark':false}", "seed"),
                rule("seed beyond a long", "{'prompt':'boat','seed':99999999999999999999999,'addWatermark':false}", "seed"),
                rule("seed without addWatermark", "{'prompt':'boat','seed':42}", "seed"),
                rule("seed with addWatermark true", "{'prompt':'boat','seed':42,'addWatermark':true}", "seed"),
                rule("aspectRatio 2:1", "{'prompt':'boat','aspectRatio':'2:1'}", "aspectRatio"),
                rule("mimeType image/foo", "{'prompt':'boat','outputOptions':{'mimeType':'image/foo'}}", "outputOptions.mimeType"),
                rule("mimeType image/webp (simulator cannot encode it)",
                        "{'prompt':'boat','outputOptions':{'mimeType':'image/webp'}}", "outputOptions.mimeType"),
                rule("compressionQuality -1", "{'prompt':'boat','outputOptions':{'compressionQuality':-1}}",
                        "outputOptions.compressionQuality"),
                rule("compressionQuality 101", "{'prompt':'boat','outputOptions':{'compressionQuality':101}}",
                        "outputOptions.compressionQuality"),
                rule("personGeneration everyone", "{'prompt':'boat','personGeneration':'everyone'}", "personGeneration"),
                rule("safetySetting block_all", "{'prompt':'boat','safetySetting':'block_all'}", "safetySetting"),
                rule("sampleImageSize 4K", "{'prompt':'boat','model':'" + STANDARD + "','sampleImageSize':'4K'}", "sampleImageSize"),
                rule("sampleImageSize 2K on a model without sizes", "{'prompt':'boat','model':'" + FAST + "','sampleImageSize':'2K'}",
                        "sampleImageSize"),
                rule("sampleImageSize 2K on the default (fast) model", "{'prompt':'boat','sampleImageSize':'2K'}", "sampleImageSize"),
                rule("storageUri s3://", "{'prompt':'boat','storageUri':'s3://bucket/x'}", "storageUri"),
                rule("unknown model", "{'prompt':'boat','model':'imagen-9'}", "model"),
                rule("language english!!", "{'prompt':'boat','language':'english!!'}", "language"),
                rule("unknown top-level field", "{'prompt':'boat','colour':'red'}", "colour"),
                rule("unknown field inside outputOptions", "{'prompt':'boat','outputOptions':{'quality':80}}", "outputOptions.quality"),
                rule("sampleCount \"two\"", "{'prompt':'boat','sampleCount':'two'}", "sampleCount"),
                rule("sampleCount \"2\" (no coercion from strings)", "{'prompt':'boat','sampleCount':'2'}", "sampleCount"),
                rule("sampleCount 2.5", "{'prompt':'boat','sampleCount':2.5}", "sampleCount"),
                rule("addWatermark \"yes\"", "{'prompt':'boat','addWatermark':'yes'}", "addWatermark"),
                rule("prompt 5", "{'prompt':5}", "prompt"),
                rule("prompt an object", "{'prompt':{'text':'boat'}}", "prompt"),
                rule("outputOptions a string", "{'prompt':'boat','outputOptions':'image/png'}", "outputOptions"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenRules")
    void rejectsBrokenRuleWithProblemNamingTheField(String rule, String body, String field) {
        post(body)
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("type", equalTo(INVALID))
                .body("status", equalTo(400))
                .body("title", notNullValue())
                .body("instance", equalTo(GENERATIONS))
                .body("detail", containsString(field))
                .body("errors.field", hasItem(field))
                .body("errors.message", everyItem(notNullValue()));
    }

    static Stream<Arguments> unreadableBodies() {
        return Stream.of(
                rule("malformed JSON", "{\"prompt\": \"boat\",", "malformed JSON at line 1 column 19: the body ends before"),
                rule("unquoted name", "{prompt: \"boat\"}", "malformed JSON"),
                rule("trailing garbage after the object", "{\"prompt\":\"boat\"} garbage", "malformed JSON"),
                rule("a second object after the first", "{\"prompt\":\"boat\"} {\"prompt\":\"boat\"}", "after the JSON value"),
                rule("empty body", "", "body"),
                rule("JSON null", "null", "body"),
                rule("a JSON array instead of an object", "[{\"prompt\":\"boat\"}]", "JSON object"),
                rule("a JSON string instead of an object", "\"boat\"", "JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableBodies")
    void rejectsUnreadableBodyWithProblemExplainingIt(String rule, String body, String explanation) {
        given().contentType("application/json").accept("application/json").body(body)
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("type", equalTo(INVALID))
                .body("status", equalTo(400))
                .body("detail", containsStringIgnoringCase(explanation));
    }

    @Test
    void namesEveryBadFieldInOneResponse() {
        post("{'prompt':'','model':'imagen-9','sampleCount':9,'aspectRatio':'2:1','seed':7,"
                + "'outputOptions':{'mimeType':'image/foo','compressionQuality':101},'storageUri':'s3://b/x'}")
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("errors.field", hasItems("prompt", "model", "sampleCount", "aspectRatio", "seed",
                        "outputOptions.mimeType", "outputOptions.compressionQuality", "storageUri"));
    }

    @Test
    void unknownModelListsTheAllowedModels() {
        ValidatableResponse response = post("{'prompt':'boat','model':'imagen-9'}").statusCode(400)
                .body("detail", containsString("imagen-9"));
        for (String model : config.models()) {
            response.body("detail", containsString(model))
                    .body("errors.find { it.field == 'model' }.message", containsString(model));
        }
    }

    @Test
    void unknownFieldIsNamedInTheDetail() {
        post("{'prompt':'boat','colour':'red'}").statusCode(400).body("detail", equalTo("colour is not a known field"))
                .body("errors[0].message", equalTo("is not a known field"));
    }

    @Test
    void wrongTypeSaysWhatWasExpected() {
        post("{'prompt':'boat','sampleCount':'two'}").statusCode(400)
                .body("errors.find { it.field == 'sampleCount' }.message", containsString("integer"));
        post("{'prompt':'boat','addWatermark':'yes'}").statusCode(400)
                .body("errors.find { it.field == 'addWatermark' }.message", equalTo("must be a boolean"));
        post("{'prompt':'boat','outputOptions':'image/png'}").statusCode(400)
                .body("errors.find { it.field == 'outputOptions' }.message", equalTo("must be an object"));
        post("{'prompt':['boat']}").statusCode(400)
                .body("errors.find { it.field == 'prompt' }.message", equalTo("must be a string"));
        post("{'prompt':'boat','seed':99999999999999999999999,'addWatermark':false}").statusCode(400)
                .body("errors.find { it.field == 'seed' }.message", equalTo("is out of range"));
    }

    @Test
    void webpIsExplainedAsASimulatorLimit() {
        post("{'prompt':'boat','outputOptions':{'mimeType':'image/webp'}}").statusCode(400)
                .body("errors.find { it.field == 'outputOptions.mimeType' }.message", containsString("simulator"));
    }

    static Stream<Arguments> acceptedEdges() {
        return Stream.of(
                Arguments.of("2K on imagen-4.0-generate-001", "{'prompt':'boat','model':'" + STANDARD + "','sampleImageSize':'2K'}"),
                Arguments.of("1K on imagen-4.0-generate-001", "{'prompt':'boat','model':'" + STANDARD + "','sampleImageSize':'1K'}"),
                Arguments.of("legacy safetySetting block_few", "{'prompt':'boat','safetySetting':'block_few'}"),
                Arguments.of("legacy safetySetting block_most", "{'prompt':'boat','safetySetting':'block_most'}"),
                Arguments.of("personGeneration allow_all", "{'prompt':'boat','personGeneration':'allow_all'}"),
                Arguments.of("prompt of exactly 4000", "{'prompt':'" + "a".repeat(4000) + "'}"),
                Arguments.of("seed 1", "{'prompt':'boat','seed':1,'addWatermark':false}"),
                Arguments.of("seed 2147483647", "{'prompt':'boat','seed':2147483647,'addWatermark':false}"),
                Arguments.of("compressionQuality 0", "{'prompt':'boat','outputOptions':{'mimeType':'image/jpeg','compressionQuality':0}}"),
                Arguments.of("compressionQuality 100", "{'prompt':'boat','outputOptions':{'mimeType':'image/jpeg','compressionQuality':100}}"),
                Arguments.of("storageUri gs://", "{'prompt':'boat','storageUri':'gs://my-bucket/out/'}"),
                Arguments.of("language zh-TW", "{'prompt':'boat','language':'zh-TW'}"),
                Arguments.of("every documented field", "{'model':'" + FAST + "','prompt':'boat','negativePrompt':'people',"
                        + "'sampleCount':1,'seed':42,'addWatermark':false,'aspectRatio':'16:9','enhancePrompt':false,"
                        + "'includeRaiReason':true,'includeSafetyAttributes':false,"
                        + "'outputOptions':{'mimeType':'image/jpeg','compressionQuality':80},'personGeneration':'allow_adult',"
                        + "'safetySetting':'block_medium_and_above','language':'en'}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedEdges")
    void acceptsValidEdgeCases(String what, String body) {
        // sampleCount 1 keeps the background job cheap; a body that names its own sampleCount keeps it.
        String cheap = body.contains("'sampleCount'") ? body : body.replaceFirst("^\\{", "{'sampleCount':1,");
        post(cheap)
                .statusCode(202)
                .contentType(matchesPattern("application/json(;.*)?"))
                .body("id", notNullValue())
                .body("events", containsString("/events"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonJsonTypes")
    void rejectsNonJsonContentTypeWith415Problem(String contentType, String said) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(generations).header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"boat\",\"sampleCount\":1}"));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, response.statusCode(), response.body());
        assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
        assertThat(response.headers().firstValue("Accept-Post")).hasValue("application/json");
        assertThat(response.body()).isEqualTo("{\"type\":\"urn:imagen-gateway:problem:unsupported-media-type\","
                + "\"title\":\"Unsupported Media Type\",\"status\":415,"
                + "\"detail\":\"the request body must be application/json; " + said + "\",\"instance\":\"/v1/generations\"}");
    }

    static Stream<Arguments> nonJsonTypes() {
        return Stream.of(Arguments.of(null, "the request has no Content-Type"),
                Arguments.of("text/plain", "got text/plain"),
                Arguments.of("application/x-www-form-urlencoded", "got application/x-www-form-urlencoded"),
                Arguments.of("*/*", "got */*"),
                Arguments.of("json", "got json"));
    }

    @Test
    void rejectsInvalidUtf8NamingTheField() {
        byte[] body = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        given().contentType("application/json").accept("application/json").body(body)
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("type", equalTo(INVALID))
                .body("detail", equalTo("prompt is not valid UTF-8"))
                .body("errors[0].field", equalTo("prompt"));
    }

    /** Jackson alone would read C0 AF as "/": RFC 3629 forbids overlong forms. */
    @Test
    void rejectsOverlongUtf8NamingTheField() {
        byte[] body = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', 'a', (byte) 0xC0, (byte) 0xAF, '"', '}'};
        given().contentType("application/json").accept("application/json").body(body)
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .body("detail", equalTo("prompt is not valid UTF-8"));
    }

    /** Jackson pads a key's last bytes with 0xFF when it looks the key up: "negativeProm\xFFpt" would be taken for negativePrompt. */
    @Test
    void aKeyWithByteFFIsNotTakenForAKnownName() {
        post("{'prompt':'boat','negativePrompt':'fog','sampleCount':1}").statusCode(202);
        byte[] body = "{\"negativeProm#pt\":\"fog\",\"prompt\":\"boat\",\"sampleCount\":1}".getBytes(StandardCharsets.UTF_8);
        body[14] = (byte) 0xFF;
        given().contentType("application/json").accept("application/json").body(body)
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .body("detail", startsWith("the body is not valid UTF-8 at line 1 column"));
    }

    @Test
    void truncatedJsonNamesLineAndColumn() {
        given().contentType("application/json").accept("application/json").body("{\n  \"prompt\": \"boat\",\n  \"sampleCount\": 1")
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("detail", equalTo("malformed JSON at line 3 column 19: the body ends before the JSON is complete"))
                .body("errors", nullValue());
    }

    /** A body announced larger than {@code quarkus.http.limits.max-body-size} is a 413 problem, unread. */
    @Test
    void rejectsBodyOverTheLimitWith413() {
        given().contentType("application/json").accept("application/json").body(oversizedBody())
                .when().post(GENERATIONS)
                .then()
                .statusCode(413)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("status", equalTo(413))
                .body("detail", containsString("larger than 262144 bytes"));
    }

    /** Chunked, the size is known only while reading: counted as it arrives, refused with the same problem. */
    @Test
    void rejectsChunkedBodyOverTheLimitWith413() throws Exception {
        byte[] body = oversizedBody().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(generations)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                // A supplier of unknown length: sent chunked, without Content-Length.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode());
        assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
        assertThat(response.headers().firstValue("Connection")).hasValue("close");
        assertThat(response.body()).isEqualTo("{\"type\":\"urn:imagen-gateway:problem:content-too-large\","
                + "\"title\":\"Content Too Large\",\"status\":413,\"detail\":\"the request body is larger than 262144 bytes\","
                + "\"instance\":\"/v1/generations\"}");
    }

    /** Counted as it arrives: a body that never ends is refused once it passes the limit, never read to its end. */
    @Test
    void refusesAnEndlessChunkedBodyOnceItPassesTheLimit() throws Exception {
        InputStream endless = new InputStream() {
            private boolean started;

            @Override
            public int read() {
                int b = started ? 'a' : '[';
                started = true;
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                for (int i = 0; i < length; i++) {
                    buffer[offset + i] = (byte) read();
                }
                return length;
            }
        };
        HttpRequest request = HttpRequest.newBuilder(generations).timeout(java.time.Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> endless))
                .build();
        // the answer must reach a client that is still sending, every time: closing at once under
        // unread bytes resets the connection, and the reset can overtake the 413
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int attempt = 0; attempt < 8; attempt++) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(413, response.statusCode(), "attempt " + attempt);
            assertThat(response.body()).contains("\"detail\":\"the request body is larger than 262144 bytes\"");
        }
    }

    /** A chunked body within the limit is read as any other. */
    @Test
    void acceptsChunkedBodyWithinTheLimit() throws Exception {
        byte[] body = "{\"prompt\":\"boat\",\"sampleCount\":1}".getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(generations)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
    }

    private static String oversizedBody() {
        return "{\"prompt\":\"" + "a".repeat(300 * 1024) + "\"}";
    }

    @Test
    void invalidRequestAskingForAStreamGetsA400ProblemNotAStream() {
        given().contentType("application/json").accept("text/event-stream").body("{\"prompt\":\"\",\"sampleCount\":0}")
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .contentType(not(containsString("event-stream")))
                .body("type", equalTo(INVALID))
                .body("errors.field", hasItems("prompt", "sampleCount"));
    }

    @Test
    void unreadableRequestAskingForAStreamGetsA400ProblemNotAStream() {
        given().contentType("application/json").accept("text/event-stream").body("{\"prompt\":")
                .when().post(GENERATIONS)
                .then()
                .statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON))
                .body("detail", containsString("malformed JSON"));
    }

    private static ValidatableResponse post(String singleQuotedJson) {
        return given().contentType("application/json").accept("application/json").body(json(singleQuotedJson))
                .when().post(GENERATIONS)
                .then();
    }

    /** Test bodies are written with single quotes for readability. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static Arguments rule(String name, String body, String expected) {
        return Arguments.of(name, body, expected);
    }
}

package imagen.gateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.support.LogCapture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * The error contract of the Vertex-compatible endpoints: every client error names the JSON path of
 * the offending value in plain words, in the problem members and in Google's INVALID_ARGUMENT
 * envelope ({@code google.rpc.BadRequest} field violations); a body over the limit or of the wrong
 * type is a 413 or 415 in the same shape; nothing a client sends makes the gateway log an ERROR or
 * a stack trace.
 */
@QuarkusTest
class ErrorContractTest {

    static final String PREDICT = "/v1/projects/p/locations/us-central1/publishers/google/models/"
            + "imagen-4.0-fast-generate-001:predict";
    static final String GENERATE = "/v1/projects/p/locations/global/publishers/google/models/"
            + "gemini-3.1-flash-image:generateContent";
    private static final String PROBLEM_JSON = "application/problem\\+json(;.*)?";
    private static final String BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TestHTTPResource(PREDICT)
    URI predict;

    private LogCapture logs;

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.start();
    }

    @AfterEach
    void noErrorWasLogged() {
        logs.close();
        assertThat(logs.texts()).as("client errors are logged at DEBUG at most, never with a stack trace")
                .noneMatch(ErrorContractTest::isErrorOrTrace);
    }

    static boolean isErrorOrTrace(String line) {
        return line.startsWith("ERROR") || line.startsWith("SEVERE") || line.startsWith("FATAL")
                || line.contains(" | thrown=");
    }

    @Test
    void predictSampleCountOfTheWrongTypeIsNamedByItsPath() {
        JsonNode body = predict("{'instances':[{'prompt':'boat'}],'parameters':{'sampleCount':'x'}}");
        assertThat(body).isEqualTo(vertexInvalid("invalid :predict request: parameters.sampleCount must be an integer",
                "parameters.sampleCount", "must be an integer"));
    }

    @Test
    void predictOutputOptionsOfTheWrongTypeNamesNoJavaClass() {
        JsonNode body = predict("{'instances':[{'prompt':'boat'}],'parameters':{'outputOptions':'png'}}");
        assertThat(body).isEqualTo(vertexInvalid("invalid :predict request: parameters.outputOptions must be an object",
                "parameters.outputOptions", "must be an object"));
    }

    @Test
    void predictPromptOfTheWrongTypeIsBlamedOnTheInstance() {
        JsonNode body = predict("{'instances':[{'prompt':5}]}");
        assertThat(body).isEqualTo(vertexInvalid("invalid :predict request: instances[0].prompt must be a string",
                "instances[0].prompt", "must be a string"));
    }

    @Test
    void predictNamesEveryValueOfTheWrongTypeInOneAnswer() {
        JsonNode body = predict("{'instances':[{'prompt':true,'negativePrompt':[1]}],'parameters':{'sampleCount':"
                + "99999999999999999999999,'seed':1.5,'addWatermark':'no','outputOptions':{'mimeType':5,"
                + "'compressionQuality':'high'},'aspectRatio':{}}}");
        assertThat(fields(body)).containsExactly(
                "instances[0].negativePrompt must be a string",
                "instances[0].prompt must be a string",
                "parameters.addWatermark must be a boolean",
                "parameters.aspectRatio must be a string",
                "parameters.outputOptions.compressionQuality must be an integer",
                "parameters.outputOptions.mimeType must be a string",
                "parameters.sampleCount is out of range",
                "parameters.seed must be an integer");
    }

    @Test
    void predictStructureErrorsNameTheirPath() {
        assertThat(fields(predict("{'instances':{'prompt':'boat'}}"))).containsExactly("instances must be an array");
        assertThat(fields(predict("{'instances':['boat']}"))).containsExactly("instances[0] must be an object");
        assertThat(fields(predict("{'instances':[{'prompt':'boat'}],'parameters':[1]}")))
                .containsExactly("parameters must be an object");
        assertThat(fields(predict("{'instances':[{'prompt':'boat'}],'extra':1}"))).containsExactly("extra is not a known field");
        assertThat(fields(predict("{'instances':[{'prompt':'boat'}],'labels':{'team':7}}")))
                .containsExactly("labels.team must be a string");
        assertThat(fields(predict("{'instances':[{'prompt':'boat','prompt':'ship'}]}")))
                .containsExactly("instances[0].prompt is given more than once");
    }

    @Test
    void predictMalformedJsonIsAnInvalidArgumentWithTheLineAndColumn() {
        postPredict("{\"instances\":[{\"prompt\":\"boat\"}]")
                .statusCode(400)
                .body("detail", equalTo("malformed JSON at line 1 column 33: the body ends before the JSON is complete"))
                .body("errors", nullValue())
                .body("error.code", equalTo(400))
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body("error.message", equalTo("malformed JSON at line 1 column 33: the body ends before the JSON is complete"))
                .body("error.details", nullValue());
    }

    @Test
    void predictTooDeepJsonIsAClean400() throws Exception {
        String deepParameter = "{\"instances\":[{\"prompt\":\"boat\"}],\"parameters\":{\"x\":" + "[".repeat(5000)
                + "]".repeat(5000) + "}}";
        for (String body : List.of("[".repeat(10_000), deepParameter)) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(predict)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(400);
            JsonNode problem = MAPPER.readTree(response.body());
            assertThat(problem.path("detail").asText()).isEqualTo("the JSON nests deeper than 1000 levels");
            assertThat(problem.path("error").path("status").asText()).isEqualTo("INVALID_ARGUMENT");
        }
    }

    @Test
    void predictWithoutAJsonTypeIsA415InVertexShape() {
        given().urlEncodingEnabled(false).contentType("text/plain").body("{}").when().post(PREDICT).then()
                .statusCode(415)
                .contentType(matchesPattern(PROBLEM_JSON))
                .header("Accept-Post", "application/json")
                .body("type", equalTo("urn:imagen-gateway:problem:unsupported-media-type"))
                .body("error.code", equalTo(415))
                .body("error.status", equalTo("INVALID_ARGUMENT"));
    }

    @Test
    void predictChunkedBodyOverTheLimitIsA413InVertexShape() throws Exception {
        byte[] body = ("{\"instances\":[{\"prompt\":\"" + "a".repeat(1300 * 1024) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(predict).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Connection")).hasValue("close");
        JsonNode problem = MAPPER.readTree(response.body());
        assertThat(problem.path("type").asText()).isEqualTo("urn:imagen-gateway:problem:content-too-large");
        assertThat(problem.path("detail").asText()).isEqualTo("the request body is larger than 262144 bytes");
        assertThat(problem.path("error").path("code").asInt()).isEqualTo(413);
        assertThat(problem.path("error").path("status").asText()).isEqualTo("INVALID_ARGUMENT");
    }

    static Stream<Arguments> geminiErrors() {
        String png = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        return Stream.of(
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'},{'inlineData':{'mimeType':'image/png','data':'@@@'}}]}]}",
                        List.of("contents[0].parts[1].inlineData.data must be base64")),
                Arguments.of("{'contents':[{'parts':[{'text':5}]}]}", List.of("contents[0].parts[0].text must be a string")),
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'},{'inlineData':{'mimeType':5,'data':true}}]}]}",
                        List.of("contents[0].parts[1].inlineData.mimeType must be a string",
                                "contents[0].parts[1].inlineData.data must be a string")),
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'}]}],'generationConfig':'fast'}",
                        List.of("generationConfig must be an object")),
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'}]}],'generationConfig':{'imageConfig':[],'seed':'7'}}",
                        List.of("generationConfig.seed must be an integer", "generationConfig.imageConfig must be an object")),
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'}]}],'generationConfig':{'seed':99999999999999999999999}}",
                        List.of("generationConfig.seed is out of range")),
                Arguments.of("{'contents':'a cat'}", List.of("contents must be an array")),
                Arguments.of("{'contents':[7]}", List.of("contents[0] must be an object")),
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'}]}],'safetySettings':{'threshold':'BLOCK_NONE'}}",
                        List.of("safetySettings must be an array")),
                Arguments.of("{'contents':[{'parts':[{'text':'a cat'},{'inlineData':{'mimeType':'image/png','data':'" + png
                        + "'}},{'inlineData':{'mimeType':'image/gif','data':'" + png + "'}}]}]}",
                        List.of("contents[0].parts[2].inlineData.mimeType must be one of image/png, image/jpeg, image/webp,"
                                + " image/heic, image/heif")));
    }

    @ParameterizedTest
    @MethodSource("geminiErrors")
    void generateContentNamesTheJsonPath(String body, List<String> expected) throws Exception {
        String answer = given().urlEncodingEnabled(false).contentType("application/json").body(body.replace('\'', '"')).when().post(GENERATE).then()
                .statusCode(400).contentType(matchesPattern(PROBLEM_JSON))
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .extract().asString();
        JsonNode problem = MAPPER.readTree(answer);
        assertThat(fields(problem)).containsExactlyElementsOf(expected);
        assertNoInternals(answer);
    }

    @Test
    void generationsAnswersCarryNoInternals() {
        for (String body : List.of("{'prompt':'boat','outputOptions':'png'}", "{'prompt':'boat','images':[{'data':'@'}]}",
                "{'prompt':'boat','sampleCount':1e400}", "{'prompt':'boat'", "{'prompt':'boat','x':{'y':[1,2]}}")) {
            String answer = given().urlEncodingEnabled(false).contentType("application/json").body(body.replace('\'', '"')).when()
                    .post("/v1/generations").then().statusCode(400).extract().asString();
            assertNoInternals(answer);
        }
    }

    static void assertNoInternals(String answer) {
        assertThat(answer).doesNotContain("java.", "jackson", "Jackson", "imagen.gateway", "Exception", "CoercionConfig",
                "`", "\tat ", "Source: ");
    }

    /** The body of a 400 from :predict, checked for its shape, as a tree. */
    private JsonNode predict(String singleQuoted) {
        String answer = postPredict(singleQuoted.replace('\'', '"')).statusCode(400)
                .contentType(matchesPattern(PROBLEM_JSON)).extract().asString();
        assertNoInternals(answer);
        try {
            return MAPPER.readTree(answer);
        } catch (Exception e) {
            throw new AssertionError(answer, e);
        }
    }

    private static ValidatableResponse postPredict(String body) {
        return given().urlEncodingEnabled(false).contentType("application/json").body(body).when().post(PREDICT).then();
    }

    /** Each field error as "path message", in the order given, checked to be the same in both shapes. */
    static List<String> fields(JsonNode problem) {
        List<String> errors = new java.util.ArrayList<>();
        problem.path("errors").forEach(e -> errors.add(e.path("field").asText() + " " + e.path("message").asText()));
        List<String> violations = new java.util.ArrayList<>();
        problem.path("error").path("details").forEach(detail -> {
            if (BAD_REQUEST.equals(detail.path("@type").asText())) {
                detail.path("fieldViolations").forEach(v -> violations.add(v.path("field").asText() + " "
                        + v.path("description").asText()));
            }
        });
        assertThat(violations).as("google.rpc.BadRequest mirrors the problem's errors").isEqualTo(errors);
        assertThat(problem.path("error").path("code").asInt()).isEqualTo(problem.path("status").asInt());
        return errors;
    }

    /** The exact body of a one-field INVALID_ARGUMENT on :predict. */
    private static JsonNode vertexInvalid(String detail, String field, String message) {
        var body = MAPPER.createObjectNode().put("type", "urn:imagen-gateway:problem:invalid-request")
                .put("title", "Invalid request").put("status", 400).put("detail", detail).put("instance", PREDICT);
        body.putArray("errors").addObject().put("field", field).put("message", message);
        var error = body.putObject("error").put("code", 400).put("message", detail).put("status", "INVALID_ARGUMENT");
        error.putArray("details").addObject().put("@type", BAD_REQUEST).putArray("fieldViolations").addObject()
                .put("field", field).put("description", message);
        return body;
    }
}

package imagen.gateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.support.SseClient;
import imagen.gateway.upstream.Guards;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The OpenAPI document against the gateway itself. The document: every operation of the API has
 * its errors as problems in the right media type, the streams are event streams, the
 * Vertex-compatible paths are there, no framework type is an API schema, every reference
 * resolves. The gateway: typical requests, good and bad, are sent for real, and each answer's
 * status, media type and body (each SSE event too) must be what the document says for that
 * operation, checked member by member: an undocumented member fails, as a missing required one
 * does.
 */
@QuarkusTest
class OpenApiContractTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String EVENT_STREAM = "text/event-stream";
    private static final String GENERATIONS = "/v1/generations";
    private static final String MODEL = "/{version}/projects/{project}/locations/{location}/publishers/google/models/{model}";
    private static final String PREDICT = MODEL + ":predict";
    private static final String GENERATE = MODEL + ":generateContent";
    private static final String STREAM = MODEL + ":streamGenerateContent";
    private static final String IMAGEN = "imagen-4.0-fast-generate-001";
    private static final String GEMINI = "gemini-3.1-flash-image";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Types of Jackson, JAX-RS, Mutiny and Vert.x, and Java's own, that must never be an API schema. */
    private static final Set<String> FRAMEWORK_TYPES = Set.of("JsonNode", "ObjectNode", "ArrayNode", "JsonNodeType",
            "TextNode", "NumericNode", "MediaType", "OutboundSseEvent", "Sse", "SseEventSink", "Response", "ResponseBuilder",
            "EntityTag", "CacheControl", "Request", "UriInfo", "Multi", "Uni", "HttpServerResponse", "RoutingContext",
            "Object", "Class", "Map", "List", "Optional", "Instant", "Duration");

    /** What each event of a job's stream carries, by name. */
    private static final Map<String, String> EVENT_DATA = Map.of("accepted", "AcceptedEvent", "attempt", "AttemptEvent",
            "retry", "RetryEvent", "text", "TextEvent", "preview", "PreviewEvent", "image", "ImageEvent",
            "filtered", "FilteredEvent", "done", "DoneEvent", "error", "Problem");

    /** Every real answer checked, for the evidence: "METHOD path → status media type". */
    private static final Set<String> CHECKED = new TreeSet<>();

    private static JsonNode doc;

    @TestHTTPResource("/")
    URI base;

    @Inject
    Guards guards;

    /** Once the application runs (a static @BeforeAll would come before it listens). */
    @BeforeEach
    void readTheDocument() throws IOException {
        if (doc != null) {
            return;
        }
        String json = given().accept("application/json").when().get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        doc = MAPPER.readTree(json);
    }

    /** Upstream faults are sent on purpose here: no breaker they open may outlive a test. */
    @BeforeEach
    @AfterEach
    void closeBreakers() {
        guards.resetBreakers();
    }

    // --- the document ---------------------------------------------------------------------------

    @Test
    void creatingAJobIsA202WithLocationAndA200OnlyAsAStream() {
        JsonNode responses = operation("post", GENERATIONS).path("responses");
        JsonNode accepted = resolve(responses.path("202"));
        assertThat(accepted.path("headers").has("Location")).as("202 Location").isTrue();
        assertThat(names(accepted.path("content"))).containsExactly("application/json");
        assertThat(refs(accepted.path("content").path("application/json").path("schema"))).containsExactly("AcceptedGeneration");
        // the 200 is real, and only for Accept: text/event-stream (createAndStream)
        assertThat(names(resolve(responses.path("200")).path("content"))).containsExactly(EVENT_STREAM);
        assertThat(names(responses)).doesNotContain("201", "204");
    }

    @Test
    void everyApiOperationAnswersItsErrorsAsProblems() {
        List<String> checked = new ArrayList<>();
        forEachOperation((path, method, operation) -> {
            if (!path.startsWith("/v1/") && !path.startsWith("/v1beta1/")) {
                return;
            }
            String where = method.toUpperCase() + " " + path;
            boolean vertex = path.contains("/publishers/google/models/");
            JsonNode responses = operation.path("responses");
            Set<String> statuses = names(responses);
            assertThat(statuses).as(where).contains("401", "429", "500");
            assertThat(statuses.stream().anyMatch(s -> s.startsWith("4"))).as(where + " 4xx").isTrue();
            assertThat(statuses.stream().anyMatch(s -> s.startsWith("5"))).as(where + " 5xx").isTrue();
            if ("post".equals(method)) {
                assertThat(statuses).as(where + ": a JSON body").contains("400", "413", "415");
            }
            Set<String> errorSchemas = new LinkedHashSet<>();
            for (String status : statuses) {
                if (status.compareTo("400") < 0) {
                    continue;
                }
                JsonNode response = resolve(responses.path(status));
                assertThat(response.path("description").asText()).as(where + " " + status + " description").isNotBlank();
                assertThat(names(response.path("content"))).as(where + " " + status).containsExactly(PROBLEM_JSON);
                Set<String> schemas = refs(response.path("content").path(PROBLEM_JSON).path("schema"));
                assertThat(schemas).as(where + " " + status).isNotEmpty().isSubsetOf(vertex
                        ? Set.of("Problem", "VertexError") : Set.of("Problem"));
                errorSchemas.addAll(schemas);
            }
            if (vertex) {
                assertThat(errorSchemas).as(where + ": Google's envelope").contains("VertexError");
            }
            for (String waits : List.of("429", "503")) {
                if (statuses.contains(waits)) {
                    assertThat(resolve(responses.path(waits)).path("headers").has("Retry-After")).as(where + " " + waits)
                            .isTrue();
                }
            }
            assertThat(resolve(responses.path("401")).path("headers").has("WWW-Authenticate")).as(where).isTrue();
            checked.add(where);
        });
        // the /v1 API's five, and the Vertex-compatible six under v1 and v1beta1
        assertThat(checked).hasSize(17);
    }

    @Test
    void streamsAreEventStreams() {
        JsonNode events = operation("get", GENERATIONS + "/{id}/events");
        assertThat(names(resolve(events.path("responses").path("200")).path("content"))).containsExactly(EVENT_STREAM);
        assertThat(refs(resolve(events.path("responses").path("200")).path("content").path(EVENT_STREAM).path("schema")))
                .containsExactly("GenerationEvent");
        assertThat(parameter(events, "header", "Last-Event-ID")).as("Last-Event-ID").isNotNull();
        JsonNode eventNames = schema("GenerationEvent").path("properties").path("event").path("enum");
        assertThat(eventNames).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(EVENT_DATA.keySet());
        for (String version : List.of("v1", "v1beta1")) {
            JsonNode stream = operation("post", vertexPath(STREAM, version));
            assertThat(names(resolve(stream.path("responses").path("200")).path("content"))).containsExactly(EVENT_STREAM);
        }
    }

    @Test
    void vertexCompatiblePathsAreThereAsGoogleSdksCallThem() {
        Map<String, String> bodies = Map.of(PREDICT, "PredictRequest", GENERATE, "GenerateContentRequest",
                STREAM, "GenerateContentRequest");
        int operations = 0;
        for (String version : List.of("v1", "v1beta1")) {
            for (Map.Entry<String, String> template : bodies.entrySet()) {
                for (String path : List.of(vertexPath(template.getKey(), version),
                        vertexPath(template.getKey(), version).replace("/projects/{project}/locations/{location}", ""))) {
                    JsonNode operation = operation("post", path);
                    assertThat(refs(operation.path("requestBody").path("content").path("application/json").path("schema")))
                            .as(path).containsExactly(template.getValue());
                    for (String name : List.of("project", "location", "model")) {
                        assertThat(parameter(operation, "path", name) != null).as(path + " " + name)
                                .isEqualTo(path.contains("{" + name + "}"));
                    }
                    operations++;
                }
            }
        }
        assertThat(operations).isEqualTo(12);
        assertThat(doc.path("paths").fieldNames()).toIterable().noneMatch(p -> p.startsWith("/{version}/"));
    }

    @Test
    void noFrameworkTypeIsAnApiSchemaAndEveryReferenceResolves() {
        Set<String> schemas = names(doc.path("components").path("schemas"));
        assertThat(schemas).contains("Problem", "VertexError", "GenerationRequest", "PredictRequest",
                "GenerateContentRequest", "GenerationEvent");
        assertThat(schemas).doesNotContainAnyElementsOf(FRAMEWORK_TYPES);
        List<String> references = new ArrayList<>();
        collectRefs(doc, references);
        assertThat(references).isNotEmpty();
        for (String reference : references) {
            assertThat(reference).startsWith("#/components/");
            assertThat(doc.at(reference.substring(1)).isMissingNode()).as(reference).isFalse();
            assertThat(reference.substring(reference.lastIndexOf('/') + 1)).isNotIn(FRAMEWORK_TYPES);
        }
        // every path template names a declared parameter
        forEachOperation((path, method, operation) -> {
            Matcher names = Pattern.compile("\\{([^}]+)}").matcher(path);
            while (names.find()) {
                assertThat(parameter(operation, "path", names.group(1))).as(method + " " + path).isNotNull();
            }
        });
    }

    /** The documented problem is the real record, member for member. */
    @Test
    void theProblemSchemaIsTheProblemRecord() {
        assertThat(names(schema("Problem").path("properties"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(imagen.gateway.request.Problem.class.getRecordComponents()).map(RecordComponent::getName).toList());
        assertThat(names(schema("FieldError").path("properties"))).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(imagen.gateway.request.Problem.FieldError.class.getRecordComponents())
                        .map(RecordComponent::getName).toList());
    }

    /** The document's examples are true: each one fits its schema. */
    @Test
    void everyExampleFitsItsSchema() {
        List<String> checked = new ArrayList<>();
        forEachSchemaWithExamples(doc.path("components").path("schemas"), "#/components/schemas", (where, schema) -> {
            for (JsonNode example : schema.path("examples")) {
                assertThat(new SchemaCheck(doc).check(example, schema)).as(where + " example " + example).isEmpty();
                checked.add(where);
            }
        });
        assertThat(checked).contains("#/components/schemas/Problem", "#/components/schemas/Problem/properties/status");
    }

    // --- the gateway against the document -------------------------------------------------------

    /** Each request example of the document, sent as is to the path its parameters' examples make, is accepted. */
    @Test
    void everyRequestExampleIsAccepted() {
        List<String> sent = new ArrayList<>();
        forEachOperation((path, method, operation) -> {
            JsonNode examples = operation.path("requestBody").path("content").path("application/json").path("examples");
            if (!path.startsWith("/v1") || examples.isEmpty()) {
                return;
            }
            String uri = path;
            for (JsonNode parameter : operation.path("parameters")) {
                if ("path".equals(parameter.path("in").asText())) {
                    uri = uri.replace("{" + parameter.path("name").asText() + "}", parameter.path("example").asText());
                }
            }
            boolean streams = names(resolve(operation.path("responses").path("200")).path("content")).equals(Set.of(EVENT_STREAM))
                    && !operation.path("responses").has("202");
            for (Iterator<Map.Entry<String, JsonNode>> each = examples.fields(); each.hasNext();) {
                Map.Entry<String, JsonNode> example = each.next();
                String body = example.getValue().path("value").toString();
                String where = method.toUpperCase() + " " + path + " example " + example.getKey();
                assertThat(requestErrors(method, path, body)).as(where).isEmpty();
                if (streams) {
                    List<SseClient.Event> events = checkedStream(method, path, base.resolve(uri + "?alt=sse"), body);
                    assertThat(events.get(events.size() - 1).json().has("error")).as(where).isFalse();
                } else {
                    Response answer = checked(method, path, json(body).accept("application/json"), uri);
                    assertThat(answer.statusCode()).as(where + " " + abbreviated(answer.asString())).isBetween(200, 202);
                }
                sent.add(where);
            }
        });
        // POST /v1/generations (Imagen and Gemini), and the six Vertex-compatible operations under v1 and v1beta1
        assertThat(sent).hasSize(14);
    }

    @Test
    void aJobItsEventsAndItsImagesAnswerAsDocumented() {
        String body = "{\"prompt\":\"openapi contract " + System.nanoTime() + "\",\"sampleCount\":1,\"seed\":7,"
                + "\"addWatermark\":false,\"includeRaiReason\":true}";
        assertThat(requestErrors("post", GENERATIONS, body)).isEmpty();
        Response created = checked("post", GENERATIONS, json(body).accept("application/json"), GENERATIONS);
        assertThat(created.statusCode()).isEqualTo(202);
        String location = GENERATIONS + "/" + created.path("id");
        assertThat(created.header("Location")).endsWith(location);
        assertThat(created.<String>path("events")).isEqualTo(location + "/events");

        List<SseClient.Event> events = checkedStream("get", GENERATIONS + "/{id}/events",
                base.resolve(created.<String>path("events")), null);
        assertThat(events).extracting(SseClient.Event::name).contains("accepted", "attempt", "image", "done");

        Response job = checked("get", GENERATIONS + "/{id}", given().accept("application/json"), location);
        assertThat(job.statusCode()).isEqualTo(200);
        assertThat(job.<String>path("status")).isEqualTo("succeeded");
        String url = job.path("images[0].url");
        String digest = url.substring(url.lastIndexOf('/') + 1);

        Response image = checked("get", "/v1/images/{digest}", given(), url);
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.header("ETag")).isEqualTo("\"" + digest + "\"");
        assertThat(image.header("Cache-Control")).contains("immutable");
        Response again = checked("get", "/v1/images/{digest}", given().header("If-None-Match", "\"" + digest + "\""), url);
        assertThat(again.statusCode()).isEqualTo(304);

        // the same request again: a cache hit, streamed in the response of POST
        List<SseClient.Event> hit = checkedStream("post", GENERATIONS, generations(), body);
        assertThat(hit.get(0).json().path("cache").asText()).isEqualTo("hit");
    }

    /** Every kind of event, and the job views they end in. */
    @Test
    void everyKindOfEventIsAsDocumented() {
        String gemini = "{\"model\":\"gemini-3-pro-image\",\"prompt\":\"contract events " + System.nanoTime() + "\"}";
        assertThat(requestErrors("post", GENERATIONS, gemini)).isEmpty();
        assertThat(names(checkedStream("post", GENERATIONS, generations(), gemini))).contains("text", "preview", "image", "done");
        String retried = "{\"prompt\":\"contract retry " + System.nanoTime() + "\"}";
        assertThat(names(checkedStream("post", GENERATIONS, generations(), retried, Map.of("X-Simulator-Fault", "503,ok"))))
                .contains("retry", "done");
        String filtered = "{\"prompt\":\"a forbidden boat " + System.nanoTime() + "\",\"includeRaiReason\":true}";
        List<SseClient.Event> withheld = checkedStream("post", GENERATIONS, generations(), filtered);
        assertThat(names(withheld)).contains("filtered");
        checkedJob(withheld.get(0).json().path("id").asText(), "filtered");
        String failing = "{\"prompt\":\"contract failure " + System.nanoTime() + "\"}";
        List<SseClient.Event> failed = checkedStream("post", GENERATIONS, generations(), failing,
                Map.of("X-Simulator-Fault", "400"));
        assertThat(names(failed)).endsWith("error");
        checkedJob(failed.get(0).json().path("id").asText(), "error");
    }

    /** A finished job's view, which has the named member. */
    private void checkedJob(String id, String member) {
        Response job = checked("get", GENERATIONS + "/{id}", given(), GENERATIONS + "/" + id);
        assertStatus(200, job);
        JsonNode view = read(job.asString());
        assertThat(view.path(member).isMissingNode() || view.path(member).isEmpty()).as(view.toString()).isFalse();
    }

    private URI generations() {
        return base.resolve(GENERATIONS);
    }

    private static List<String> names(List<SseClient.Event> events) {
        return events.stream().map(SseClient.Event::name).toList();
    }

    @Test
    void badRequestsOfTheApiAnswerAsDocumented() {
        // what the document refuses, the gateway refuses
        assertThat(requestErrors("post", GENERATIONS, "{\"prompt\":\"x\",\"sampleCount\":9}")).isNotEmpty();
        assertThat(requestErrors("post", GENERATIONS, "{\"prompt\":\"x\",\"colour\":\"red\"}")).isNotEmpty();
        assertThat(requestErrors("post", GENERATIONS, "{\"sampleCount\":1}")).isNotEmpty();
        assertStatus(400, checked("post", GENERATIONS, json("{\"prompt\":\"x\",\"sampleCount\":9}"), GENERATIONS));
        assertStatus(400, checked("post", GENERATIONS, json("{\"prompt\":\"x\",\"colour\":\"red\"}"), GENERATIONS));
        assertStatus(400, checked("post", GENERATIONS, json("{\"prompt\":"), GENERATIONS));
        assertStatus(415, checked("post", GENERATIONS, given().contentType("text/plain").body("a boat"), GENERATIONS));
        assertStatus(413, checked("post", GENERATIONS, json("{\"prompt\":\"" + "a".repeat(300 * 1024) + "\"}"), GENERATIONS));
        assertStatus(404, checked("get", GENERATIONS + "/{id}", given(), GENERATIONS + "/no-such-job"));
        assertStatus(404, checked("get", GENERATIONS + "/{id}/events", given().accept(EVENT_STREAM),
                GENERATIONS + "/no-such-job/events"));
        assertStatus(404, checked("get", "/v1/images/{digest}", given(), "/v1/images/" + "0".repeat(64)));
        assertStatus(404, checked("get", "/v1/images/{digest}", given(), "/v1/images/not-a-digest"));
        assertStatus(200, checked("get", "/v1/models", given(), "/v1/models"));

        String id = checked("post", GENERATIONS, json("{\"prompt\":\"last event id\",\"seed\":11,\"addWatermark\":false}")
                .accept("application/json"), GENERATIONS).path("id");
        assertStatus(400, checked("get", GENERATIONS + "/{id}/events", given().accept(EVENT_STREAM)
                .header("Last-Event-ID", "soon"), GENERATIONS + "/" + id + "/events"));
    }

    @Test
    void predictAnswersAsDocumented() {
        String path = vertexUri(PREDICT, IMAGEN);
        String good = "{\"instances\":[{\"prompt\":\"contract predict " + System.nanoTime() + "\"}],"
                + "\"parameters\":{\"sampleCount\":1,\"seed\":5,\"addWatermark\":false}}";
        assertThat(requestErrors("post", vertexPath(PREDICT, "v1"), good)).isEmpty();
        Response ok = checked("post", vertexPath(PREDICT, "v1"), json(good), path);
        assertStatus(200, ok);
        assertThat(ok.header("X-Generation-Id")).isNotBlank();
        assertThat(ok.header("X-Cache")).isEqualTo("miss");
        assertStatus(200, checked("post", vertexPath(PREDICT, "v1beta1").replace("/projects/{project}/locations/{location}", ""),
                json(good), "/v1beta1/publishers/google/models/" + IMAGEN + ":predict"));

        String bad = "{\"instances\":[{\"prompt\":\"\"}],\"parameters\":{\"sampleCount\":9},\"extra\":1}";
        assertThat(requestErrors("post", vertexPath(PREDICT, "v1"), bad)).isNotEmpty();
        assertThat(requestErrors("post", vertexPath(PREDICT, "v1"), "{\"instances\":[{\"prompt\":\"a\",\"image\":{}}]}"))
                .isNotEmpty();
        Response invalid = checked("post", vertexPath(PREDICT, "v1"), json(bad), path);
        assertStatus(400, invalid);
        assertThat(invalid.<String>path("error.status")).isEqualTo("INVALID_ARGUMENT");
        assertStatus(400, checked("post", vertexPath(PREDICT, "v1"), json("{\"instances\":"), path));
        assertStatus(415, checked("post", vertexPath(PREDICT, "v1"), given().urlEncodingEnabled(false)
                .contentType("text/plain").body("x"), path));

        // the generation's own failures, through the simulator: Google's envelope, and the wait when there is one
        Map<String, Integer> faults = new LinkedHashMap<>();
        faults.put("400", 400);
        faults.put("403", 502);
        faults.put("404", 404);
        faults.put("429:0.01s", 429);
        faults.put("500", 500);
        faults.put("503", 503);
        faults.put("504", 504);
        int seed = 100;
        for (Map.Entry<String, Integer> fault : faults.entrySet()) {
            guards.resetBreakers();
            Response failed = checked("post", vertexPath(PREDICT, "v1"), json("{\"instances\":[{\"prompt\":\"fault "
                    + fault.getKey() + " " + System.nanoTime() + "\"}],\"parameters\":{\"seed\":" + seed++
                    + ",\"addWatermark\":false}}").header("X-Simulator-Fault", fault.getKey()), path);
            assertStatus(fault.getValue(), failed);
            assertThat(failed.<Integer>path("error.code")).as(fault.getKey()).isEqualTo(fault.getValue());
            if (fault.getValue() == 429) {
                assertThat(failed.header("Retry-After")).isEqualTo("1");
            }
        }
    }

    @Test
    void generateContentAnswersAsDocumented() {
        String path = vertexUri(GENERATE, GEMINI);
        assertThat(requestErrors("post", vertexPath(GENERATE, "v1"), geminiBody("a boat"))).isEmpty();
        assertThat(requestErrors("post", vertexPath(GENERATE, "v1"), "{\"contents\":[],\"tools\":[]}")).isNotEmpty();
        assertThat(requestErrors("post", vertexPath(GENERATE, "v1"), "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
                + "\"generationConfig\":{\"temperature\":1}}")).isNotEmpty();
        Response ok = checked("post", vertexPath(GENERATE, "v1"), json(geminiBody("contract gemini " + System.nanoTime())), path);
        assertStatus(200, ok);
        assertThat(ok.<String>path("candidates[0].content.parts.find { it.inlineData != null }.inlineData.mimeType"))
                .startsWith("image/");
        assertStatus(422, checked("post", vertexPath(GENERATE, "v1"), json(geminiBody("a no-image " + System.nanoTime())), path));
        Response invalid = checked("post", vertexPath(GENERATE, "v1"), json("{\"contents\":[],\"tools\":[]}"), path);
        assertStatus(400, invalid);
        assertThat(invalid.<String>path("error.details[0].'@type'")).endsWith("google.rpc.BadRequest");
        // an Imagen model is refused on :generateContent
        assertStatus(400, checked("post", vertexPath(GENERATE, "v1"), json(geminiBody("imagen here")), vertexUri(GENERATE, IMAGEN)));

        URI stream = base.resolve(vertexUri(STREAM, GEMINI) + "?alt=sse");
        List<SseClient.Event> chunks = checkedStream("post", vertexPath(STREAM, "v1"), stream,
                geminiBody("contract stream " + System.nanoTime()));
        assertThat(chunks.get(chunks.size() - 1).json().path("candidates").path(0).path("finishReason").asText()).isEqualTo("STOP");
        List<SseClient.Event> failing = checkedStream("post", vertexPath(STREAM, "v1"), stream,
                geminiBody("contract stream fault " + System.nanoTime()),
                Map.of("X-Simulator-Fault", "stream-500,stream-500,stream-500,stream-500"));
        assertThat(failing.get(failing.size() - 1).json().path("error").path("code").asInt()).isEqualTo(500);
        assertStatus(400, checked("post", vertexPath(STREAM, "v1"), json("{\"contents\":[{\"parts\":[{\"fileData\":{}}]}]}")
                .accept(EVENT_STREAM), vertexUri(STREAM, GEMINI)));
    }

    @AfterAll
    static void writeEvidence() throws IOException {
        if (doc == null) {
            return;
        }
        StringBuilder out = new StringBuilder("# Operations and their documented statuses (from /q/openapi)\n\n");
        forEachOperation((path, method, operation) -> {
            List<String> statuses = new ArrayList<>();
            JsonNode responses = operation.path("responses");
            responses.fieldNames().forEachRemaining(status -> {
                JsonNode response = resolve(responses.path(status));
                List<String> media = new ArrayList<>();
                response.path("content").fields().forEachRemaining(m -> media.add(m.getKey() + " "
                        + String.join("|", refs(m.getValue().path("schema")))));
                statuses.add(status + (media.isEmpty() ? "" : " " + media));
            });
            out.append("- ").append(method.toUpperCase()).append(' ').append(path).append('\n');
            statuses.forEach(s -> out.append("    - ").append(s.trim()).append('\n'));
        });
        out.append("\n# Real answers checked against the document\n\n");
        CHECKED.forEach(line -> out.append("- ").append(line).append('\n'));
        Path target = Path.of("target", "openapi-contract.md");
        Files.createDirectories(target.getParent());
        Files.writeString(target, out);
    }

    // --- checking real answers --------------------------------------------------------------------

    /** Sends the request and checks the answer against the operation's documented response. */
    private Response checked(String method, String path, RequestSpecification request, String uri) {
        Response response = "post".equals(method) ? request.when().post(uri) : request.when().get(uri);
        String where = method.toUpperCase() + " " + path + " → " + response.statusCode();
        JsonNode documented = documentedResponse(method, path, response.statusCode(), where);
        String body = response.asString();
        if (body.isEmpty()) {
            CHECKED.add(where);
            return response;
        }
        String media = response.contentType().split(";")[0].trim();
        JsonNode content = documented.path("content");
        String key = content.has(media) ? media : media.startsWith("image/") && content.has("image/*") ? "image/*" : null;
        assertThat(key).as(where + ": media type " + media + " documented as " + names(content)).isNotNull();
        if (media.endsWith("json")) {
            List<String> errors = new SchemaCheck(doc).check(read(body), content.path(key).path("schema"));
            assertThat(errors).as(where + " " + abbreviated(body)).isEmpty();
        }
        CHECKED.add(where + " " + media);
        return response;
    }

    private List<SseClient.Event> checkedStream(String method, String path, URI uri, String body) {
        return checkedStream(method, path, uri, body, Map.of());
    }

    /** Reads a whole stream and checks each event against the documented event schema. */
    private List<SseClient.Event> checkedStream(String method, String path, URI uri, String body, Map<String, String> headers) {
        try (SseClient stream = body == null ? SseClient.get(uri, headers) : SseClient.post(uri, body, headers)) {
            String where = method.toUpperCase() + " " + path + " → " + stream.status();
            JsonNode documented = documentedResponse(method, path, stream.status(), where);
            assertThat(stream.header("Content-Type")).as(where).startsWith(EVENT_STREAM);
            JsonNode frame = documented.path("content").path(EVENT_STREAM).path("schema");
            assertThat(frame.isMissingNode()).as(where + ": documented as an event stream").isFalse();
            List<SseClient.Event> events = stream.readAll(WAIT);
            assertThat(events).as(where).isNotEmpty();
            SchemaCheck check = new SchemaCheck(doc);
            for (SseClient.Event event : events) {
                ObjectNode asDocumented = MAPPER.createObjectNode();
                if (event.id() != null) {
                    asDocumented.put("id", event.id());
                }
                // an event without an event: line is a "message", as EventSource has it
                boolean named = !"message".equals(event.name());
                if (named) {
                    asDocumented.put("event", event.name());
                }
                asDocumented.set("data", event.json());
                String seen = where + " " + event.name() + " " + abbreviated(event.data());
                assertThat(check.check(asDocumented, frame)).as(seen).isEmpty();
                if (named) {
                    assertThat(EVENT_DATA).as(seen).containsKey(event.name());
                    assertThat(check.check(event.json(), ref(EVENT_DATA.get(event.name())))).as(seen).isEmpty();
                }
            }
            CHECKED.add(where + " " + EVENT_STREAM + " (" + String.join(", ", new LinkedHashSet<>(
                    events.stream().map(SseClient.Event::name).toList())) + ")");
            return events;
        }
    }

    /** The errors of a request body against the operation's documented request schema. */
    private static List<String> requestErrors(String method, String path, String body) {
        JsonNode schema = operation(method, path).path("requestBody").path("content").path("application/json").path("schema");
        assertThat(schema.isMissingNode()).as(method + " " + path + " documents its body").isFalse();
        return new SchemaCheck(doc).check(read(body), schema);
    }

    private static JsonNode documentedResponse(String method, String path, int status, String where) {
        JsonNode response = operation(method, path).path("responses").path(Integer.toString(status));
        assertThat(response.isMissingNode()).as(where + " is not documented").isFalse();
        return resolve(response);
    }

    private static void assertStatus(int status, Response response) {
        assertThat(response.statusCode()).as(abbreviated(response.asString())).isEqualTo(status);
    }

    /** Image bytes make bodies long: enough of one to see what it is. */
    private static String abbreviated(String text) {
        return text.length() <= 600 ? text : text.substring(0, 600) + "…";
    }

    /** As Google's SDKs send it: the {@code :} of {@code model:predict} unescaped. */
    private static RequestSpecification json(String body) {
        return given().urlEncodingEnabled(false).contentType("application/json").body(body);
    }

    private static String geminiBody(String prompt) {
        return "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + prompt + "\"}]}],"
                + "\"generationConfig\":{\"responseModalities\":[\"TEXT\",\"IMAGE\"],\"seed\":3}}";
    }

    private static String vertexPath(String template, String version) {
        return template.replace("{version}", version);
    }

    private static String vertexUri(String template, String model) {
        return vertexPath(template, "v1").replace("{project}", "my-project").replace("{location}", "us-central1")
                .replace("{model}", model);
    }

    // --- reading the document ---------------------------------------------------------------------

    private static void forEachSchemaWithExamples(JsonNode node, String where,
            java.util.function.BiConsumer<String, JsonNode> visitor) {
        if (!node.isObject()) {
            return;
        }
        if (node.path("examples").isArray()) {
            visitor.accept(where, node);
        }
        node.fields().forEachRemaining(field -> {
            if (!"examples".equals(field.getKey())) {
                forEachSchemaWithExamples(field.getValue(), where + "/" + field.getKey(), visitor);
            }
        });
    }

    private interface OperationVisitor {
        void visit(String path, String method, JsonNode operation);
    }

    private static void forEachOperation(OperationVisitor visitor) {
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(method -> {
            if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(method.getKey())) {
                visitor.visit(path.getKey(), method.getKey(), method.getValue());
            }
        }));
    }

    private static JsonNode operation(String method, String path) {
        JsonNode operation = doc.path("paths").path(path).path(method);
        assertThat(operation.isMissingNode()).as(method.toUpperCase() + " " + path + " is in the document").isFalse();
        return operation;
    }

    private static JsonNode schema(String name) {
        JsonNode schema = doc.path("components").path("schemas").path(name);
        assertThat(schema.isMissingNode()).as("schema " + name).isFalse();
        return schema;
    }

    private static JsonNode ref(String schema) {
        return MAPPER.createObjectNode().put("$ref", "#/components/schemas/" + schema);
    }

    private static JsonNode parameter(JsonNode operation, String in, String name) {
        for (JsonNode parameter : operation.path("parameters")) {
            JsonNode p = resolve(parameter);
            if (in.equals(p.path("in").asText()) && name.equalsIgnoreCase(p.path("name").asText())) {
                return p;
            }
        }
        return null;
    }

    static JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            node = doc.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The schemas a schema names directly or through anyOf/oneOf/allOf. */
    private static Set<String> refs(JsonNode schema) {
        Set<String> refs = new LinkedHashSet<>();
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            refs.add(ref.substring(ref.lastIndexOf('/') + 1));
        }
        for (String combination : List.of("anyOf", "oneOf", "allOf")) {
            schema.path(combination).forEach(member -> refs.addAll(refs(member)));
        }
        return refs;
    }

    private static void collectRefs(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if ("$ref".equals(field.getKey()) && field.getValue().isTextual()) {
                    into.add(field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(element -> collectRefs(element, into));
        }
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The JSON Schema 2020-12 keywords the document uses, checked strictly: an object's members must
     * be documented (its own {@code properties}, and those of its {@code allOf}) unless
     * {@code additionalProperties} lets them in, so a member added to an answer and not to the
     * document fails. A keyword this check does not know fails too, rather than passing unchecked.
     */
    static final class SchemaCheck {

        private static final Set<String> ANNOTATIONS = Set.of("description", "examples", "example", "title", "default",
                "deprecated", "readOnly", "writeOnly", "format", "contentMediaType", "contentEncoding", "$comment");
        private static final Set<String> ASSERTIONS = Set.of("$ref", "type", "properties", "required",
                "additionalProperties", "items", "enum", "const", "anyOf", "allOf", "oneOf", "minimum", "maximum",
                "minItems", "maxItems", "minLength", "maxLength", "pattern");

        private final JsonNode doc;

        SchemaCheck(JsonNode doc) {
            this.doc = doc;
        }

        List<String> check(JsonNode value, JsonNode schema) {
            List<String> errors = new ArrayList<>();
            check(value, schema, "$", Set.of(), errors);
            return errors;
        }

        private void check(JsonNode value, JsonNode schema, String at, Set<String> allowedByParent, List<String> errors) {
            for (Iterator<String> keys = schema.fieldNames(); keys.hasNext();) {
                String key = keys.next();
                if (!ANNOTATIONS.contains(key) && !ASSERTIONS.contains(key)) {
                    errors.add(at + ": the check does not know the keyword " + key);
                }
            }
            if (schema.has("$ref")) {
                JsonNode target = doc.at(schema.get("$ref").asText().substring(1));
                if (target.isMissingNode()) {
                    errors.add(at + ": unresolved " + schema.get("$ref").asText());
                    return;
                }
                check(value, target, at, allowedByParent, errors);
            }
            if (schema.has("type") && !typeMatches(value, schema.get("type"))) {
                errors.add(at + ": " + kind(value) + " is not " + schema.get("type"));
                return;
            }
            if (schema.has("enum")) {
                boolean listed = false;
                for (JsonNode option : schema.get("enum")) {
                    listed |= option.equals(value);
                }
                if (!listed) {
                    errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
                }
            }
            if (schema.has("const") && !schema.get("const").equals(value)) {
                errors.add(at + ": " + value + " is not " + schema.get("const"));
            }
            if (schema.has("anyOf") && matchCount(value, schema.get("anyOf"), at, allowedByParent) == 0) {
                errors.add(at + ": matches none of anyOf " + schema.get("anyOf") + ": " + value);
            }
            if (schema.has("oneOf") && matchCount(value, schema.get("oneOf"), at, allowedByParent) != 1) {
                errors.add(at + ": does not match exactly one of oneOf " + schema.get("oneOf"));
            }
            Set<String> known = new LinkedHashSet<>(allowedByParent);
            known.addAll(propertyNames(schema));
            for (JsonNode member : schema.path("allOf")) {
                check(value, member, at, known, errors);
            }
            if (value.isNumber()) {
                if (schema.has("minimum") && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0) {
                    errors.add(at + ": " + value + " < " + schema.get("minimum"));
                }
                if (schema.has("maximum") && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
                    errors.add(at + ": " + value + " > " + schema.get("maximum"));
                }
            }
            if (value.isTextual()) {
                if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                    errors.add(at + ": " + value + " does not match " + schema.get("pattern"));
                }
                if (schema.has("minLength") && value.asText().length() < schema.get("minLength").asInt()) {
                    errors.add(at + ": shorter than " + schema.get("minLength"));
                }
                if (schema.has("maxLength") && value.asText().length() > schema.get("maxLength").asInt()) {
                    errors.add(at + ": longer than " + schema.get("maxLength"));
                }
            }
            if (value.isArray()) {
                if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                    errors.add(at + ": fewer items than " + schema.get("minItems"));
                }
                if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                    errors.add(at + ": more items than " + schema.get("maxItems"));
                }
                if (schema.has("items")) {
                    for (int i = 0; i < value.size(); i++) {
                        check(value.get(i), schema.get("items"), at + "[" + i + "]", Set.of(), errors);
                    }
                }
            }
            if (value.isObject()) {
                for (JsonNode required : schema.path("required")) {
                    if (!value.has(required.asText())) {
                        errors.add(at + ": required member " + required.asText() + " is missing");
                    }
                }
                JsonNode properties = schema.path("properties");
                JsonNode additional = schema.get("additionalProperties");
                boolean closed = additional == null ? !known.isEmpty() && !schema.has("$ref") && !schema.has("anyOf")
                        : additional.isBoolean() && !additional.asBoolean();
                for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext();) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String name = field.getKey();
                    if (properties.has(name)) {
                        if (field.getValue().isNull()) {
                            errors.add(at + "." + name + ": null (absent members are left out, not null)");
                        } else {
                            check(field.getValue(), properties.get(name), at + "." + name, Set.of(), errors);
                        }
                    } else if (additional != null && additional.isObject()) {
                        check(field.getValue(), additional, at + "." + name, Set.of(), errors);
                    } else if (closed && !known.contains(name)) {
                        errors.add(at + ": member " + name + " is not documented (documented: " + known + ")");
                    }
                }
            }
        }

        private int matchCount(JsonNode value, JsonNode options, String at, Set<String> allowedByParent) {
            int matches = 0;
            for (JsonNode option : options) {
                List<String> errors = new ArrayList<>();
                check(value, option, at, allowedByParent, errors);
                matches += errors.isEmpty() ? 1 : 0;
            }
            return matches;
        }

        /** The members a schema documents, through its references and allOf. */
        private Set<String> propertyNames(JsonNode schema) {
            Set<String> names = new LinkedHashSet<>();
            schema.path("properties").fieldNames().forEachRemaining(names::add);
            for (JsonNode member : schema.path("allOf")) {
                JsonNode target = member.has("$ref") ? doc.at(member.get("$ref").asText().substring(1)) : member;
                names.addAll(propertyNames(target));
            }
            return names;
        }

        private static boolean typeMatches(JsonNode value, JsonNode type) {
            if (type.isArray()) {
                for (JsonNode one : type) {
                    if (typeMatches(value, one)) {
                        return true;
                    }
                }
                return false;
            }
            return switch (type.asText()) {
                case "object" -> value.isObject();
                case "array" -> value.isArray();
                case "string" -> value.isTextual();
                case "integer" -> value.isIntegralNumber();
                case "number" -> value.isNumber();
                case "boolean" -> value.isBoolean();
                case "null" -> value.isNull();
                default -> false;
            };
        }

        private static String kind(JsonNode value) {
            return value.getNodeType().name().toLowerCase();
        }
    }
}

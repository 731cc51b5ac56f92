package imagen.gateway.api;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.api.openapi.VertexSchemas;
import imagen.gateway.cluster.JobEvent;
import imagen.gateway.cluster.SharedImages;
import imagen.gateway.dedup.Outcome;
import imagen.gateway.access.Admission;
import imagen.gateway.generation.Job;
import imagen.gateway.request.CallOptions;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.ModelCatalog;
import imagen.gateway.request.Problem;
import imagen.gateway.request.Protocol;
import imagen.gateway.upstream.GenerationResult;
import imagen.gateway.upstream.VertexErrors;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;

/**
 * Vertex AI's own {@code :generateContent} and {@code :streamGenerateContent?alt=sse} for Gemini
 * image models, served by the gateway under the same paths as {@code :predict}: Google's
 * google-genai SDK works with only its base URL pointed here, and gets the gateway's
 * de-duplication and guards. The request is read into the gateway's one request
 * ({@link GeminiRequests}); the answer is rendered from the job's typed result, or, streamed,
 * from its events as they happen: the model's text, interim images as {@code thought} parts, the
 * image, then the finish reason and usage.
 */
@Path("/")
@Tag(name = "vertex-compatible")
public class GeminiCompatResource {

    private static final String MODELS = "publishers/google/models/{model}";
    private static final String STREAM = "One SSE event per chunk (`data:` only), each a GenerateContentResponse: each"
            + " piece of the model's text, each interim image (a part with `thought: true`) and the image as they are"
            + " made, then a chunk with the finish reason and the usage, and the stream ends. A failure after the"
            + " stream began is one error chunk `{\"error\":{code,message,status}}`, as Vertex AI sends it.";

    @Inject
    Admission admission;

    @Inject
    RequestValidation validation;

    @Inject
    ModelCatalog catalog;

    @Inject
    SharedImages images;

    @Inject
    ObjectMapper mapper;

    @POST
    @Path("{version: v1|v1beta1}/projects/{project}/locations/{location}/" + MODELS + ":generateContent")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "generateContent", summary = ":generateContent (Gemini)",
            description = "Vertex AI's :generateContent for Gemini image models: its body and answer, with the gateway's"
                    + " de-duplication and guards behind it; answers when the generation is finished. v1beta1 is the path"
                    + " the google-genai SDK calls.")
    @APIResponse(responseCode = "200", description = "The model's text and image, in Vertex AI's answer", headers = {
            @Header(name = "X-Cache", ref = "XCache"),
            @Header(name = "X-Generation-Id", ref = "XGenerationId")},
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.GenerateContentResponse.class)))
    @APIResponse(responseCode = "400", ref = "VertexInvalidRequest")
    @APIResponse(responseCode = "404", ref = "VertexNotFound")
    @APIResponse(responseCode = "422", ref = "VertexUnprocessable")
    @APIResponse(responseCode = "429", ref = "VertexTooManyRequests")
    @APIResponse(responseCode = "500", ref = "VertexInternalError")
    @APIResponse(responseCode = "502", ref = "VertexBadGateway")
    @APIResponse(responseCode = "503", ref = "VertexUnavailable")
    @APIResponse(responseCode = "504", ref = "VertexTimeout")
    public Uni<Response> generateInProject(@PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.GenerateContentRequest.class),
                    examples = @ExampleObject(name = "example", value = VertexSchemas.GENERATE_EXAMPLE))) JsonNode body) {
        return generate(model, fault, body);
    }

    @POST
    @Path("{version: v1|v1beta1}/" + MODELS + ":generateContent")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "generateContentExpress", summary = ":generateContent (Gemini), express mode",
            description = "As :generateContent in a project, for API-key (express) mode: no project or location.")
    @APIResponse(responseCode = "200", description = "The model's text and image, in Vertex AI's answer", headers = {
            @Header(name = "X-Cache", ref = "XCache"),
            @Header(name = "X-Generation-Id", ref = "XGenerationId")},
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.GenerateContentResponse.class)))
    @APIResponse(responseCode = "400", ref = "VertexInvalidRequest")
    @APIResponse(responseCode = "404", ref = "VertexNotFound")
    @APIResponse(responseCode = "422", ref = "VertexUnprocessable")
    @APIResponse(responseCode = "429", ref = "VertexTooManyRequests")
    @APIResponse(responseCode = "500", ref = "VertexInternalError")
    @APIResponse(responseCode = "502", ref = "VertexBadGateway")
    @APIResponse(responseCode = "503", ref = "VertexUnavailable")
    @APIResponse(responseCode = "504", ref = "VertexTimeout")
    public Uni<Response> generateExpress(@PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.GenerateContentRequest.class),
                    examples = @ExampleObject(name = "example", value = VertexSchemas.GENERATE_EXAMPLE))) JsonNode body) {
        return generate(model, fault, body);
    }

    @POST
    @Path("{version: v1|v1beta1}/projects/{project}/locations/{location}/" + MODELS + ":streamGenerateContent")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(operationId = "streamGenerateContent", summary = ":streamGenerateContent (Gemini, SSE)",
            description = "Vertex AI's :streamGenerateContent?alt=sse for Gemini image models: the generation as it"
                    + " happens, as Vertex AI streams it.")
    @Parameter(name = "alt", in = ParameterIn.QUERY, description = "`sse`, as Google's SDKs send it: the answer is"
            + " always a Server-Sent Event stream", schema = @Schema(type = SchemaType.STRING, enumeration = "sse"))
    @APIResponse(responseCode = "200", description = STREAM, headers = {
            @Header(name = "X-Generation-Id", ref = "XGenerationId"),
            @Header(name = "Cache-Control", description = "`no-cache`", schema = @Schema(type = SchemaType.STRING))},
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = VertexSchemas.StreamChunk.class)))
    @APIResponse(responseCode = "400", ref = "VertexInvalidRequest")
    public Multi<OutboundSseEvent> streamInProject(@PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.GenerateContentRequest.class),
                    examples = @ExampleObject(name = "example", value = VertexSchemas.GENERATE_EXAMPLE))) JsonNode body,
            @Context Sse sse, @Context HttpServerResponse response) {
        return stream(model, fault, body, sse, response);
    }

    @POST
    @Path("{version: v1|v1beta1}/" + MODELS + ":streamGenerateContent")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(operationId = "streamGenerateContentExpress", summary = ":streamGenerateContent (Gemini, SSE), express mode",
            description = "As :streamGenerateContent in a project, for API-key (express) mode: no project or location.")
    @Parameter(name = "alt", in = ParameterIn.QUERY, description = "`sse`, as Google's SDKs send it: the answer is"
            + " always a Server-Sent Event stream", schema = @Schema(type = SchemaType.STRING, enumeration = "sse"))
    @APIResponse(responseCode = "200", description = STREAM, headers = {
            @Header(name = "X-Generation-Id", ref = "XGenerationId"),
            @Header(name = "Cache-Control", description = "`no-cache`", schema = @Schema(type = SchemaType.STRING))},
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = VertexSchemas.StreamChunk.class)))
    @APIResponse(responseCode = "400", ref = "VertexInvalidRequest")
    public Multi<OutboundSseEvent> streamExpress(@PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.GenerateContentRequest.class),
                    examples = @ExampleObject(name = "example", value = VertexSchemas.GENERATE_EXAMPLE))) JsonNode body,
            @Context Sse sse, @Context HttpServerResponse response) {
        return stream(model, fault, body, sse, response);
    }

    private Uni<Response> generate(String model, String fault, JsonNode body) {
        return admission.submit(parse(model, body, fault)).whenFinished().chain(this::answer);
    }

    /** The whole answer, from the job's outcome; image bytes from the shared store. */
    private Uni<Response> answer(Job job) {
        Outcome outcome = job.outcome();
        String cache = job.cache() == null ? "miss" : job.cache();
        if (!outcome.succeeded()) {
            return Uni.createFrom().item(VertexErrorBodies.response(outcome.problem(), cache));
        }
        GenerationResult result = outcome.result();
        List<String> digests = result.images().stream().map(GenerationResult.Image::sha256).filter(d -> d != null).toList();
        return images.getAll(digests).map(found -> {
            if (found.size() < digests.size()) {
                return Problems.response(Problem.unavailable("image-evicted", 503,
                        "a generated image left the image store before it could be returned; retry",
                        "/v1/generations/" + job.id(), 1000));
            }
            ArrayNode parts = mapper.createArrayNode();
            result.texts().forEach(text -> parts.addObject().put("text", text.text()));
            result.images().forEach(image -> inline(parts.addObject(), image.mimeType(), found.get(image.sha256())));
            ObjectNode answer = candidate(parts, result);
            return Response.ok(answer, MediaType.APPLICATION_JSON).header("X-Cache", cache)
                    .header("X-Generation-Id", job.id()).build();
        });
    }

    /**
     * The job's events as Vertex streams them: each piece of text, each interim image (a
     * {@code thought} part) and the image as it is logged, then the finish reason and usage. A
     * failure after the first byte is an error chunk, as Vertex sends one.
     */
    private Multi<OutboundSseEvent> stream(String model, String fault, JsonNode body, Sse sse, HttpServerResponse response) {
        Job job = admission.submit(parse(model, body, fault));
        response.putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no")
                .putHeader("X-Generation-Id", job.id());
        return job.stream(0).onItem().transformToUniAndConcatenate(event -> chunk(job, event))
                .filter(chunk -> chunk != null)
                .map(chunk -> sse.newEventBuilder().data(chunk).build());
    }

    private Uni<String> chunk(Job job, JobEvent event) {
        switch (event.type()) {
            case JobEvent.TEXT -> {
                ArrayNode parts = mapper.createArrayNode();
                parts.addObject().put("text", read(event).path("text").asText());
                return Uni.createFrom().item(json(wrap(parts)));
            }
            case JobEvent.PREVIEW, JobEvent.IMAGE -> {
                return images.get(event.digest()).map(stored -> {
                    if (stored.isEmpty()) {
                        return null;
                    }
                    ArrayNode parts = mapper.createArrayNode();
                    ObjectNode part = parts.addObject();
                    if (JobEvent.PREVIEW.equals(event.type())) {
                        part.put("thought", true);
                    }
                    inline(part, stored.get().mimeType(), stored.get().bytes());
                    return json(wrap(parts));
                });
            }
            case JobEvent.DONE -> {
                return Uni.createFrom().item(json(candidate(mapper.createArrayNode(), job.outcome().result())));
            }
            case JobEvent.ERROR -> {
                Problem problem = job.outcome().problem();
                ObjectNode error = mapper.createObjectNode();
                error.putObject("error").put("code", problem.status()).put("message", problem.detail())
                        .put("status", problem.vertexStatus() != null ? problem.vertexStatus()
                                : VertexErrors.statusName(problem.status()));
                return Uni.createFrom().item(json(error));
            }
            default -> {
                return Uni.createFrom().nullItem();
            }
        }
    }

    /** A finished candidate: its parts, why it finished, the usage and the model that made it. */
    private ObjectNode candidate(ArrayNode parts, GenerationResult result) {
        ObjectNode answer = wrap(parts);
        ObjectNode candidate = (ObjectNode) answer.get("candidates").get(0);
        List<GenerationResult.Filtered> filtered = result.filtered();
        String finish = result.finishReasons().isEmpty() ? (filtered.isEmpty() ? "STOP" : "IMAGE_SAFETY")
                : result.finishReasons().get(0);
        candidate.put("finishReason", finish);
        if (!filtered.isEmpty()) {
            candidate.put("finishMessage", filtered.get(0).reason());
        }
        if (result.usage() != null) {
            answer.set("usageMetadata", result.usage());
        }
        if (result.model() != null) {
            answer.put("modelVersion", result.model());
        }
        return answer;
    }

    private ObjectNode wrap(ArrayNode parts) {
        ObjectNode answer = mapper.createObjectNode();
        ObjectNode candidate = answer.putArray("candidates").addObject();
        candidate.putObject("content").put("role", "model").set("parts", parts);
        candidate.put("index", 0);
        return answer;
    }

    private static void inline(ObjectNode part, String mimeType, byte[] bytes) {
        part.putObject("inlineData").put("mimeType", mimeType).put("data", Base64.getEncoder().encodeToString(bytes));
    }

    /** The request, validated for its Gemini model, or a 400 in Google's envelope naming each field by its JSON path. */
    CanonicalRequest parse(String model, JsonNode body, String fault) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new VertexErrorBodies.InvalidVertexRequest("the body must be a JSON object with contents", errors);
        }
        GenerationRequest request = GeminiRequests.read(model, body, errors);
        if (request != null && catalog.model(model).map(m -> m.protocol() != Protocol.GEMINI).orElse(false)) {
            errors.add(new Problem.FieldError("model", "'" + model + "' is an Imagen model: call :predict, or name a"
                    + " Gemini image model (" + String.join(", ", catalog.models().values().stream()
                            .filter(m -> m.protocol() == Protocol.GEMINI).map(m -> m.id()).toList()) + ")"));
        }
        if (request != null && errors.isEmpty()) {
            errors.addAll(validation.errors(request, GeminiRequests.paths(body)));
        }
        if (!errors.isEmpty()) {
            throw new VertexErrorBodies.InvalidVertexRequest("invalid generateContent request", errors);
        }
        return validation.canonical(request, Map.of(), CallOptions.fault(fault));
    }

    private JsonNode read(JobEvent event) {
        try {
            return mapper.readTree(event.json());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String json(JsonNode node) {
        return node.toString();
    }
}

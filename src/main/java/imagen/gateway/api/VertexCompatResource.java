package imagen.gateway.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.api.openapi.VertexSchemas;
import imagen.gateway.cluster.SharedImages;
import imagen.gateway.dedup.Outcome;
import imagen.gateway.access.Admission;
import imagen.gateway.generation.Job;
import imagen.gateway.request.CallOptions;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.Problem;
import imagen.gateway.upstream.GenerationResult;
import imagen.gateway.upstream.PredictResponse;
import imagen.gateway.upstream.PredictResponse.Prediction;
import io.smallrye.mutiny.Uni;

/**
 * Vertex AI's own {@code :predict} for Imagen, served by the gateway: same paths, body and answer
 * as Vertex, with the gateway's de-duplication and guards behind it. Google's SDKs work against it
 * by changing only their base URL.
 *
 * <p>Differences from the SSE API, all for compatibility: enum values are accepted in any case;
 * parameters the gateway does not know are forwarded unchanged (and are part of the
 * de-duplication key); errors carry Google's {@code {"error":{code,message,status,details}}}
 * envelope next to the problem members. The project and location in the path are accepted and
 * not used: the gateway always calls its own configured project and location list with its own
 * credentials, and never forwards the caller's {@code Authorization}.
 */
@Path("/")
@Tag(name = "vertex-compatible", description = "Vertex AI's own :predict (Imagen) and :generateContent /"
        + " :streamGenerateContent (Gemini image models), for Google's SDKs pointed at the gateway's base URL. Errors"
        + " carry Google's envelope `error` beside the problem members.")
@APIResponse(responseCode = "200", description = "The images, in Vertex AI's answer", headers = {
        @Header(name = "X-Cache", ref = "XCache"),
        @Header(name = "X-Generation-Id", ref = "XGenerationId"),
        @Header(name = "X-Served-By", ref = "XServedBy")},
        content = @Content(mediaType = MediaType.APPLICATION_JSON,
                schema = @Schema(implementation = VertexSchemas.PredictResponse.class)))
@APIResponse(responseCode = "400", ref = "VertexInvalidRequest")
@APIResponse(responseCode = "404", ref = "VertexNotFound")
@APIResponse(responseCode = "422", ref = "VertexUnprocessable")
@APIResponse(responseCode = "429", ref = "VertexTooManyRequests")
@APIResponse(responseCode = "500", ref = "VertexInternalError")
@APIResponse(responseCode = "502", ref = "VertexBadGateway")
@APIResponse(responseCode = "503", ref = "VertexUnavailable")
@APIResponse(responseCode = "504", ref = "VertexTimeout")
public class VertexCompatResource {

    private static final Logger LOG = Logger.getLogger(VertexCompatResource.class);
    private static final Set<String> TOP_LEVEL = Set.of("instances", "parameters", "labels");
    private static final Set<String> INSTANCE_FIELDS = Set.of("prompt", "negativePrompt");
    /** Parameters the gateway models; everything else in {@code parameters} is forwarded as is. */
    private static final Set<String> KNOWN = Set.of("sampleCount", "seed", "addWatermark", "aspectRatio",
            "enhancePrompt", "includeRaiReason", "includeSafetyAttributes", "outputOptions", "personGeneration",
            "safetySetting", "sampleImageSize", "language", "storageUri");
    private static final Set<String> LOWER_CASE_ENUMS = Set.of("personGeneration", "safetySetting");

    @Inject
    Admission admission;

    @Inject
    SharedImages images;

    @Inject
    RequestValidation validation;

    @Inject
    ObjectMapper mapper;

    @POST
    @Path("{version: v1|v1beta1}/projects/{project}/locations/{location}/publishers/google/models/{model}:predict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "predict", summary = ":predict (Imagen)",
            description = "Vertex AI's Imagen :predict: its body and answer, with the gateway's de-duplication and guards"
                    + " behind it; answers when the generation is finished. v1beta1 is the path the google-genai SDK"
                    + " calls.")
    public Uni<Response> predictInProject(@PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.PredictRequest.class),
                    examples = @ExampleObject(name = "example", value = VertexSchemas.PREDICT_EXAMPLE))) JsonNode body) {
        return predict(model, fault, body);
    }

    @POST
    @Path("{version: v1|v1beta1}/publishers/google/models/{model}:predict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "predictExpress", summary = ":predict (Imagen), express mode",
            description = "As :predict in a project, for API-key (express) mode: no project or location.")
    public Uni<Response> predictExpress(@PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = VertexSchemas.PredictRequest.class),
                    examples = @ExampleObject(name = "example", value = VertexSchemas.PREDICT_EXAMPLE))) JsonNode body) {
        return predict(model, fault, body);
    }

    private Uni<Response> predict(String model, String fault, JsonNode body) {
        CanonicalRequest request = parse(model, body, CallOptions.fault(fault));
        return admission.submit(request).whenFinished().chain(this::answer);
    }

    /** Vertex's answer, rendered from the job's outcome: images in order, their bytes from the shared store. */
    private Uni<Response> answer(Job job) {
        Outcome outcome = job.outcome();
        String cache = job.cache() == null ? "miss" : job.cache();
        if (!outcome.succeeded()) {
            return Uni.createFrom().item(VertexErrorBodies.response(outcome.problem(), cache));
        }
        GenerationResult result = outcome.result();
        List<String> digests = result.images().stream().map(GenerationResult.Image::sha256).filter(d -> d != null)
                .distinct().toList();
        return images.getAll(digests).map(found -> {
            if (found.size() < digests.size()) {
                LOG.warnf("job %s: an image left the store before it was answered", job.id());
                return Problems.response(Problem.unavailable("image-evicted", 503,
                        "a generated image left the image store before it could be returned; retry",
                        "/v1/generations/" + job.id(), 1000));
            }
            return predictResponse(job, result, found, cache);
        });
    }

    private Response predictResponse(Job job, GenerationResult result, Map<String, byte[]> found, String cache) {
        List<Prediction> predictions = new ArrayList<>();
        for (GenerationResult.Output output : result.outputs()) {
            if (output instanceof GenerationResult.Image image) {
                byte[] bytes = image.sha256() == null ? null : found.get(image.sha256());
                predictions.add(new Prediction(bytes, image.mimeType(), image.prompt(), null, image.safetyAttributes(),
                        image.gcsUri(), null));
            } else if (output instanceof GenerationResult.Filtered filtered) {
                predictions.add(new Prediction(null, null, null, filtered.reason(), null, null, null));
            }
        }
        if (result.promptSafetyAttributes() != null) {
            predictions.add(new Prediction(null, null, null, null, result.promptSafetyAttributes(), null, "Positive Prompt"));
        }
        Response.ResponseBuilder answer = Response.ok(new PredictResponse(predictions), MediaType.APPLICATION_JSON)
                .header("X-Cache", cache).header("X-Generation-Id", job.id());
        if (job.info().servedBy() != null) {
            answer.header("X-Served-By", job.info().servedBy());
        }
        return answer.build();
    }

    /**
     * Vertex's body → a validated canonical request. Enum values in any case are canonicalised;
     * unknown parameters are kept for forwarding. Every error names its JSON path in the body
     * ({@code instances[0].prompt}, {@code parameters.sampleCount}).
     */
    CanonicalRequest parse(String model, JsonNode body, CallOptions options) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw invalid("the body must be a JSON object with instances and parameters", errors);
        }
        body.fieldNames().forEachRemaining(name -> {
            if (!TOP_LEVEL.contains(name)) {
                errors.add(new Problem.FieldError(name, "is not a known field"));
            }
        });
        JsonNode instances = body.get("instances");
        if (instances == null || instances.isNull()) {
            errors.add(new Problem.FieldError("instances", "is required: an array with one instance"));
        } else if (!instances.isArray()) {
            errors.add(new Problem.FieldError("instances", "must be an array"));
        } else if (instances.size() != 1) {
            errors.add(new Problem.FieldError("instances", "must hold exactly one instance"));
        } else if (!instances.get(0).isObject()) {
            errors.add(new Problem.FieldError("instances[0]", "must be an object"));
        }
        JsonNode parametersNode = body.get("parameters");
        if (parametersNode != null && !parametersNode.isNull() && !parametersNode.isObject()) {
            errors.add(new Problem.FieldError("parameters", "must be an object"));
        }
        JsonNode labels = body.get("labels");
        if (labels != null && !labels.isNull()) {
            if (!labels.isObject()) {
                errors.add(new Problem.FieldError("labels", "must be an object"));
            } else {
                labels.fields().forEachRemaining(label -> {
                    if (!label.getValue().isTextual()) {
                        errors.add(new Problem.FieldError("labels." + label.getKey(), "must be a string"));
                    }
                });
            }
        }
        if (!errors.isEmpty()) {
            throw invalid("invalid :predict request", errors);
        }
        JsonNode instance = instances.get(0);
        instance.fieldNames().forEachRemaining(name -> {
            if (!INSTANCE_FIELDS.contains(name)) {
                errors.add(new Problem.FieldError("instances[0]." + name,
                        "is not supported by the gateway (text-to-image takes prompt and negativePrompt)"));
            }
        });
        ObjectNode known = mapper.createObjectNode();
        Map<String, JsonNode> extras = new HashMap<>();
        if (parametersNode != null && parametersNode.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = parametersNode.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                JsonNode value = field.getValue();
                if (value.isNull()) {
                    continue;
                }
                if (!KNOWN.contains(name)) {
                    extras.put(name, value);
                } else if (LOWER_CASE_ENUMS.contains(name) && value.isTextual()) {
                    known.put(name, value.asText().toLowerCase(Locale.ROOT));
                } else if ("sampleImageSize".equals(name) && value.isTextual()) {
                    known.put(name, value.asText().toUpperCase(Locale.ROOT));
                } else if ("outputOptions".equals(name) && value.isObject() && value.path("mimeType").isTextual()) {
                    ObjectNode copy = value.deepCopy();
                    copy.put("mimeType", value.get("mimeType").asText().toLowerCase(Locale.ROOT));
                    known.set(name, copy);
                } else {
                    known.set(name, value);
                }
            }
        }
        known.set("prompt", instance.get("prompt"));
        if (instance.hasNonNull("negativePrompt")) {
            known.set("negativePrompt", instance.get("negativePrompt"));
        }
        known.put("model", model);
        GenerationRequest request = read(known, errors);
        if (request != null) {
            errors.addAll(validation.errors(request, VertexCompatResource::where));
        }
        if (!errors.isEmpty()) {
            errors.sort(java.util.Comparator.comparing(Problem.FieldError::field));
            throw invalid("invalid :predict request", errors);
        }
        return validation.canonical(request, extras, options);
    }

    /**
     * The gateway's request from the known fields, or null with an error for each value of the
     * wrong type: once the whole fails, a member at a time (into objects), so one answer names
     * them all.
     */
    private GenerationRequest read(ObjectNode known, List<Problem.FieldError> errors) {
        try {
            return mapper.treeToValue(known, GenerationRequest.class);
        } catch (JsonProcessingException whole) {
            int before = errors.size();
            known.fields().forEachRemaining(field -> typeErrors(List.of(field.getKey()), field.getValue(), errors));
            if (errors.size() == before) {
                errors.add(new Problem.FieldError("parameters", "is not a valid Imagen request"));
            }
            return null;
        }
    }

    /** The errors of one value at {@code path}, alone in a request; an object's members one by one. */
    private void typeErrors(List<String> path, JsonNode value, List<Problem.FieldError> errors) {
        JsonNode probe = value;
        for (int i = path.size() - 1; i >= 0; i--) {
            probe = mapper.createObjectNode().set(path.get(i), probe);
        }
        try {
            mapper.treeToValue(probe, GenerationRequest.class);
        } catch (JsonProcessingException e) {
            if (value.isObject() && value.size() > 1) {
                value.fields().forEachRemaining(member -> {
                    List<String> deeper = new ArrayList<>(path);
                    deeper.add(member.getKey());
                    typeErrors(deeper, member.getValue(), errors);
                });
                return;
            }
            JsonErrors.Failure failure = JsonErrors.of(e);
            if (failure == null) {
                throw new IllegalStateException("GenerationRequest cannot be bound", e);
            }
            errors.addAll(failure.at(VertexCompatResource::where).errors());
        }
    }

    /** A field of the gateway's request → its JSON path in a :predict body. */
    private static String where(String field) {
        if (field.equals("prompt") || field.equals("negativePrompt")) {
            return "instances[0]." + field;
        }
        return field.equals("model") ? "model" : "parameters." + field;
    }

    private static VertexErrorBodies.InvalidVertexRequest invalid(String detail, List<Problem.FieldError> errors) {
        return new VertexErrorBodies.InvalidVertexRequest(detail, errors);
    }
}

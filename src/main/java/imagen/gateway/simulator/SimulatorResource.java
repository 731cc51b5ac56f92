package imagen.gateway.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.CallOptions;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.ImagenDefaults;
import imagen.gateway.request.ModelSpec;
import imagen.gateway.request.Protocol;
import imagen.gateway.upstream.PredictResponse;
import imagen.gateway.upstream.PredictResponse.Prediction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;

/**
 * The embedded fake Vertex AI Imagen {@code :predict}. Same body and answers as Vertex, including
 * its error envelope; deterministic images for seeded requests; latency and fault injection: the
 * header {@value CallOptions#FAULT_HEADER} and {@code imagen.simulator.fault-rate}, as described
 * in {@link SimulatorFaults}.
 *
 * <p>The class path is {@code /simulator} alone, as the Gemini resource's is: a longer class path
 * here would take every {@code /simulator/v1/...} call, and its Gemini calls would find no method.
 */
@Path("/simulator")
@Tag(name = "simulator", description = SimulatorResource.TAG)
public class SimulatorResource {

    /** The OpenAPI description of the simulator's endpoints, Imagen's and Gemini's. */
    static final String TAG = "Embedded fake Vertex AI (Imagen :predict, Gemini :generateContent and :streamGenerateContent) "
            + "used when no Google project is configured";

    private static final Logger LOG = Logger.getLogger(SimulatorResource.class);
    private static final ObjectMapper LENIENT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final List<String> SAFETY_CATEGORIES = List.of("Death, Harm & Tragedy", "Firearms & Weapons", "Hate",
            "Health", "Illicit Drugs", "Politics", "Porn", "Religion & Belief", "Toxic", "Violence", "Vulgarity",
            "War & Conflict");
    private static final SimulatorFaults.Dialect DIALECT = new SimulatorFaults.Dialect(
            "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: imagen. "
                    + "Please submit a quota increase request.",
            "{\"predictions\":[{\"bytesBase64Encoded\":\"iVBO");

    @Inject
    GatewayConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    SimulatorFaults faults;

    private final Counter requests;

    SimulatorResource(MeterRegistry metrics) {
        this.requests = metrics.counter("imagen.simulator.requests");
    }

    @POST
    @Path("v1/projects/{project}/locations/{location}/publishers/google/models/{model}:predict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Fake Imagen :predict (Vertex AI shape)")
    public Uni<Response> predict(@PathParam("location") String location, @PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @Context HttpServerRequest httpRequest, ObjectNode body) {
        requests.increment();
        SimulatorFaults.Plan plan;
        try {
            plan = faults.plan(fault, location);
        } catch (IllegalArgumentException invalid) {
            return Uni.createFrom().item(faults.error(400, "INVALID_ARGUMENT", invalid.getMessage(), null));
        }
        Duration extraDelay = plan.delay();
        if (!plan.healthy()) {
            LOG.debugf("simulator fault %s for %s in %s", plan.fault(), model, location);
            Uni<Response> faulty = faults.answer(plan.fault(), httpRequest, DIALECT);
            return extraDelay.isZero() ? faulty
                    : Uni.createFrom().voidItem().onItem().delayIt().by(extraDelay).chain(() -> faulty);
        }
        CanonicalRequest request;
        try {
            request = parse(model, body);
        } catch (IllegalArgumentException invalid) {
            return Uni.createFrom().item(faults.error(400, "INVALID_ARGUMENT", invalid.getMessage(), null));
        }
        CanonicalRequest valid = request;
        return Uni.createFrom().voidItem()
                .onItem().delayIt().by(config.simulator().latency().plus(extraDelay))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(ignored -> Response.ok(generate(valid)).type(MediaType.APPLICATION_JSON).build());
    }

    /** Reads Vertex's body as the gateway would, accepting enum values in any case, as Vertex does. */
    private CanonicalRequest parse(String model, ObjectNode body) {
        JsonNode instance = body.path("instances").path(0);
        String prompt = instance.path("prompt").asText("");
        if (prompt.isBlank()) {
            throw new IllegalArgumentException("instances[0].prompt is required");
        }
        ObjectNode parameters = body.path("parameters").isObject() ? (ObjectNode) body.get("parameters").deepCopy()
                : mapper.createObjectNode();
        GenerationRequest raw;
        try {
            raw = LENIENT.treeToValue(parameters, GenerationRequest.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid parameters: " + e.getMessage());
        }
        raw = new GenerationRequest(model, prompt, instance.path("negativePrompt").asText(null), raw.sampleCount(),
                raw.seed(), raw.addWatermark(), raw.aspectRatio(), raw.enhancePrompt(), raw.includeRaiReason(),
                raw.includeSafetyAttributes(), raw.outputOptions(), raw.personGeneration(), raw.safetySetting(),
                raw.sampleImageSize(), raw.language(), raw.storageUri(), null, null, null);
        ModelSpec spec = new ModelSpec(model, Protocol.IMAGEN, java.util.Optional.empty(), java.util.Optional.empty(),
                ImagenDefaults.ASPECT_RATIOS, List.of("1K", "2K"), List.of(), false, List.of());
        CanonicalRequest request = CanonicalRequest.of(raw, spec, Map.of(), CallOptions.NONE);
        if (request.sampleCount() < 1 || request.sampleCount() > 4) {
            throw new IllegalArgumentException("sampleCount must be between 1 and 4");
        }
        if (request.request().seed() != null && !Boolean.FALSE.equals(request.request().addWatermark())) {
            throw new IllegalArgumentException("Seed is not supported when watermark is enabled; set addWatermark to false.");
        }
        if (!ImagePainter.canEncode(request.mimeType())) {
            throw new IllegalArgumentException("Unsupported output mime type " + request.mimeType());
        }
        return request;
    }

    private PredictResponse generate(CanonicalRequest request) {
        String prompt = request.prompt();
        int count = request.sampleCount();
        List<Prediction> predictions = new ArrayList<>(count + 1);
        boolean blocked = prompt.toLowerCase(Locale.ROOT).contains(config.simulator().blockedWord().toLowerCase(Locale.ROOT));
        int[] size = ImagePainter.dimensions(request.aspectRatio(), request.sampleImageSize());
        long base = request.request().seed() != null ? pictureSeed(request) : ThreadLocalRandom.current().nextLong();
        String storageUri = request.request().storageUri();
        for (int i = 0; i < count; i++) {
            if (blocked) {
                if (request.includeRaiReason()) {
                    predictions.add(new Prediction(null, null, null,
                            "Your current safety filter threshold filtered out the generated image. Support codes: 58061214",
                            null, null, null));
                }
                continue;
            }
            String enhanced = request.enhancePrompt() ? enhance(prompt, i) : null;
            JsonNode safety = request.includeSafetyAttributes() ? safetyAttributes(base + i) : null;
            String ext = request.mimeType().substring(request.mimeType().indexOf('/') + 1);
            if (storageUri != null) {
                String uri = storageUri + (storageUri.endsWith("/") ? "" : "/") + "sample_" + i + "." + ext;
                predictions.add(new Prediction(null, request.mimeType(), enhanced, null, safety, uri, null));
            } else {
                byte[] bytes = ImagePainter.paint(base + 0x9E3779B97F4A7C15L * i, size[0], size[1], request.mimeType(),
                        request.compressionQuality());
                predictions.add(new Prediction(bytes, request.mimeType(), enhanced, null, safety, null, null));
            }
        }
        if (request.includeSafetyAttributes()) {
            predictions.add(new Prediction(null, null, null, null, safetyAttributes(base - 1), null, "Positive Prompt"));
        }
        return new PredictResponse(predictions);
    }

    /** What decides the picture: prompt, seed and the parameters that change content, not its encoding. */
    private static long pictureSeed(CanonicalRequest request) {
        var p = request.effectiveParameters();
        String material = String.join("\u0000", String.valueOf(p.get("model")), String.valueOf(p.get("prompt")),
                String.valueOf(p.get("negativePrompt")), String.valueOf(p.get("seed")), String.valueOf(p.get("aspectRatio")),
                String.valueOf(p.get("sampleImageSize")), String.valueOf(p.get("personGeneration")),
                String.valueOf(p.get("enhancePrompt")), String.valueOf(p.get("language")));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < 8; i++) {
                seed = (seed << 8) | (d[i] & 0xff);
            }
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enhance(String prompt, int index) {
        String[] styles = {"soft golden-hour light, gentle mist, rich detail", "calm atmosphere, muted pastel palette, fine texture",
                "dramatic sky, high contrast, crisp focus", "serene mood, wide composition, delicate brushwork"};
        return "A detailed, high-quality image of " + prompt.strip() + ", " + styles[index % styles.length] + ".";
    }

    private JsonNode safetyAttributes(long seed) {
        var random = new java.util.SplittableRandom(seed);
        ObjectNode node = mapper.createObjectNode();
        ArrayNode categories = node.putArray("categories");
        ArrayNode scores = node.putArray("scores");
        for (String category : SAFETY_CATEGORIES) {
            categories.add(category);
            scores.add(Math.round(random.nextDouble(0, 0.3) * 10) / 10.0);
        }
        return node;
    }
}

package imagen.gateway.generation;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.generation.GenerationRequest.OutputOptions;

/**
 * A validated request in canonical spelling: the model filled in, enum values in Vertex's lower
 * case, legacy safety names mapped, plus parameters the gateway does not know (forwarded unchanged,
 * and part of the de-duplication key).
 */
public record ImagenRequest(GenerationRequest request, Map<String, JsonNode> extraParameters) {

    public ImagenRequest {
        extraParameters = extraParameters == null ? Map.of() : Map.copyOf(new TreeMap<>(extraParameters));
    }

    /** Canonical form of an already validated request. */
    public static ImagenRequest of(GenerationRequest raw, String defaultModel, Map<String, JsonNode> extraParameters) {
        String safety = lower(raw.safetySetting());
        safety = safety == null ? null : ImagenDefaults.LEGACY_SAFETY.getOrDefault(safety, safety);
        OutputOptions output = raw.outputOptions();
        if (output != null && output.mimeType() != null) {
            output = new OutputOptions(output.mimeType().toLowerCase(Locale.ROOT), output.compressionQuality());
        }
        GenerationRequest canonical = new GenerationRequest(
                raw.model() == null ? defaultModel : raw.model(),
                raw.prompt(), raw.negativePrompt(), raw.sampleCount(), raw.seed(), raw.addWatermark(),
                raw.aspectRatio(), raw.enhancePrompt(), raw.includeRaiReason(), raw.includeSafetyAttributes(),
                output, lower(raw.personGeneration()), safety, upper(raw.sampleImageSize()), raw.language(),
                raw.storageUri());
        return new ImagenRequest(canonical, extraParameters);
    }

    public String model() {
        return request.model();
    }

    public String prompt() {
        return request.prompt();
    }

    public boolean deterministic() {
        return request.deterministic();
    }

    public int sampleCount() {
        return or(request.sampleCount(), ImagenDefaults.SAMPLE_COUNT);
    }

    public String aspectRatio() {
        return or(request.aspectRatio(), ImagenDefaults.ASPECT_RATIO);
    }

    public String mimeType() {
        return request.outputOptions() == null ? ImagenDefaults.MIME_TYPE
                : or(request.outputOptions().mimeType(), ImagenDefaults.MIME_TYPE);
    }

    public int compressionQuality() {
        return request.outputOptions() == null ? ImagenDefaults.COMPRESSION_QUALITY
                : or(request.outputOptions().compressionQuality(), ImagenDefaults.COMPRESSION_QUALITY);
    }

    public boolean enhancePrompt() {
        return or(request.enhancePrompt(), ImagenDefaults.ENHANCE_PROMPT);
    }

    public boolean includeRaiReason() {
        return or(request.includeRaiReason(), ImagenDefaults.INCLUDE_RAI_REASON);
    }

    public boolean includeSafetyAttributes() {
        return or(request.includeSafetyAttributes(), ImagenDefaults.INCLUDE_SAFETY_ATTRIBUTES);
    }

    /** {@code 1K} unless asked otherwise (only models that take a size accept the field). */
    public String sampleImageSize() {
        return or(request.sampleImageSize(), ImagenDefaults.SAMPLE_IMAGE_SIZE);
    }

    /**
     * Every parameter with its default applied, in a fixed order: omitting a parameter and sending
     * its default give the same map. Prompts are NFC-normalised. This is what the de-duplication
     * key hashes and what the simulator draws from.
     */
    public Map<String, Object> effectiveParameters() {
        Map<String, Object> p = new TreeMap<>();
        p.put("model", model());
        p.put("prompt", Normalizer.normalize(prompt(), Normalizer.Form.NFC));
        p.put("negativePrompt", request.negativePrompt() == null ? ""
                : Normalizer.normalize(request.negativePrompt(), Normalizer.Form.NFC));
        p.put("sampleCount", sampleCount());
        p.put("seed", request.seed() == null ? 0L : request.seed());
        p.put("addWatermark", or(request.addWatermark(), ImagenDefaults.ADD_WATERMARK));
        p.put("aspectRatio", aspectRatio());
        p.put("enhancePrompt", enhancePrompt());
        p.put("includeRaiReason", includeRaiReason());
        p.put("includeSafetyAttributes", includeSafetyAttributes());
        p.put("mimeType", mimeType());
        p.put("compressionQuality", compressionQuality());
        p.put("personGeneration", or(request.personGeneration(), ImagenDefaults.PERSON_GENERATION));
        p.put("safetySetting", or(request.safetySetting(), ImagenDefaults.SAFETY_SETTING));
        p.put("sampleImageSize", sampleImageSize());
        p.put("language", or(request.language(), ImagenDefaults.LANGUAGE));
        p.put("storageUri", or(request.storageUri(), ""));
        p.put("extra", extraParameters);
        return p;
    }

    /**
     * Vertex's {@code parameters} object: what the caller sent, canonically spelled, nulls omitted,
     * unknown parameters forwarded unchanged. Defaults are left to Vertex.
     */
    public ObjectNode vertexParameters(ObjectMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        GenerationRequest r = request;
        putIfSet(node, "sampleCount", r.sampleCount());
        putIfSet(node, "seed", r.seed());
        putIfSet(node, "addWatermark", r.addWatermark());
        putIfSet(node, "aspectRatio", r.aspectRatio());
        putIfSet(node, "enhancePrompt", r.enhancePrompt());
        putIfSet(node, "includeRaiReason", r.includeRaiReason());
        putIfSet(node, "includeSafetyAttributes", r.includeSafetyAttributes());
        if (r.outputOptions() != null && (r.outputOptions().mimeType() != null || r.outputOptions().compressionQuality() != null)) {
            node.set("outputOptions", mapper.valueToTree(r.outputOptions()));
        }
        putIfSet(node, "personGeneration", r.personGeneration());
        putIfSet(node, "safetySetting", r.safetySetting());
        putIfSet(node, "sampleImageSize", r.sampleImageSize());
        putIfSet(node, "language", r.language());
        putIfSet(node, "storageUri", r.storageUri());
        extraParameters.forEach(node::set);
        return node;
    }

    private static void putIfSet(ObjectNode node, String name, Object value) {
        if (value instanceof Integer i) {
            node.put(name, i);
        } else if (value instanceof Long l) {
            node.put(name, l);
        } else if (value instanceof Boolean b) {
            node.put(name, b);
        } else if (value != null) {
            node.put(name, value.toString());
        }
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    private static String lower(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }

    private static String upper(String value) {
        return value == null ? null : value.toUpperCase(Locale.ROOT);
    }
}

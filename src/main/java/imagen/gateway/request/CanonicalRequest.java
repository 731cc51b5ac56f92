package imagen.gateway.request;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.request.GenerationRequest.OutputOptions;
import imagen.gateway.request.GenerationRequest.ReferenceImage;

/**
 * A validated request in canonical spelling, with the model it names resolved: enum values in
 * Vertex's case, legacy safety names mapped, plus {@code :predict} parameters the gateway does not
 * know (forwarded unchanged to Imagen, and part of the key), plus how to carry it out.
 *
 * @param model the model the caller named, resolved; {@link ModelSpec#servedBy()} says what is called
 * @param options how to carry it out; never part of the key
 */
public record CanonicalRequest(GenerationRequest request, ModelSpec model, Map<String, JsonNode> extraParameters,
        CallOptions options) {

    public CanonicalRequest {
        extraParameters = extraParameters == null ? Map.of() : Map.copyOf(new TreeMap<>(extraParameters));
        options = options == null ? CallOptions.NONE : options;
    }

    /** Canonical form of a request {@link RequestRules} accepted. */
    public static CanonicalRequest of(GenerationRequest raw, ModelSpec model, Map<String, JsonNode> extraParameters,
            CallOptions options) {
        String safety = lower(raw.safetySetting());
        safety = safety == null ? null : ImagenDefaults.LEGACY_SAFETY.getOrDefault(safety, safety);
        OutputOptions output = raw.outputOptions();
        if (output != null && output.mimeType() != null) {
            output = new OutputOptions(output.mimeType().toLowerCase(Locale.ROOT), output.compressionQuality());
        }
        GenerationRequest canonical = new GenerationRequest(model.id(), raw.prompt(), raw.negativePrompt(),
                raw.sampleCount(), raw.seed(), raw.addWatermark(), raw.aspectRatio(), raw.enhancePrompt(),
                raw.includeRaiReason(), raw.includeSafetyAttributes(), output, lower(raw.personGeneration()), safety,
                upper(raw.sampleImageSize()), raw.language(), raw.storageUri(), upper(raw.imageSize()),
                upper(raw.thinkingLevel()), raw.images());
        return new CanonicalRequest(canonical, model, extraParameters, options);
    }

    /** The same request carried out another way. */
    public CanonicalRequest with(CallOptions otherOptions) {
        return new CanonicalRequest(request, model, extraParameters, otherOptions);
    }

    public String modelId() {
        return model.id();
    }

    /** The model actually called: the Gemini replacement of a retired Imagen model, else the model itself. */
    public String calledModel() {
        return model.servedBy().orElse(model.id());
    }

    public Protocol wire() {
        return model.wire();
    }

    public String prompt() {
        return request.prompt();
    }

    /**
     * Deterministic requests are shared: coalesced and cached. A seed makes a request
     * deterministic; Imagen models also need {@code addWatermark: false}, as Vertex does.
     */
    public boolean deterministic() {
        if (request.seed() == null) {
            return false;
        }
        return model.protocol() == Protocol.GEMINI || Boolean.FALSE.equals(request.addWatermark());
    }

    public int sampleCount() {
        return or(request.sampleCount(), model.protocol() == Protocol.GEMINI ? 1 : ImagenDefaults.SAMPLE_COUNT);
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

    /** The image size asked of Gemini: {@code imageSize}, else an Imagen request's {@code sampleImageSize}, else 1K. */
    public String imageSize() {
        return or(request.imageSize(), sampleImageSize());
    }

    /** The thinking level sent to Gemini, if any: the caller's, else the one the model is served with. */
    public String thinkingLevel() {
        return request.thinkingLevel() != null ? request.thinkingLevel() : model.thinkingLevel().orElse(null);
    }

    public List<ReferenceImage> images() {
        return request.images() == null ? List.of() : request.images();
    }

    /**
     * Every parameter with its default applied, in a fixed order: omitting a parameter and sending
     * its default give the same map. Prompts are NFC-normalised; reference images count by digest.
     * This is what the de-duplication key hashes and what the simulator draws from.
     */
    public Map<String, Object> effectiveParameters() {
        Map<String, Object> p = new TreeMap<>();
        p.put("model", modelId());
        p.put("calledModel", calledModel());
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
        p.put("imageSize", imageSize());
        p.put("thinkingLevel", or(thinkingLevel(), ""));
        p.put("language", or(request.language(), ImagenDefaults.LANGUAGE));
        p.put("storageUri", or(request.storageUri(), ""));
        List<String> images = new ArrayList<>();
        for (ReferenceImage image : images()) {
            images.add(image.mimeType() + ":" + Digests.sha256(image.data()));
        }
        p.put("images", images);
        p.put("extra", extraParameters);
        return p;
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

package imagen.gateway.request;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What one model accepts and how it is called: its protocol, and for a retired Imagen model the
 * Gemini model that serves it (with the thinking level Google's migration guide gives).
 *
 * @param servedBy for an Imagen model, the Gemini model called in its place; empty to call Imagen itself
 * @param thinkingLevel the thinking level the replacement is called with, when the caller names none
 * @param previews whether the model streams interim images (thought parts)
 * @param locations where the called model is served, in failover order; empty = {@code imagen.vertex.locations}
 */
public record ModelSpec(String id, Protocol protocol, Optional<String> servedBy, Optional<String> thinkingLevel,
        List<String> aspectRatios, List<String> imageSizes, List<String> thinkingLevels, boolean previews,
        List<String> locations) {

    /** Request fields an Imagen model takes, in Vertex's {@code :predict} vocabulary. */
    public static final List<String> IMAGEN_FIELDS = List.of("prompt", "negativePrompt", "sampleCount", "seed",
            "addWatermark", "aspectRatio", "enhancePrompt", "includeRaiReason", "includeSafetyAttributes", "outputOptions",
            "personGeneration", "safetySetting", "sampleImageSize", "language", "storageUri");

    /** Request fields a Gemini image model takes. */
    public static final List<String> GEMINI_FIELDS = List.of("prompt", "sampleCount", "seed", "aspectRatio", "imageSize",
            "personGeneration", "safetySetting", "outputOptions", "thinkingLevel", "images");

    /** Imagen fields that mean nothing to Gemini: refused for a Gemini model, never dropped silently. */
    public static final Set<String> IMAGEN_ONLY = Set.of("negativePrompt", "enhancePrompt", "addWatermark", "storageUri",
            "includeRaiReason", "includeSafetyAttributes", "language", "sampleImageSize");

    public ModelSpec {
        aspectRatios = List.copyOf(aspectRatios);
        imageSizes = List.copyOf(imageSizes);
        thinkingLevels = List.copyOf(thinkingLevels);
        locations = locations == null ? List.of() : List.copyOf(locations);
    }

    /** The protocol the upstream is actually called with. */
    public Protocol wire() {
        return servedBy.isPresent() ? Protocol.GEMINI : protocol;
    }

    /** Imagen fields a Gemini replacement cannot honour: refused for an Imagen model it serves. */
    public static final Set<String> NOT_SERVED_BY_GEMINI = Set.of("negativePrompt", "enhancePrompt",
            "includeSafetyAttributes", "storageUri");

    /** The request fields this model takes (an Imagen model served by Gemini: those the replacement honours). */
    public List<String> fields() {
        if (protocol == Protocol.GEMINI) {
            return GEMINI_FIELDS;
        }
        return IMAGEN_FIELDS.stream()
                .filter(field -> servedBy.isEmpty() || !NOT_SERVED_BY_GEMINI.contains(field))
                .filter(field -> !"sampleImageSize".equals(field) || !imageSizes.isEmpty())
                .toList();
    }
}

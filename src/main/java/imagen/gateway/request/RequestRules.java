package imagen.gateway.request;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import imagen.gateway.request.GenerationRequest.OutputOptions;

/**
 * The rules of a request that depend on its model or on configuration, beyond each field's own
 * range. Every broken rule is one error on the field it concerns, so a 400 names every bad field
 * at once. An Imagen field that a Gemini model has no equivalent for is refused by name: Gemini
 * ignores fields it does not know and answers 200, so dropping one would be silent.
 */
public final class RequestRules {

    /** What Gemini image models encode ({@code imageConfig.imageOutputOptions.mimeType}). */
    public static final List<String> GEMINI_MIME_TYPES = List.of("image/png", "image/jpeg");

    private RequestRules() {
    }

    public static List<Problem.FieldError> check(GenerationRequest request, ModelCatalog catalog) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Optional<ModelSpec> found = catalog.model(request.model());
        if (found.isEmpty()) {
            errors.add(new Problem.FieldError("model", "unknown model '" + request.model() + "'; allowed: "
                    + String.join(", ", catalog.ids())));
        }
        if (request.prompt() != null && request.prompt().length() > catalog.maxPromptLength()) {
            errors.add(new Problem.FieldError("prompt", "must be at most " + catalog.maxPromptLength() + " characters"));
        }
        if (request.negativePrompt() != null && request.negativePrompt().length() > catalog.maxPromptLength()) {
            errors.add(new Problem.FieldError("negativePrompt", "must be at most " + catalog.maxPromptLength() + " characters"));
        }
        if (request.sampleCount() != null && request.sampleCount() > catalog.maxSampleCount() && request.sampleCount() <= 4) {
            errors.add(new Problem.FieldError("sampleCount", "must be at most " + catalog.maxSampleCount()));
        }
        String mimeType = request.outputOptions() == null ? null : request.outputOptions().mimeType();
        if (mimeType != null && !catalog.encodableMimeTypes().isEmpty()
                && !catalog.encodableMimeTypes().contains(mimeType.toLowerCase(java.util.Locale.ROOT))
                && ImagenDefaults.MIME_TYPES.contains(mimeType)) {
            errors.add(new Problem.FieldError("outputOptions.mimeType", "'" + mimeType
                    + "' cannot be produced by the embedded simulator; it encodes "
                    + String.join(", ", new java.util.TreeSet<>(catalog.encodableMimeTypes()))));
        }
        // an unknown model is checked as what its name says it is, so one answer still names every bad field
        found.or(() -> Optional.of(provisional(request.model()))).ifPresent(model -> {
            if (model.protocol() == Protocol.IMAGEN) {
                imagenRules(request, model, errors);
            } else {
                geminiRules(request, model, errors);
            }
        });
        errors.sort(java.util.Comparator.comparing(Problem.FieldError::field).thenComparing(Problem.FieldError::message));
        return errors;
    }

    private static ModelSpec provisional(String id) {
        boolean imagen = id == null || id.startsWith("imagen");
        return new ModelSpec(id, imagen ? Protocol.IMAGEN : Protocol.GEMINI, Optional.empty(), Optional.empty(),
                List.of(), List.of("1K", "2K", "4K"), List.of("MINIMAL", "LOW", "MEDIUM", "HIGH"), false, List.of());
    }

    private static void imagenRules(GenerationRequest request, ModelSpec model, List<Problem.FieldError> errors) {
        if (request.seed() != null && !Boolean.FALSE.equals(request.addWatermark())) {
            errors.add(new Problem.FieldError("seed",
                    "requires \"addWatermark\": false (watermarked images are never deterministic)"));
        }
        if (request.sampleImageSize() != null && model.imageSizes().isEmpty()) {
            errors.add(new Problem.FieldError("sampleImageSize", "is not supported by model '" + model.id() + "'"));
        } else if (request.sampleImageSize() != null && !model.imageSizes().contains(request.sampleImageSize().toUpperCase())) {
            errors.add(new Problem.FieldError("sampleImageSize", "must be one of " + String.join(", ", model.imageSizes())
                    + " for model '" + model.id() + "'"));
        }
        aspectRatio(request, model, errors);
        for (String gemini : List.of("imageSize", "thinkingLevel", "images")) {
            if (present(request, gemini)) {
                errors.add(new Problem.FieldError(gemini, "is a Gemini image model field; model '" + model.id()
                        + "' takes Imagen's parameters" + ("imageSize".equals(gemini) ? " (sampleImageSize)" : "")));
            }
        }
        if (model.servedBy().isPresent()) {
            servedByGemini(request, model, errors);
        }
    }

    /** An Imagen request that a Gemini model serves: Imagen fields without a Gemini equivalent are refused. */
    private static void servedByGemini(GenerationRequest request, ModelSpec model, List<Problem.FieldError> errors) {
        String why = " has no equivalent on " + model.servedBy().get() + ", the Gemini model that serves '" + model.id()
                + "' since Imagen's retirement";
        if (request.negativePrompt() != null) {
            errors.add(new Problem.FieldError("negativePrompt", why + "; say what to avoid in the prompt instead"));
        }
        if (Boolean.TRUE.equals(request.enhancePrompt())) {
            errors.add(new Problem.FieldError("enhancePrompt", "true" + why + "; omit it or set false"));
        }
        if (Boolean.TRUE.equals(request.includeSafetyAttributes())) {
            errors.add(new Problem.FieldError("includeSafetyAttributes", "true" + why + "; omit it or set false"));
        }
        if (request.storageUri() != null) {
            errors.add(new Problem.FieldError("storageUri", why + " (Gemini returns images inline; fetch them by URL)"));
        }
        geminiOutput(request.outputOptions(), errors);
    }

    private static void geminiRules(GenerationRequest request, ModelSpec model, List<Problem.FieldError> errors) {
        for (String imagen : ModelSpec.IMAGEN_ONLY) {
            if (present(request, imagen)) {
                errors.add(new Problem.FieldError(imagen, "is an Imagen parameter with no equivalent on Gemini image model '"
                        + model.id() + "'" + hint(imagen)));
            }
        }
        aspectRatio(request, model, errors);
        if (request.imageSize() != null && !model.imageSizes().contains(request.imageSize().toUpperCase())) {
            errors.add(new Problem.FieldError("imageSize", "must be one of " + String.join(", ", model.imageSizes())
                    + " for model '" + model.id() + "'"));
        }
        if (request.thinkingLevel() != null && !model.thinkingLevels().contains(request.thinkingLevel().toUpperCase())) {
            errors.add(new Problem.FieldError("thinkingLevel", model.thinkingLevels().isEmpty()
                    ? "is not supported by model '" + model.id() + "'"
                    : "must be one of " + String.join(", ", model.thinkingLevels()) + " for model '" + model.id() + "'"));
        }
        geminiOutput(request.outputOptions(), errors);
    }

    private static void geminiOutput(OutputOptions output, List<Problem.FieldError> errors) {
        if (output != null && output.mimeType() != null
                && !GEMINI_MIME_TYPES.contains(output.mimeType().toLowerCase(java.util.Locale.ROOT))
                && ImagenDefaults.MIME_TYPES.contains(output.mimeType())) {
            errors.add(new Problem.FieldError("outputOptions.mimeType", "Gemini image models encode "
                    + String.join(" or ", GEMINI_MIME_TYPES)));
        }
    }

    private static void aspectRatio(GenerationRequest request, ModelSpec model, List<Problem.FieldError> errors) {
        if (request.aspectRatio() != null && !model.aspectRatios().isEmpty()
                && !model.aspectRatios().contains(request.aspectRatio())) {
            errors.add(new Problem.FieldError("aspectRatio", "must be one of " + String.join(", ", model.aspectRatios())
                    + " for model '" + model.id() + "'"));
        }
    }

    private static String hint(String imagenField) {
        return switch (imagenField) {
            case "sampleImageSize" -> "; use imageSize";
            case "addWatermark" -> "; Gemini images always carry a SynthID watermark, and a seed needs no flag";
            case "negativePrompt" -> "; say what to avoid in the prompt instead";
            case "storageUri" -> "; Gemini returns images inline, fetch them by URL";
            default -> "";
        };
    }

    private static boolean present(GenerationRequest r, String field) {
        return switch (field) {
            case "negativePrompt" -> r.negativePrompt() != null;
            case "enhancePrompt" -> r.enhancePrompt() != null;
            case "addWatermark" -> r.addWatermark() != null;
            case "storageUri" -> r.storageUri() != null;
            case "includeRaiReason" -> r.includeRaiReason() != null;
            case "includeSafetyAttributes" -> r.includeSafetyAttributes() != null;
            case "language" -> r.language() != null;
            case "sampleImageSize" -> r.sampleImageSize() != null;
            case "imageSize" -> r.imageSize() != null;
            case "thinkingLevel" -> r.thinkingLevel() != null;
            case "images" -> r.images() != null && !r.images().isEmpty();
            default -> false;
        };
    }
}

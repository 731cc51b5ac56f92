package imagen.gateway.api;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.GenerationRequest.OutputOptions;
import imagen.gateway.request.GenerationRequest.ReferenceImage;
import imagen.gateway.request.Problem;

/**
 * A Vertex {@code GenerateContentRequest} for an image model, read into the gateway's one request.
 * What the gateway cannot carry into the image (system instructions, tools, sampling parameters,
 * conversations, files by URI) is refused by its JSON path, never dropped: Gemini ignores what it
 * does not know and still answers 200, so a dropped field would be silent.
 */
final class GeminiRequests {

    private static final Set<String> TOP_LEVEL = Set.of("contents", "generationConfig", "safetySettings", "labels");
    private static final Set<String> GENERATION_CONFIG = Set.of("responseModalities", "seed", "candidateCount",
            "imageConfig", "thinkingConfig");
    private static final Set<String> IMAGE_CONFIG = Set.of("aspectRatio", "imageSize", "personGeneration",
            "imageOutputOptions");
    private static final Map<String, String> PERSON_GENERATION = Map.of("ALLOW_ALL", "allow_all", "ALLOW_ADULT",
            "allow_adult", "ALLOW_NONE", "dont_allow");

    /** Where each field of the gateway's request sits in a {@code GenerateContentRequest}. */
    static final UnaryOperator<String> PATHS = field -> switch (field) {
        case "prompt" -> "contents[0].parts[].text";
        case "images" -> "contents[0].parts[].inlineData";
        case "seed" -> "generationConfig.seed";
        case "sampleCount" -> "generationConfig.candidateCount";
        case "aspectRatio", "imageSize", "personGeneration" -> "generationConfig.imageConfig." + field;
        case "outputOptions.mimeType" -> "generationConfig.imageConfig.imageOutputOptions.mimeType";
        case "outputOptions.compressionQuality" -> "generationConfig.imageConfig.imageOutputOptions.compressionQuality";
        case "thinkingLevel" -> "generationConfig.thinkingConfig.thinkingLevel";
        case "safetySetting" -> "safetySettings";
        default -> field.startsWith("images") ? "contents[0].parts" + field.substring("images".length()) : field;
    };

    private GeminiRequests() {
    }

    /** The request, or the field errors of what cannot be read into it. */
    static GenerationRequest read(String model, JsonNode body, List<Problem.FieldError> errors) {
        if (body == null || !body.isObject()) {
            errors.add(new Problem.FieldError("body", "must be a JSON object with contents"));
            return null;
        }
        unknown(body, TOP_LEVEL, "", errors);
        StringBuilder prompt = new StringBuilder();
        List<ReferenceImage> images = new ArrayList<>();
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            errors.add(new Problem.FieldError("contents", "must hold one user turn with the prompt"));
        } else if (contents.size() > 1) {
            errors.add(new Problem.FieldError("contents", "must hold exactly one user turn: the gateway generates images,"
                    + " it keeps no conversation"));
        } else {
            parts(contents.get(0), prompt, images, errors);
        }
        JsonNode config = body.path("generationConfig");
        Long seed = null;
        String aspectRatio = null;
        String imageSize = null;
        String personGeneration = null;
        String thinkingLevel = null;
        OutputOptions output = null;
        if (!config.isMissingNode() && !config.isNull()) {
            unknown(config, GENERATION_CONFIG, "generationConfig.", errors);
            JsonNode modalities = config.path("responseModalities");
            if (modalities.isArray() && !modalities.toString().toUpperCase(Locale.ROOT).contains("\"IMAGE\"")) {
                errors.add(new Problem.FieldError("generationConfig.responseModalities", "must include IMAGE"));
            }
            JsonNode candidates = config.path("candidateCount");
            if (!candidates.isMissingNode() && !(candidates.canConvertToInt() && candidates.asInt() == 1)) {
                errors.add(new Problem.FieldError("generationConfig.candidateCount",
                        "image models make one candidate per call; send several requests"));
            }
            if (config.has("seed")) {
                seed = integer(config.get("seed"), "generationConfig.seed", errors);
            }
            JsonNode image = config.path("imageConfig");
            if (image.isObject()) {
                unknown(image, IMAGE_CONFIG, "generationConfig.imageConfig.", errors);
                aspectRatio = text(image, "aspectRatio", "generationConfig.imageConfig.", errors);
                imageSize = text(image, "imageSize", "generationConfig.imageConfig.", errors);
                String person = text(image, "personGeneration", "generationConfig.imageConfig.", errors);
                if (person != null) {
                    personGeneration = PERSON_GENERATION.get(person.toUpperCase(Locale.ROOT));
                    if (personGeneration == null) {
                        errors.add(new Problem.FieldError("generationConfig.imageConfig.personGeneration",
                                "must be one of ALLOW_ALL, ALLOW_ADULT, ALLOW_NONE"));
                    }
                }
                JsonNode options = image.path("imageOutputOptions");
                if (options.isObject()) {
                    Long quality = options.has("compressionQuality")
                            ? integer(options.get("compressionQuality"),
                                    "generationConfig.imageConfig.imageOutputOptions.compressionQuality", errors)
                            : null;
                    output = new OutputOptions(text(options, "mimeType", "generationConfig.imageConfig.imageOutputOptions.",
                            errors), quality == null ? null : quality.intValue());
                }
            }
            JsonNode thinking = config.path("thinkingConfig");
            if (thinking.isObject()) {
                unknown(thinking, Set.of("thinkingLevel", "includeThoughts"), "generationConfig.thinkingConfig.", errors);
                thinkingLevel = text(thinking, "thinkingLevel", "generationConfig.thinkingConfig.", errors);
            }
        }
        String safety = safety(body.path("safetySettings"), errors);
        return new GenerationRequest(model, prompt.toString(), null, null, seed, null, aspectRatio, null, null, null, output,
                personGeneration, safety, null, null, null, imageSize, thinkingLevel, images.isEmpty() ? null : images);
    }

    private static void parts(JsonNode content, StringBuilder prompt, List<ReferenceImage> images,
            List<Problem.FieldError> errors) {
        String role = content.path("role").asText("user");
        if (!"user".equals(role)) {
            errors.add(new Problem.FieldError("contents[0].role", "must be user"));
        }
        JsonNode parts = content.path("parts");
        if (!parts.isArray()) {
            errors.add(new Problem.FieldError("contents[0].parts", "must be an array of text and inlineData parts"));
            return;
        }
        for (int i = 0; i < parts.size(); i++) {
            JsonNode part = parts.get(i);
            String where = "contents[0].parts[" + i + "]";
            if (part.hasNonNull("text")) {
                prompt.append(prompt.length() > 0 ? "\n" : "").append(part.get("text").asText());
            } else if (part.path("inlineData").isObject()) {
                JsonNode data = part.get("inlineData");
                try {
                    images.add(new ReferenceImage(data.path("mimeType").asText(null),
                            Base64.getDecoder().decode(data.path("data").asText(""))));
                } catch (IllegalArgumentException notBase64) {
                    errors.add(new Problem.FieldError(where + ".inlineData.data", "must be base64"));
                }
            } else {
                errors.add(new Problem.FieldError(where, "must be a text or an inlineData part"
                        + " (files by URI, function calls and the like are not supported)"));
            }
        }
    }

    /** Gemini's per-category thresholds as the one Imagen safety setting: all categories must agree. */
    private static String safety(JsonNode settings, List<Problem.FieldError> errors) {
        if (settings.isMissingNode() || settings.isNull()) {
            return null;
        }
        Set<String> thresholds = new HashSet<>();
        if (settings.isArray()) {
            settings.forEach(setting -> thresholds.add(setting.path("threshold").asText("").toUpperCase(Locale.ROOT)));
        }
        if (!settings.isArray() || thresholds.size() != 1) {
            errors.add(new Problem.FieldError("safetySettings",
                    "must give every category the same threshold (the gateway keys and applies one setting)"));
            return null;
        }
        String threshold = thresholds.iterator().next();
        return switch (threshold) {
            case "BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE" ->
                    threshold.toLowerCase(Locale.ROOT);
            default -> {
                errors.add(new Problem.FieldError("safetySettings[].threshold",
                        "must be one of BLOCK_LOW_AND_ABOVE, BLOCK_MEDIUM_AND_ABOVE, BLOCK_ONLY_HIGH, BLOCK_NONE"));
                yield null;
            }
        };
    }

    private static void unknown(JsonNode node, Set<String> known, String prefix, List<Problem.FieldError> errors) {
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                errors.add(new Problem.FieldError(prefix + name, "is not supported by the gateway for image models"));
            }
        });
    }

    private static String text(JsonNode node, String name, String prefix, List<Problem.FieldError> errors) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new Problem.FieldError(prefix + name, "must be a string"));
            return null;
        }
        return value.asText();
    }

    private static Long integer(JsonNode value, String where, List<Problem.FieldError> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            errors.add(new Problem.FieldError(where, "must be an integer"));
            return null;
        }
        return value.asLong();
    }
}

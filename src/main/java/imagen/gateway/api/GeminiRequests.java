package imagen.gateway.api;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern IMAGE_FIELD = Pattern.compile("images\\[(\\d+)](.*)");
    private static final Map<String, String> PERSON_GENERATION = Map.of("ALLOW_ALL", "allow_all", "ALLOW_ADULT",
            "allow_adult", "ALLOW_NONE", "dont_allow");

    /**
     * Where each field of the gateway's request sits in this {@code GenerateContentRequest}: the
     * k-th reference image is the k-th {@code inlineData} part, whichever its index among the parts.
     */
    static UnaryOperator<String> paths(JsonNode body) {
        List<Integer> imageParts = new ArrayList<>();
        JsonNode parts = body == null ? null : body.path("contents").path(0).path("parts");
        if (parts != null && parts.isArray()) {
            for (int i = 0; i < parts.size(); i++) {
                if (!parts.get(i).hasNonNull("text") && parts.get(i).path("inlineData").isObject()) {
                    imageParts.add(i);
                }
            }
        }
        return field -> switch (field) {
            case "prompt" -> "contents[0].parts[].text";
            case "images" -> "contents[0].parts[].inlineData";
            case "seed" -> "generationConfig.seed";
            case "sampleCount" -> "generationConfig.candidateCount";
            case "aspectRatio", "imageSize", "personGeneration" -> "generationConfig.imageConfig." + field;
            case "outputOptions.mimeType" -> "generationConfig.imageConfig.imageOutputOptions.mimeType";
            case "outputOptions.compressionQuality" -> "generationConfig.imageConfig.imageOutputOptions.compressionQuality";
            case "thinkingLevel" -> "generationConfig.thinkingConfig.thinkingLevel";
            case "safetySetting" -> "safetySettings";
            default -> image(field, imageParts);
        };
    }

    /** {@code images[1].mimeType} → {@code contents[0].parts[2].inlineData.mimeType}. */
    private static String image(String field, List<Integer> imageParts) {
        Matcher image = IMAGE_FIELD.matcher(field);
        if (!image.matches()) {
            return field;
        }
        int k = Integer.parseInt(image.group(1));
        String part = k < imageParts.size() ? String.valueOf(imageParts.get(k)) : "";
        return "contents[0].parts[" + part + "].inlineData" + image.group(2);
    }

    private GeminiRequests() {
    }

    /** The request, or the field errors of what cannot be read into it, each named by its JSON path. */
    static GenerationRequest read(String model, JsonNode body, List<Problem.FieldError> errors) {
        if (body == null || !body.isObject()) {
            return null;
        }
        unknown(body, TOP_LEVEL, "", errors);
        StringBuilder prompt = new StringBuilder();
        List<ReferenceImage> images = new ArrayList<>();
        JsonNode contents = body.get("contents");
        if (contents == null || contents.isNull()) {
            errors.add(new Problem.FieldError("contents", "is required: one user turn with the prompt"));
        } else if (!contents.isArray()) {
            errors.add(new Problem.FieldError("contents", "must be an array"));
        } else if (contents.isEmpty()) {
            errors.add(new Problem.FieldError("contents", "must hold one user turn with the prompt"));
        } else if (contents.size() > 1) {
            errors.add(new Problem.FieldError("contents", "must hold exactly one user turn: the gateway generates images,"
                    + " it keeps no conversation"));
        } else if (!contents.get(0).isObject()) {
            errors.add(new Problem.FieldError("contents[0]", "must be an object"));
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
        if (object(config, "generationConfig", errors)) {
            unknown(config, GENERATION_CONFIG, "generationConfig.", errors);
            JsonNode modalities = config.path("responseModalities");
            if (array(modalities, "generationConfig.responseModalities", errors)) {
                boolean image = false;
                for (int i = 0; i < modalities.size(); i++) {
                    if (!modalities.get(i).isTextual()) {
                        errors.add(new Problem.FieldError("generationConfig.responseModalities[" + i + "]",
                                "must be a string"));
                    } else if ("IMAGE".equalsIgnoreCase(modalities.get(i).asText())) {
                        image = true;
                    }
                }
                if (!image) {
                    errors.add(new Problem.FieldError("generationConfig.responseModalities", "must include IMAGE"));
                }
            }
            JsonNode candidates = config.path("candidateCount");
            if (!candidates.isMissingNode() && !candidates.isNull()) {
                Long count = integer(candidates, "generationConfig.candidateCount", errors);
                if (count != null && count != 1) {
                    errors.add(new Problem.FieldError("generationConfig.candidateCount",
                            "image models make one candidate per call; send several requests"));
                }
            }
            if (config.has("seed")) {
                seed = integer(config.get("seed"), "generationConfig.seed", errors);
            }
            JsonNode image = config.path("imageConfig");
            if (object(image, "generationConfig.imageConfig", errors)) {
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
                String where = "generationConfig.imageConfig.imageOutputOptions";
                if (object(options, where, errors)) {
                    unknown(options, Set.of("mimeType", "compressionQuality"), where + ".", errors);
                    Long quality = options.has("compressionQuality")
                            ? integer(options.get("compressionQuality"), where + ".compressionQuality", errors)
                            : null;
                    output = new OutputOptions(text(options, "mimeType", where + ".", errors),
                            quality == null || quality > Integer.MAX_VALUE || quality < Integer.MIN_VALUE ? null
                                    : quality.intValue());
                }
            }
            JsonNode thinking = config.path("thinkingConfig");
            if (object(thinking, "generationConfig.thinkingConfig", errors)) {
                unknown(thinking, Set.of("thinkingLevel", "includeThoughts"), "generationConfig.thinkingConfig.", errors);
                thinkingLevel = text(thinking, "thinkingLevel", "generationConfig.thinkingConfig.", errors);
                JsonNode include = thinking.path("includeThoughts");
                if (!include.isMissingNode() && !include.isNull() && !include.isBoolean()) {
                    errors.add(new Problem.FieldError("generationConfig.thinkingConfig.includeThoughts",
                            "must be a boolean"));
                }
            }
        }
        JsonNode labels = body.path("labels");
        if (object(labels, "labels", errors)) {
            labels.fields().forEachRemaining(label -> {
                if (!label.getValue().isTextual()) {
                    errors.add(new Problem.FieldError("labels." + label.getKey(), "must be a string"));
                }
            });
        }
        String safety = safety(body.path("safetySettings"), errors);
        return new GenerationRequest(model, prompt.toString(), null, null, seed, null, aspectRatio, null, null, null, output,
                personGeneration, safety, null, null, null, imageSize, thinkingLevel, images.isEmpty() ? null : images);
    }

    private static void parts(JsonNode content, StringBuilder prompt, List<ReferenceImage> images,
            List<Problem.FieldError> errors) {
        JsonNode role = content.path("role");
        if (!role.isMissingNode() && !role.isNull() && !role.isTextual()) {
            errors.add(new Problem.FieldError("contents[0].role", "must be a string"));
        } else if (role.isTextual() && !"user".equals(role.asText())) {
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
            if (!part.isObject()) {
                errors.add(new Problem.FieldError(where, "must be an object"));
            } else if (part.hasNonNull("text")) {
                if (!part.get("text").isTextual()) {
                    errors.add(new Problem.FieldError(where + ".text", "must be a string"));
                } else {
                    prompt.append(prompt.length() > 0 ? "\n" : "").append(part.get("text").asText());
                }
            } else if (part.hasNonNull("inlineData")) {
                image(part.get("inlineData"), where + ".inlineData", images, errors);
            } else {
                errors.add(new Problem.FieldError(where, "must be a text or an inlineData part"
                        + " (files by URI, function calls and the like are not supported)"));
            }
        }
    }

    private static void image(JsonNode data, String where, List<ReferenceImage> images, List<Problem.FieldError> errors) {
        if (!data.isObject()) {
            errors.add(new Problem.FieldError(where, "must be an object"));
            return;
        }
        String mimeType = text(data, "mimeType", where + ".", errors);
        JsonNode bytes = data.path("data");
        if (!bytes.isTextual()) {
            errors.add(new Problem.FieldError(where + ".data", bytes.isMissingNode() || bytes.isNull()
                    ? "is required: the image, base64" : "must be a string"));
            return;
        }
        try {
            images.add(new ReferenceImage(mimeType, Base64.getDecoder().decode(bytes.asText())));
        } catch (IllegalArgumentException notBase64) {
            errors.add(new Problem.FieldError(where + ".data", "must be base64"));
        }
    }

    /** Gemini's per-category thresholds as the one Imagen safety setting: all categories must agree. */
    private static String safety(JsonNode settings, List<Problem.FieldError> errors) {
        if (!array(settings, "safetySettings", errors)) {
            return null;
        }
        Set<String> thresholds = new HashSet<>();
        boolean readable = true;
        for (int i = 0; i < settings.size(); i++) {
            JsonNode setting = settings.get(i);
            String where = "safetySettings[" + i + "]";
            if (!setting.isObject()) {
                errors.add(new Problem.FieldError(where, "must be an object"));
                readable = false;
                continue;
            }
            String threshold = text(setting, "threshold", where + ".", errors);
            text(setting, "category", where + ".", errors);
            thresholds.add(threshold == null ? "" : threshold.toUpperCase(Locale.ROOT));
        }
        if (!readable) {
            return null;
        }
        if (thresholds.size() != 1) {
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

    /** Whether an optional member is there and an object; an error if it is there and not one. */
    private static boolean object(JsonNode node, String where, List<Problem.FieldError> errors) {
        if (node.isMissingNode() || node.isNull()) {
            return false;
        }
        if (!node.isObject()) {
            errors.add(new Problem.FieldError(where, "must be an object"));
            return false;
        }
        return true;
    }

    /** Whether an optional member is there and an array; an error if it is there and not one. */
    private static boolean array(JsonNode node, String where, List<Problem.FieldError> errors) {
        if (node.isMissingNode() || node.isNull()) {
            return false;
        }
        if (!node.isArray()) {
            errors.add(new Problem.FieldError(where, "must be an array"));
            return false;
        }
        return true;
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
        if (!value.isIntegralNumber()) {
            errors.add(new Problem.FieldError(where, "must be an integer"));
            return null;
        }
        if (!value.canConvertToLong()) {
            errors.add(new Problem.FieldError(where, "is out of range"));
            return null;
        }
        return value.asLong();
    }
}

package imagen.gateway.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a Vertex {@code GenerateContentRequest} asks the simulator for, read the way Vertex reads
 * it: unknown fields are ignored, values outside what a Gemini image model takes are refused with
 * Vertex's wording ({@link IllegalArgumentException#getMessage()} is the 400's message). Enum values
 * are accepted in any case; {@code imageSize} only with an upper-case {@code K}, as Vertex requires.
 *
 * @param prompt the text parts of the user turns, one per line
 * @param references what identifies each input image: the SHA-256 of its bytes, or its file URI
 * @param referenceImages how many of the inputs are images (they cost prompt tokens)
 * @param seed {@code generationConfig.seed}; null for a random picture
 * @param personGeneration upper case, empty when unset
 * @param wantsImage whether {@code responseModalities} is unset or includes {@code IMAGE}
 * @param thinkingLevel upper case, null when unset
 * @param includeThoughts {@code thinkingConfig.includeThoughts}, null when unset
 */
record GeminiAsk(String model, String prompt, List<String> references, int referenceImages, Long seed,
        String aspectRatio, String imageSize, String personGeneration, String mimeType, int quality, boolean wantsImage,
        String thinkingLevel, Boolean includeThoughts) {

    /** Gemini's image aspect ratios. */
    static final List<String> ASPECT_RATIOS = List.of("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9",
            "21:9");
    static final List<String> IMAGE_SIZES = List.of("1K", "2K", "4K");
    /** What Gemini image models encode. */
    static final List<String> MIME_TYPES = List.of("image/png", "image/jpeg");

    private static final Set<String> MODALITIES = Set.of("MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO");
    private static final Set<String> THINKING_LEVELS = Set.of("THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM",
            "HIGH");
    private static final Set<String> PERSON_GENERATION = Set.of("PERSON_GENERATION_UNSPECIFIED", "ALLOW_ALL",
            "ALLOW_ADULT", "ALLOW_NONE");
    private static final Set<String> HARM_CATEGORIES = Set.of("HARM_CATEGORY_UNSPECIFIED", "HARM_CATEGORY_HATE_SPEECH",
            "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
            "HARM_CATEGORY_CIVIC_INTEGRITY", "HARM_CATEGORY_JAILBREAK", "HARM_CATEGORY_IMAGE_HATE",
            "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT", "HARM_CATEGORY_IMAGE_HARASSMENT",
            "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT");
    private static final Set<String> THRESHOLDS = Set.of("HARM_BLOCK_THRESHOLD_UNSPECIFIED", "BLOCK_LOW_AND_ABOVE",
            "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF");
    private static final int DEFAULT_QUALITY = 75;

    /** Whether the model thinks in interim images ({@code gemini-3-pro-image} and its kin). */
    boolean pro() {
        return model.contains("-pro-image");
    }

    /** Pro models always think; the others when asked for {@code HIGH}. */
    boolean thinks() {
        return pro() || "HIGH".equals(thinkingLevel);
    }

    /** Pro models show their thoughts unless told not to; the others only when asked. */
    boolean showsThoughts() {
        return thinks() && (pro() ? !Boolean.FALSE.equals(includeThoughts) : Boolean.TRUE.equals(includeThoughts));
    }

    /**
     * What decides the picture: model, prompt, input images, seed and the settings that change what
     * is drawn, not how it is encoded.
     */
    long pictureSeed() {
        String material = String.join("\u0000", model, prompt, String.join(",", references), String.valueOf(seed),
                aspectRatio, imageSize, personGeneration);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = (value << 8) | (d[i] & 0xff);
            }
            return value;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static GeminiAsk parse(String model, JsonNode body) {
        if (model.startsWith("imagen-")) {
            throw new IllegalArgumentException("Model " + model + " does not support generateContent; call :predict.");
        }
        JsonNode contents = body.path("contents");
        if (!contents.isArray() || contents.isEmpty()) {
            throw new IllegalArgumentException("Unable to submit request because it must include at least one parts field, "
                    + "which describes the prompt input.");
        }
        List<String> texts = new ArrayList<>();
        List<String> references = new ArrayList<>();
        int images = 0;
        for (int c = 0; c < contents.size(); c++) {
            JsonNode content = contents.get(c);
            String role = content.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                throw new IllegalArgumentException("Please use a valid role: user, model.");
            }
            JsonNode parts = content.path("parts");
            if (!parts.isArray() || parts.isEmpty()) {
                throw new IllegalArgumentException("Unable to submit request because it must include at least one parts "
                        + "field, which describes the prompt input.");
            }
            if (role.equals("model")) {
                continue; // an earlier answer, echoed back in a multi-turn call
            }
            for (int p = 0; p < parts.size(); p++) {
                JsonNode part = parts.get(p);
                if (part.has("text")) {
                    String text = part.path("text").asText("");
                    if (text.isBlank()) {
                        throw new IllegalArgumentException("Unable to submit request because it has an empty text parameter. "
                                + "Add a value to the parameter and try again.");
                    }
                    texts.add(text);
                } else if (part.has("inlineData")) {
                    references.add(inlineImage(part.path("inlineData"), "contents[" + c + "].parts[" + p + "]"));
                    images++;
                } else if (part.has("fileData")) {
                    references.add(part.path("fileData").path("fileUri").asText(""));
                    images++;
                }
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("Unable to submit request because it has an empty text parameter. "
                    + "Add a value to the parameter and try again.");
        }
        JsonNode generation = body.path("generationConfig");
        JsonNode candidateCount = generation.path("candidateCount");
        if (!candidateCount.isMissingNode() && !candidateCount.isNull()) {
            if (!candidateCount.canConvertToInt() || candidateCount.asInt() < 0) {
                throw new IllegalArgumentException("Invalid value at 'generation_config.candidate_count' (TYPE_INT32), "
                        + candidateCount);
            }
            if (candidateCount.asInt() > 1) {
                throw new IllegalArgumentException("Multiple candidates is not enabled for this model.");
            }
        }
        boolean wantsImage = true;
        JsonNode modalities = generation.path("responseModalities");
        if (modalities.isArray() && !modalities.isEmpty()) {
            wantsImage = false;
            for (int i = 0; i < modalities.size(); i++) {
                String modality = upper(modalities.get(i).asText(""));
                if (!MODALITIES.contains(modality)) {
                    throw invalidEnum("generation_config.response_modalities[" + i + "]", "GenerationConfig.Modality",
                            modalities.get(i).asText(""));
                }
                wantsImage |= modality.equals("IMAGE");
            }
        }
        Long seed = null;
        JsonNode seedNode = generation.path("seed");
        if (!seedNode.isMissingNode() && !seedNode.isNull()) {
            if (!(seedNode.canConvertToLong() || seedNode.isTextual() && seedNode.asText().matches("-?\\d+"))) {
                throw new IllegalArgumentException("Invalid value at 'generation_config.seed' (TYPE_INT32), " + seedNode);
            }
            seed = seedNode.asLong();
        }
        JsonNode image = generation.path("imageConfig");
        String aspectRatio = image.path("aspectRatio").asText("1:1");
        if (!ASPECT_RATIOS.contains(aspectRatio)) {
            throw new IllegalArgumentException("Unsupported aspect ratio '" + aspectRatio + "'. Supported values are "
                    + String.join(", ", ASPECT_RATIOS) + ".");
        }
        String imageSize = image.path("imageSize").asText("1K");
        if (!IMAGE_SIZES.contains(imageSize)) {
            throw new IllegalArgumentException("Unsupported image size '" + imageSize + "'. Supported values are "
                    + String.join(", ", IMAGE_SIZES) + ".");
        }
        String personGeneration = upper(image.path("personGeneration").asText(""));
        if (!personGeneration.isEmpty() && !PERSON_GENERATION.contains(personGeneration)) {
            throw invalidEnum("generation_config.image_config.person_generation", "ImageConfig.PersonGeneration",
                    image.path("personGeneration").asText());
        }
        JsonNode output = image.path("imageOutputOptions");
        String mimeType = output.path("mimeType").asText("image/png").toLowerCase(Locale.ROOT);
        if (!MIME_TYPES.contains(mimeType) || !ImagePainter.canEncode(mimeType)) {
            throw new IllegalArgumentException("Unsupported output mime type " + mimeType + ". Supported values are "
                    + String.join(", ", MIME_TYPES) + ".");
        }
        int quality = DEFAULT_QUALITY;
        JsonNode qualityNode = output.path("compressionQuality");
        if (!qualityNode.isMissingNode() && !qualityNode.isNull()) {
            if (!qualityNode.canConvertToInt() || qualityNode.asInt() < 0 || qualityNode.asInt() > 100) {
                throw new IllegalArgumentException("compressionQuality must be between 0 and 100.");
            }
            quality = qualityNode.asInt();
        }
        JsonNode thinking = generation.path("thinkingConfig");
        String thinkingLevel = null;
        if (thinking.hasNonNull("thinkingLevel")) {
            thinkingLevel = upper(thinking.path("thinkingLevel").asText());
            if (!THINKING_LEVELS.contains(thinkingLevel)) {
                throw invalidEnum("generation_config.thinking_config.thinking_level", "ThinkingConfig.ThinkingLevel",
                        thinking.path("thinkingLevel").asText());
            }
        }
        Boolean includeThoughts = thinking.hasNonNull("includeThoughts") ? thinking.path("includeThoughts").asBoolean()
                : null;
        JsonNode safety = body.path("safetySettings");
        for (int i = 0; safety.isArray() && i < safety.size(); i++) {
            String category = safety.get(i).path("category").asText("");
            if (!HARM_CATEGORIES.contains(upper(category))) {
                throw invalidEnum("safety_settings[" + i + "].category", "HarmCategory", category);
            }
            String threshold = safety.get(i).path("threshold").asText("");
            if (!THRESHOLDS.contains(upper(threshold))) {
                throw invalidEnum("safety_settings[" + i + "].threshold", "SafetySetting.HarmBlockThreshold", threshold);
            }
        }
        return new GeminiAsk(model, String.join("\n", texts), List.copyOf(references), images, seed, aspectRatio,
                imageSize, personGeneration, mimeType, quality, wantsImage, thinkingLevel, includeThoughts);
    }

    /** An input image's identity: the digest of its bytes, which must be base64 (standard or URL-safe). */
    private static String inlineImage(JsonNode inline, String where) {
        String mimeType = inline.path("mimeType").asText("");
        if (!mimeType.startsWith("image/")) {
            throw new IllegalArgumentException("Unsupported MIME type '" + mimeType + "' at '" + where + ".inline_data'.");
        }
        String data = inline.path("data").asText("");
        byte[] bytes;
        try {
            bytes = data.indexOf('-') >= 0 || data.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(data)
                    : Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid value at '" + where + ".inline_data.data' (TYPE_BYTES), "
                    + "Base64 decoding failed.");
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("Unable to submit request because it has an empty inlineData parameter.");
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IllegalArgumentException invalidEnum(String field, String type, String value) {
        return new IllegalArgumentException("Invalid value at '" + field + "' (type.googleapis.com/google.cloud.aiplatform.v1."
                + type + "), \"" + value + "\"");
    }

    private static String upper(String value) {
        return value.trim().toUpperCase(Locale.ROOT);
    }
}

package imagen.gateway.upstream;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Vertex AI's Gemini {@code :generateContent} / {@code :streamGenerateContent} body, as far as image
 * generation uses it. Absent fields are not written, so Vertex's defaults apply to them.
 * Unknown fields are not ignored when one is read: a field the gateway would drop is refused,
 * not silently lost.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateContentRequest(List<Content> contents, Content systemInstruction, GenerationConfig generationConfig,
        List<SafetySetting> safetySettings, Map<String, String> labels) {

    public GenerateContentRequest(List<Content> contents, GenerationConfig generationConfig, List<SafetySetting> safetySettings) {
        this(contents, null, generationConfig, safetySettings, null);
    }

    /**
     * @param responseModalities {@code TEXT}, {@code IMAGE}
     * @param candidateCount image models accept only 1: never sent by the gateway, read to refuse more
     * @param seed int32 on Vertex
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GenerationConfig(List<String> responseModalities, Integer candidateCount, Integer seed,
            Double temperature, Double topP, Double topK, Integer maxOutputTokens, ImageConfig imageConfig,
            ThinkingConfig thinkingConfig) {
    }

    /**
     * @param aspectRatio {@code 1:1}, {@code 16:9}, ...
     * @param imageSize {@code 1K}, {@code 2K}, {@code 4K}
     * @param personGeneration {@code ALLOW_ALL}, {@code ALLOW_ADULT}, {@code ALLOW_NONE}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageConfig(String aspectRatio, String imageSize, String personGeneration,
            ImageOutputOptions imageOutputOptions) {
    }

    /** @param mimeType {@code image/png} or {@code image/jpeg}; @param compressionQuality 0–100, JPEG only */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageOutputOptions(String mimeType, Integer compressionQuality) {
    }

    /**
     * @param thinkingLevel {@code MINIMAL}, {@code LOW}, {@code MEDIUM}, {@code HIGH} (Gemini 3)
     * @param includeThoughts whether thought parts (text, interim images) are streamed back
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ThinkingConfig(String thinkingLevel, Boolean includeThoughts, Integer thinkingBudget) {
    }

    /**
     * @param category {@code HARM_CATEGORY_HARASSMENT}, {@code HARM_CATEGORY_HATE_SPEECH},
     *        {@code HARM_CATEGORY_SEXUALLY_EXPLICIT}, {@code HARM_CATEGORY_DANGEROUS_CONTENT}, ...
     * @param threshold {@code BLOCK_LOW_AND_ABOVE}, {@code BLOCK_MEDIUM_AND_ABOVE}, {@code BLOCK_ONLY_HIGH},
     *        {@code BLOCK_NONE}, {@code OFF}
     * @param method {@code SEVERITY} or {@code PROBABILITY}; Vertex's default when absent
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SafetySetting(String category, String threshold, String method) {

        public SafetySetting(String category, String threshold) {
            this(category, threshold, null);
        }
    }
}

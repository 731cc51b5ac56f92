package imagen.gateway.upstream;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Vertex AI's Gemini answer: the whole answer of {@code :generateContent}, or one chunk of
 * {@code :streamGenerateContent} (each chunk carries the parts produced since the one before; the
 * last carries the finish reason; {@code usageMetadata} is cumulative, so the last one holds the totals).
 * A stream that fails after its 200 carries Vertex's error envelope in {@code error} instead.
 * Fields Vertex may add later are ignored.
 *
 * @param usageMetadata as Vertex sends it: {@code promptTokenCount}, {@code candidatesTokenCount},
 *        {@code thoughtsTokenCount}, {@code totalTokenCount}, and per-modality details
 *        ({@code promptTokensDetails}, {@code candidatesTokensDetails}: {@code [{modality, tokenCount}]})
 * @param error {@code {code, message, status, details}} of an error chunk; null otherwise
 */
// Native image: Jackson reads and writes these by reflection outside resource signatures, so
// api/NativeReflection should list GenerateContentRequest, GenerateContentRequest.GenerationConfig,
// GenerateContentRequest.ImageConfig, GenerateContentRequest.ImageOutputOptions,
// GenerateContentRequest.ThinkingConfig, GenerateContentRequest.SafetySetting, GenerateContentResponse,
// GenerateContentResponse.Candidate, GenerateContentResponse.PromptFeedback, Content, Content.Part and
// Content.Blob.
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerateContentResponse(List<Candidate> candidates, PromptFeedback promptFeedback, JsonNode usageMetadata,
        String modelVersion, String responseId, String createTime, JsonNode error) {

    public GenerateContentResponse {
        candidates = candidates == null ? List.of() : candidates;
    }

    /**
     * @param finishReason {@code STOP}, {@code NO_IMAGE}, {@code IMAGE_SAFETY}, {@code IMAGE_PROHIBITED_CONTENT},
     *        {@code IMAGE_RECITATION}, {@code IMAGE_OTHER}, {@code SAFETY}, {@code PROHIBITED_CONTENT},
     *        {@code BLOCKLIST}, {@code SPII}, {@code RECITATION}, {@code MAX_TOKENS}, {@code OTHER}, ...; null
     *        while the candidate is still streaming
     * @param finishMessage Vertex's explanation of the finish reason, when it gives one
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Candidate(Integer index, Content content, String finishReason, String finishMessage,
            JsonNode safetyRatings) {
    }

    /** Why the prompt itself was refused: {@code blockReason} ({@code SAFETY}, {@code PROHIBITED_CONTENT}, ...). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PromptFeedback(String blockReason, String blockReasonMessage, JsonNode safetyRatings) {
    }
}

package imagen.gateway.api.openapi;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import imagen.gateway.request.GenerationRequest;

/**
 * Vertex AI's wire bodies as the Vertex-compatible paths take and answer them: the resources read
 * them as JSON trees ({@code VertexCompatResource#parse}, {@code GeminiRequests}) and render their
 * answers as trees, so the OpenAPI scan would see only {@code JsonNode}. What the gateway refuses
 * is marked {@code additionalProperties: false}; fields it forwards or ignores are said so. Read by
 * the OpenAPI scan only; the contract test holds them to real requests and answers.
 */
public final class VertexSchemas {

    /** A :predict body, for the document. */
    public static final String PREDICT_EXAMPLE = "{\"instances\":[{\"prompt\":\"small boat on water in the morning,"
            + " watercolor\"}],\"parameters\":{\"sampleCount\":1,\"seed\":42,\"addWatermark\":false,\"aspectRatio\":\"16:9\"}}";

    /** A :generateContent body, for the document. */
    public static final String GENERATE_EXAMPLE = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"small boat on"
            + " water in the morning, watercolor\"}]}],\"generationConfig\":{\"responseModalities\":[\"TEXT\",\"IMAGE\"],"
            + "\"seed\":42,\"imageConfig\":{\"aspectRatio\":\"16:9\",\"imageSize\":\"1K\"}}}";

    private VertexSchemas() {
    }

    // --- Imagen :predict -----------------------------------------------------------------------

    @Schema(name = "PredictRequest", additionalProperties = Schema.False.class,
            description = "Vertex AI Imagen :predict body. Enum values are accepted in any case.")
    public record PredictRequest(
            @Schema(required = true, minItems = 1, maxItems = 1, description = "Exactly one instance")
            List<PredictInstance> instances,
            PredictParameters parameters,
            @Schema(description = "Accepted; not forwarded") Map<String, String> labels) {
    }

    @Schema(name = "PredictInstance", additionalProperties = Schema.False.class,
            description = "Text-to-image: the prompt, and what to keep out")
    public record PredictInstance(
            @Schema(required = true, examples = "small boat on water in the morning, watercolor") String prompt,
            String negativePrompt) {
    }

    @Schema(name = "PredictParameters", additionalProperties = Schema.True.class,
            description = "Imagen's parameters, validated by the rules of the model named in the path. Parameters"
                    + " not listed here are forwarded to Vertex unchanged (and are part of the de-duplication key).")
    public record PredictParameters(
            @Schema(minimum = "1", maximum = "4") Integer sampleCount,
            @Schema(minimum = "1", maximum = "2147483647", description = "Makes the request deterministic: de-duplicated"
                    + " and cached. Imagen needs addWatermark: false with it.") Long seed,
            Boolean addWatermark,
            @Schema(examples = "16:9") String aspectRatio,
            Boolean enhancePrompt,
            Boolean includeRaiReason,
            Boolean includeSafetyAttributes,
            GenerationRequest.OutputOptions outputOptions,
            @Schema(enumeration = {"allow_all", "allow_adult", "dont_allow"}) String personGeneration,
            @Schema(enumeration = {"block_low_and_above", "block_medium_and_above", "block_only_high", "block_none",
                    "block_most", "block_some", "block_few"}) String safetySetting,
            @Schema(enumeration = {"1K", "2K"}) String sampleImageSize,
            @Schema(examples = "en") String language,
            @Schema(examples = "gs://bucket/out/") String storageUri) {
    }

    @Schema(name = "PredictResponse", description = "Vertex AI Imagen :predict answer, rendered from the job's result")
    public record PredictResponse(@Schema(required = true) List<Prediction> predictions) {
    }

    @Schema(name = "Prediction", description = "An image (bytes, or gcsUri with storageUri); a withheld image"
            + " (raiFilteredReason, with includeRaiReason); or, with includeSafetyAttributes, the prompt's own safety"
            + " scores (contentType \"Positive Prompt\", no image)")
    public record Prediction(
            @Schema(format = "byte") String bytesBase64Encoded,
            @Schema(examples = "image/png") String mimeType,
            @Schema(description = "The prompt as the model rewrote it (enhancePrompt)") String prompt,
            String raiFilteredReason,
            @Schema(type = SchemaType.OBJECT) Object safetyAttributes,
            String gcsUri,
            @Schema(enumeration = "Positive Prompt") String contentType) {
    }

    // --- Gemini :generateContent -----------------------------------------------------------------

    @Schema(name = "GenerateContentRequest", additionalProperties = Schema.False.class,
            description = "Vertex AI GenerateContentRequest, as far as an image model uses it. What the gateway cannot"
                    + " carry into the image (systemInstruction, tools, sampling parameters, conversations, files by"
                    + " URI) is refused with a 400 naming its JSON path, never dropped.")
    public record GenerateContentRequest(
            @Schema(required = true, minItems = 1, maxItems = 1, description = "Exactly one user turn")
            List<RequestContent> contents,
            GenerationConfig generationConfig,
            @Schema(description = "Every category must have the same threshold: the gateway applies one setting")
            List<SafetySetting> safetySettings,
            @Schema(description = "Accepted; not forwarded") Map<String, String> labels) {
    }

    @Schema(name = "RequestContent", description = "The user turn: text parts make the prompt (joined by new lines),"
            + " inlineData parts are reference images")
    public record RequestContent(
            @Schema(enumeration = "user", defaultValue = "user") String role,
            @Schema(required = true) List<RequestPart> parts) {
    }

    @Schema(name = "RequestPart", description = "A text part or an inlineData part")
    public record RequestPart(String text, Blob inlineData) {
    }

    @Schema(name = "Blob", description = "Inline bytes")
    public record Blob(
            @Schema(required = true, examples = "image/png") String mimeType,
            @Schema(required = true, format = "byte", description = "base64") String data) {
    }

    @Schema(name = "GenerationConfig", additionalProperties = Schema.False.class)
    public record GenerationConfig(
            @Schema(description = "Must include IMAGE") List<String> responseModalities,
            @Schema(description = "Best effort on Gemini; the gateway's cache makes a seeded request repeat")
            Integer seed,
            @Schema(enumeration = "1", description = "Image models make one candidate per call") Integer candidateCount,
            ImageConfig imageConfig,
            ThinkingConfig thinkingConfig) {
    }

    @Schema(name = "ImageConfig", additionalProperties = Schema.False.class)
    public record ImageConfig(
            @Schema(examples = "16:9") String aspectRatio,
            @Schema(enumeration = {"1K", "2K", "4K"}, description = "4K where the model offers it") String imageSize,
            @Schema(enumeration = {"ALLOW_ALL", "ALLOW_ADULT", "ALLOW_NONE"}) String personGeneration,
            ImageOutputOptions imageOutputOptions) {
    }

    @Schema(name = "ImageOutputOptions")
    public record ImageOutputOptions(
            @Schema(examples = "image/jpeg") String mimeType,
            @Schema(minimum = "0", maximum = "100", description = "JPEG only") Integer compressionQuality) {
    }

    @Schema(name = "ThinkingConfig", additionalProperties = Schema.False.class)
    public record ThinkingConfig(
            @Schema(enumeration = {"MINIMAL", "LOW", "MEDIUM", "HIGH"}, description = "Gemini 3 image models")
            String thinkingLevel,
            @Schema(description = "Accepted; thought parts (interim images) stream as the model makes them")
            Boolean includeThoughts) {
    }

    @Schema(name = "SafetySetting")
    public record SafetySetting(
            @Schema(examples = "HARM_CATEGORY_DANGEROUS_CONTENT") String category,
            @Schema(required = true, enumeration = {"BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH",
                    "BLOCK_NONE"}) String threshold) {
    }

    @Schema(name = "GenerateContentResponse", description = "Vertex AI's Gemini answer, rendered from the job's"
            + " result; in a stream, one chunk: the parts made since the chunk before, the last one with the finish"
            + " reason and the usage")
    public record GenerateContentResponse(
            @Schema(required = true, minItems = 1, maxItems = 1) List<Candidate> candidates,
            GenerationSchemas.UsageMetadata usageMetadata,
            @Schema(description = "The model that made it", examples = "gemini-3.1-flash-image") String modelVersion) {
    }

    @Schema(name = "Candidate")
    public record Candidate(
            @Schema(required = true) ResponseContent content,
            @Schema(required = true, enumeration = "0") int index,
            @Schema(description = "STOP, IMAGE_SAFETY, ...; on the last chunk of a stream") String finishReason,
            @Schema(description = "Why the image was withheld") String finishMessage) {
    }

    @Schema(name = "ResponseContent")
    public record ResponseContent(
            @Schema(required = true, enumeration = "model") String role,
            @Schema(required = true) List<ResponsePart> parts) {
    }

    @Schema(name = "ResponsePart", description = "The model's text, or an image; `thought: true` marks an interim image")
    public record ResponsePart(String text, Blob inlineData, Boolean thought) {
    }

    @Schema(name = "GenerateContentChunk", description = "One Server-Sent Event of :streamGenerateContent?alt=sse:"
            + " `data:` only (no id, no name), one line of JSON: a GenerateContentResponse chunk, or, when the"
            + " generation fails after the stream began, an error chunk with Google's envelope (no details)."
            + " The stream ends after the chunk with the finish reason, or after the error chunk.")
    public record StreamChunk(
            @Schema(required = true, anyOf = {GenerateContentResponse.class, StreamError.class}) Object data) {
    }

    @Schema(name = "StreamError", description = "The error chunk of a stream")
    public record StreamError(@Schema(required = true) ErrorSchemas.GoogleError error) {
    }
}

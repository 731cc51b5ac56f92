package imagen.gateway.request;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /v1/generations}: Vertex's Imagen {@code parameters} object flattened, plus
 * {@code prompt} and {@code model}, and the few Gemini image fields Imagen has no name for
 * ({@code imageSize}, {@code thinkingLevel}, reference {@code images}). Names and values are
 * Vertex's. Rules that depend on the model or on configuration live in {@link RequestRules}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "Image generation request: Vertex AI parameters, flattened")
public record GenerationRequest(
        @Schema(example = "gemini-3.1-flash-image") String model,
        @NotBlank @Schema(required = true, example = "small boat on water in the morning, watercolor") String prompt,
        String negativePrompt,
        @Min(1) @Max(4) Integer sampleCount,
        @Min(1) @Max(2147483647L) Long seed,
        Boolean addWatermark,
        @Pattern(regexp = "1:1|2:3|3:2|3:4|4:3|4:5|5:4|9:16|16:9|21:9",
                message = "must be one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9") String aspectRatio,
        Boolean enhancePrompt,
        Boolean includeRaiReason,
        Boolean includeSafetyAttributes,
        @Valid OutputOptions outputOptions,
        @Pattern(regexp = "allow_all|allow_adult|dont_allow",
                message = "must be one of allow_all, allow_adult, dont_allow") String personGeneration,
        @Pattern(regexp = "block_low_and_above|block_medium_and_above|block_only_high|block_none|block_most|block_some|block_few",
                message = "must be one of block_low_and_above, block_medium_and_above, block_only_high, block_none"
                        + " (legacy block_most, block_some, block_few)") String safetySetting,
        @Pattern(regexp = "1K|2K", message = "must be 1K or 2K") String sampleImageSize,
        @Pattern(regexp = "auto|[a-z]{2,3}(-[A-Za-z]{2,4})?", message = "must be auto or a language code such as en, ja, zh-TW")
        String language,
        @Pattern(regexp = "gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/.*)?",
                message = "must be a Cloud Storage URI gs://bucket/path") String storageUri,
        @Schema(description = "Gemini image models: 1K, 2K or 4K (4K where the model offers it)")
        @Pattern(regexp = "1K|2K|4K", message = "must be 1K, 2K or 4K") String imageSize,
        @Schema(description = "Gemini 3 image models: how much the model thinks before drawing")
        @Pattern(regexp = "MINIMAL|LOW|MEDIUM|HIGH|minimal|low|medium|high",
                message = "must be one of MINIMAL, LOW, MEDIUM, HIGH") String thinkingLevel,
        @Schema(description = "Gemini image models: reference images to edit or draw from")
        @Size(max = 14, message = "must hold at most 14 images") List<@Valid @NotNull ReferenceImage> images) {

    @Schema(description = "Output encoding")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputOptions(
            @Pattern(regexp = "image/jpeg|image/gif|image/png|image/webp|image/bmp|image/tiff|image/vnd\\.microsoft\\.icon",
                    message = "must be one of image/jpeg, image/gif, image/png, image/webp, image/bmp, image/tiff,"
                            + " image/vnd.microsoft.icon") String mimeType,
            @Min(0) @Max(100) Integer compressionQuality) {
    }

    /** A reference image sent inline: its type and its bytes (base64 in JSON). */
    @Schema(description = "Reference image, inline")
    public record ReferenceImage(
            @NotNull @Pattern(regexp = "image/png|image/jpeg|image/webp|image/heic|image/heif",
                    message = "must be one of image/png, image/jpeg, image/webp, image/heic, image/heif") String mimeType,
            @NotNull @Size(min = 1, message = "must not be empty") byte[] data) {
    }

    /** A copy naming another model, everything else kept. */
    public GenerationRequest withModel(String otherModel) {
        return new GenerationRequest(otherModel, prompt, negativePrompt, sampleCount, seed, addWatermark, aspectRatio,
                enhancePrompt, includeRaiReason, includeSafetyAttributes, outputOptions, personGeneration, safetySetting,
                sampleImageSize, language, storageUri, imageSize, thinkingLevel, images);
    }
}

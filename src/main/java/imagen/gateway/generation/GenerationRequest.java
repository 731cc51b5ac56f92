package imagen.gateway.generation;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /v1/generations}: Vertex's Imagen {@code parameters} object flattened, plus
 * {@code prompt} and {@code model}. Names and values are exactly Vertex's. Rules that depend on
 * configuration (allowed models, prompt length, which models take a size) live in
 * {@link GenerationRequestValidator}.
 */
@ValidGenerationRequest
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "Imagen generation request: Vertex AI :predict parameters, flattened")
public record GenerationRequest(
        @Schema(example = "imagen-4.0-fast-generate-001") String model,
        @NotBlank @Schema(required = true, example = "small boat on water in the morning, watercolor") String prompt,
        String negativePrompt,
        @Min(1) @Max(4) Integer sampleCount,
        @Min(1) @Max(2147483647L) Long seed,
        Boolean addWatermark,
        @Pattern(regexp = "1:1|3:4|4:3|16:9|9:16", message = "must be one of 1:1, 3:4, 4:3, 16:9, 9:16") String aspectRatio,
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
                message = "must be a Cloud Storage URI gs://bucket/path") String storageUri) {

    @Schema(description = "Output encoding")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputOptions(
            @Pattern(regexp = "image/jpeg|image/gif|image/png|image/webp|image/bmp|image/tiff|image/vnd\\.microsoft\\.icon",
                    message = "must be one of image/jpeg, image/gif, image/png, image/webp, image/bmp, image/tiff,"
                            + " image/vnd.microsoft.icon") String mimeType,
            @Min(0) @Max(100) Integer compressionQuality) {
    }

    /** Deterministic requests (seed set, watermark off) are shared: coalesced and cached. */
    public boolean deterministic() {
        return seed != null && Boolean.FALSE.equals(addWatermark);
    }
}

package imagen.gateway.upstream;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Vertex AI {@code :predict} answer for Imagen. Image bytes are decoded from base64 once, by
 * Jackson while parsing, and kept as bytes. Fields Vertex may add later are ignored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PredictResponse(List<Prediction> predictions) {

    public List<Prediction> predictionsOrEmpty() {
        return predictions == null ? List.of() : predictions;
    }

    /**
     * One prediction: an image (bytes or, with {@code storageUri}, a {@code gcsUri}), a filtered
     * image ({@code raiFilteredReason}), or, with {@code includeSafetyAttributes}, the prompt's own
     * safety scores ({@code contentType} "Positive Prompt", no image).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Prediction(byte[] bytesBase64Encoded, String mimeType, String prompt, String raiFilteredReason,
            JsonNode safetyAttributes, String gcsUri, String contentType) {

        @JsonIgnore
        public boolean isImage() {
            return (bytesBase64Encoded != null && bytesBase64Encoded.length > 0) || gcsUri != null;
        }

        @JsonIgnore
        public boolean isFiltered() {
            return !isImage() && raiFilteredReason != null;
        }
    }
}

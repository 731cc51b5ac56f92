package imagen.gateway.upstream;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Gemini's {@code Content} on the wire (Vertex AI {@code v1}): a role and its parts, in requests
 * ({@link GenerateContentRequest#contents()}) and in answers ({@link GenerateContentResponse.Candidate#content()}).
 * Fields Vertex may add to a part later are ignored.
 *
 * @param role {@code user} in requests, {@code model} in answers
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Content(String role, List<Part> parts) {

    public Content {
        parts = parts == null ? List.of() : parts;
    }

    /**
     * One part: text, or inline bytes. {@code thought} marks the model's thinking: thought text, and
     * for the image models that stream them, interim images drawn before the final one.
     *
     * @param thoughtSignature opaque (base64) and passed through as received
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Part(String text, Blob inlineData, Boolean thought, String thoughtSignature) {

        public static Part text(String text) {
            return new Part(text, null, null, null);
        }

        public static Part inline(String mimeType, byte[] data) {
            return new Part(null, new Blob(mimeType, data), null, null);
        }

        @JsonIgnore
        public boolean isThought() {
            return Boolean.TRUE.equals(thought);
        }

        /** Whether the part carries bytes (an image); an empty {@code inlineData} does not count. */
        @JsonIgnore
        public boolean hasData() {
            return inlineData != null && inlineData.data() != null && inlineData.data().length > 0;
        }
    }

    /**
     * Inline bytes. {@code data} is base64 in JSON: Jackson decodes it once, straight into bytes,
     * while it parses (and encodes it when it writes), so no String copy of it is ever made.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Blob(String mimeType, byte[] data) {
    }
}

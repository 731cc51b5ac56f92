package imagen.gateway.api.openapi;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The error bodies as the OpenAPI document shows them: {@code imagen.gateway.request.Problem} as
 * it serialises, and the Vertex-compatible paths' answer, which adds Google's envelope. These
 * types are read by the OpenAPI scan only; the contract test holds them to the real bodies.
 */
public final class ErrorSchemas {

    /** The media type of every error body, the Vertex-compatible ones included. */
    public static final String PROBLEM_JSON = "application/problem+json";

    private ErrorSchemas() {
    }

    @Schema(name = "Problem", description = "RFC 9457 problem details: the body of every error of the /v1 API"
            + " (application/problem+json) and the data of every SSE `error` event. Members that do not apply are"
            + " left out.", examples = "{\"type\":\"urn:imagen-gateway:problem:invalid-request\",\"title\":\"Invalid request\","
                    + "\"status\":400,\"detail\":\"sampleCount must be less than or equal to 4\",\"instance\":\"/v1/generations\","
                    + "\"errors\":[{\"field\":\"sampleCount\",\"message\":\"must be less than or equal to 4\"}]}")
    public record Problem(
            @Schema(required = true, description = "URN naming the kind of problem",
                    examples = "urn:imagen-gateway:problem:invalid-request") String type,
            @Schema(required = true, description = "Short human-readable summary of the status",
                    examples = "Invalid request") String title,
            @Schema(required = true, description = "The HTTP status", examples = "400") int status,
            @Schema(description = "What went wrong, for a person",
                    examples = "sampleCount must be less than or equal to 4") String detail,
            @Schema(description = "The path of the request, or of the generation, the problem is about",
                    examples = "/v1/generations") String instance,
            @Schema(description = "Invalid requests: every bad field, each named by its JSON path") List<FieldError> errors,
            @Schema(description = "Upstream failures: Vertex AI's status name", examples = "RESOURCE_EXHAUSTED")
            String vertexStatus,
            @Schema(description = "Whether the same request may succeed later") Boolean retryable,
            @Schema(description = "How long to wait before trying again, when known; also sent as Retry-After (in"
                    + " seconds, rounded up) on a 429 or 503", examples = "1000") Long retryAfterMs) {
    }

    @Schema(name = "FieldError", description = "One bad field of an invalid request")
    public record FieldError(
            @Schema(required = true, description = "The field's JSON path", examples = "outputOptions.mimeType") String field,
            @Schema(required = true, description = "What is wrong with it", examples = "must be one of image/jpeg, image/png")
            String message) {
    }

    @Schema(name = "VertexError", allOf = Problem.class, description = "Error body of the Vertex-compatible paths:"
            + " the problem members, plus Google's error envelope `error` that Google's SDKs read.")
    public record VertexError(@Schema(required = true) GoogleError error) {
    }

    @Schema(name = "GoogleError", description = "Google's error envelope (google.rpc.Status as JSON)")
    public record GoogleError(
            @Schema(required = true, description = "The HTTP status", examples = "429") int code,
            @Schema(required = true, description = "What went wrong") String message,
            @Schema(required = true, description = "Google's status name", examples = "RESOURCE_EXHAUSTED") String status,
            @Schema(description = "google.rpc.RetryInfo when a wait is known; google.rpc.BadRequest with the field"
                    + " violations of an invalid request. Not sent in the error chunk of a stream.")
            List<GoogleErrorDetail> details) {
    }

    @Schema(name = "GoogleErrorDetail", description = "One typed detail of a Google error")
    public record GoogleErrorDetail(
            @JsonProperty("@type") @Schema(required = true,
                    enumeration = {"type.googleapis.com/google.rpc.RetryInfo", "type.googleapis.com/google.rpc.BadRequest"})
            String type,
            @Schema(description = "RetryInfo: the wait, as a protobuf duration", examples = "1.000s") String retryDelay,
            @Schema(description = "BadRequest: every bad field") List<FieldViolation> fieldViolations) {
    }

    @Schema(name = "FieldViolation", description = "google.rpc.BadRequest.FieldViolation")
    public record FieldViolation(
            @Schema(required = true, description = "The field's JSON path", examples = "instances[0].prompt") String field,
            @Schema(required = true) String description) {
    }
}

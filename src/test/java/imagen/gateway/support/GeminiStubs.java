package imagen.gateway.support;

import java.util.Base64;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What Vertex AI's Gemini {@code :streamGenerateContent?alt=sse} answers with, for WireMock stubs:
 * chunks ({@code GenerateContentResponse} JSON) and the {@code text/event-stream} body made of them.
 */
public final class GeminiStubs {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GeminiStubs() {
    }

    /** {@code /v1/projects/test-project/locations/us-central1/publishers/google/models/{model}:streamGenerateContent?alt=sse} */
    public static String streamPath(String model) {
        return streamPath(model, WireMockVertex.LOCATION);
    }

    /** The stream path of a model served in {@code location} (e.g. {@code global}). */
    public static String streamPath(String model, String location) {
        return "/v1/projects/" + WireMockVertex.PROJECT + "/locations/" + location
                + "/publishers/google/models/" + model + ":streamGenerateContent?alt=sse";
    }

    /** The event stream of these chunks, each as Vertex frames it: {@code data: {...}\r\n\r\n}. */
    public static String sse(Object... chunks) {
        StringBuilder body = new StringBuilder();
        for (Object chunk : chunks) {
            body.append("data: ").append(chunk).append("\r\n\r\n");
        }
        return body.toString();
    }

    /** A chunk with one candidate holding {@code parts} (add them with {@link #text}, {@link #image}, ...). */
    public static ObjectNode chunk() {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        candidate.putObject("content").put("role", "model").putArray("parts");
        root.put("modelVersion", "gemini-test");
        return root;
    }

    public static ArrayNode parts(ObjectNode chunk) {
        return (ArrayNode) chunk.get("candidates").get(0).get("content").get("parts");
    }

    public static ObjectNode text(String text) {
        ObjectNode chunk = chunk();
        parts(chunk).addObject().put("text", text);
        return chunk;
    }

    public static ObjectNode thoughtText(String text) {
        ObjectNode chunk = chunk();
        parts(chunk).addObject().put("text", text).put("thought", true);
        return chunk;
    }

    /** A final image part (with a thought signature, as Gemini 3 sends one). */
    public static ObjectNode image(byte[] bytes, String mimeType) {
        ObjectNode chunk = chunk();
        parts(chunk).addObject().put("thoughtSignature", "c2lnbmF0dXJl").putObject("inlineData")
                .put("mimeType", mimeType).put("data", Base64.getEncoder().encodeToString(bytes));
        return chunk;
    }

    /** An interim image: a thought part with inline data. */
    public static ObjectNode thoughtImage(byte[] bytes, String mimeType) {
        ObjectNode chunk = chunk();
        parts(chunk).addObject().put("thought", true).putObject("inlineData")
                .put("mimeType", mimeType).put("data", Base64.getEncoder().encodeToString(bytes));
        return chunk;
    }

    /** Sets the candidate's finish reason (and message) on a chunk. */
    public static ObjectNode finish(ObjectNode chunk, String reason, String message) {
        ObjectNode candidate = (ObjectNode) chunk.get("candidates").get(0);
        candidate.put("finishReason", reason);
        if (message != null) {
            candidate.put("finishMessage", message);
        }
        return chunk;
    }

    /** A last chunk: no parts, the finish reason and the usage. */
    public static ObjectNode end(String reason, int promptTokens, int textTokens, int imageTokens) {
        return usage(finish(chunk(), reason, null), promptTokens, textTokens, imageTokens);
    }

    /** Adds Vertex's {@code usageMetadata}, with per-modality candidate details. */
    public static ObjectNode usage(ObjectNode chunk, int promptTokens, int textTokens, int imageTokens) {
        ObjectNode usage = chunk.putObject("usageMetadata").put("promptTokenCount", promptTokens)
                .put("candidatesTokenCount", textTokens + imageTokens)
                .put("totalTokenCount", promptTokens + textTokens + imageTokens);
        usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", promptTokens);
        ArrayNode details = usage.putArray("candidatesTokensDetails");
        if (textTokens > 0) {
            details.addObject().put("modality", "TEXT").put("tokenCount", textTokens);
        }
        if (imageTokens > 0) {
            details.addObject().put("modality", "IMAGE").put("tokenCount", imageTokens);
        }
        return chunk;
    }

    /** A refused prompt: no candidates, {@code promptFeedback.blockReason}. */
    public static ObjectNode blocked(String reason, String message) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode feedback = root.putObject("promptFeedback").put("blockReason", reason);
        if (message != null) {
            feedback.put("blockReasonMessage", message);
        }
        root.putObject("usageMetadata").put("promptTokenCount", 9).put("totalTokenCount", 9);
        return root;
    }

    /** Vertex's error envelope as a chunk of a 200 stream; {@code retryDelay} adds a google.rpc.RetryInfo. */
    public static String errorChunk(int code, String status, String message, String retryDelay) {
        return VertexStubs.error(code, status, message, retryDelay);
    }
}

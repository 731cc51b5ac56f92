package imagen.gateway.support;

import java.util.Base64;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Bodies Vertex AI answers with, for WireMock stubs. */
public final class VertexStubs {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private VertexStubs() {
    }

    /** An empty {@code {"predictions":[]}} to fill in. */
    public static ObjectNode answer() {
        ObjectNode root = MAPPER.createObjectNode();
        root.putArray("predictions");
        return root;
    }

    public static ObjectNode image(ArrayNode predictions, byte[] bytes, String mimeType) {
        return predictions.addObject().put("bytesBase64Encoded", Base64.getEncoder().encodeToString(bytes))
                .put("mimeType", mimeType);
    }

    /** {@code n} images of the given bytes. */
    public static String images(byte[] bytes, String mimeType, int n) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode predictions = root.putArray("predictions");
        for (int i = 0; i < n; i++) {
            image(predictions, bytes, mimeType);
        }
        return root.toString();
    }

    /** Vertex's error envelope; {@code retryDelay} (e.g. "45.8s") adds a google.rpc.RetryInfo. */
    public static String error(int code, String status, String message, String retryDelay) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error").put("code", code).put("message", message).put("status", status);
        ArrayNode details = error.putArray("details");
        if (retryDelay != null) {
            details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", retryDelay);
        }
        details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", status)
                .put("domain", "aiplatform.googleapis.com");
        return root.toString();
    }
}

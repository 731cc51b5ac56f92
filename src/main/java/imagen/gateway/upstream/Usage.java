package imagen.gateway.upstream;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gemini's {@code usageMetadata} added up over the calls of one generation: counts are summed,
 * per-modality details ({@code promptTokensDetails}, {@code candidatesTokensDetails}, ...) are
 * summed by modality.
 */
public final class Usage {

    private Usage() {
    }

    public static JsonNode add(JsonNode a, JsonNode b) {
        if (a == null || a.isNull() || a.isMissingNode()) {
            return b == null || b.isMissingNode() || b.isNull() ? null : b.deepCopy();
        }
        if (b == null || b.isNull() || b.isMissingNode()) {
            return a;
        }
        ObjectNode sum = JsonNodeFactory.instance.objectNode();
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        a.fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue()));
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode mine = fields.get(f.getKey());
            fields.put(f.getKey(), mine == null ? f.getValue() : combine(mine, f.getValue()));
        }
        fields.forEach(sum::set);
        return sum;
    }

    private static JsonNode combine(JsonNode a, JsonNode b) {
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            return JsonNodeFactory.instance.numberNode(a.asLong() + b.asLong());
        }
        if (a.isArray() && b.isArray()) {
            Map<String, Long> byModality = new LinkedHashMap<>();
            for (JsonNode detail : a) {
                byModality.merge(detail.path("modality").asText(), detail.path("tokenCount").asLong(), Long::sum);
            }
            for (JsonNode detail : b) {
                byModality.merge(detail.path("modality").asText(), detail.path("tokenCount").asLong(), Long::sum);
            }
            ArrayNode merged = JsonNodeFactory.instance.arrayNode();
            byModality.forEach((modality, count) -> merged.addObject().put("modality", modality).put("tokenCount", count));
            return merged;
        }
        return b;
    }
}

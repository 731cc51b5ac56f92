package imagen.gateway.request;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;

/**
 * The de-duplication key of a deterministic request: SHA-256 over the canonical JSON of every
 * parameter with its default applied ({@link CanonicalRequest#effectiveParameters()}), keys sorted
 * at every depth, so omitted and explicit defaults, and any field order, give the same key.
 */
public final class RequestKey {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);

    private RequestKey() {
    }

    public static String canonicalJson(CanonicalRequest request) {
        try {
            return CANONICAL.writeValueAsString(request.effectiveParameters());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key of a deterministic request, or null for one that is never shared. */
    public static String of(CanonicalRequest request) {
        return request.deterministic() ? Digests.sha256(canonicalJson(request).getBytes(StandardCharsets.UTF_8)) : null;
    }
}

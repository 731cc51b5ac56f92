package imagen.gateway.support;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway with Vertex AI's Gemini as upstream, played by {@link WireMockVertex}, without
 * credentials. Gemini image models are the default; Imagen 4 Fast is served by
 * {@code gemini-3.1-flash-image} at thinking level MINIMAL, as in production;
 * {@code gemini-3-pro-image} is served in {@code global} only (its own locations), the others in
 * {@link WireMockVertex#LOCATION}. Two retries with short waits, so a retried stream is seen whole
 * and quickly.
 */
public class WireMockGeminiProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("imagen.default-model", "gemini-3.1-flash-image",
                "imagen.model.\"imagen-4.0-fast-generate-001\".served-by", "gemini-3.1-flash-image",
                "imagen.model.\"imagen-4.0-fast-generate-001\".thinking-level", "MINIMAL",
                "imagen.model.\"gemini-3-pro-image\".locations", "global",
                "imagen.resilience.max-retries", "2",
                "imagen.resilience.max-server-wait", "2s",
                "imagen.resilience.attempt-timeout", "10s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(WireMockVertex.class));
    }
}

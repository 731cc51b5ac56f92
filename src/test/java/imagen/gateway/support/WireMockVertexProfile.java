package imagen.gateway.support;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway with Vertex AI as upstream, played by {@link WireMockVertex}, without credentials
 * ({@code imagen.vertex.auth=none}). One attempt per request, so each stubbed answer is seen as is.
 */
public class WireMockVertexProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("imagen.resilience.max-retries", "0",
                "imagen.resilience.attempt-timeout", "10s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(WireMockVertex.class));
    }
}

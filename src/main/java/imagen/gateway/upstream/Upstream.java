package imagen.gateway.upstream;

import imagen.gateway.request.CanonicalRequest;
import io.smallrye.mutiny.Uni;

/**
 * The port every generation leaves the gateway through: Vertex AI's Imagen or Gemini, or the
 * embedded simulator that speaks both. Fails with an {@link UpstreamException} in Vertex's terms.
 */
public interface Upstream {

    Uni<GenerationResult> generate(CanonicalRequest request, UpstreamListener listener);
}

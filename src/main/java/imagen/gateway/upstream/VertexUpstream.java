package imagen.gateway.upstream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import imagen.gateway.request.CanonicalRequest;
import io.smallrye.mutiny.Uni;

/**
 * The {@link Upstream} of the gateway: Vertex AI, or the embedded simulator that speaks the same
 * protocols over HTTP (so every guard applies to it too). The order inside is
 * {@link Guards#call}'s: retry with failover → bulkhead → breaker per location → attempt timeout
 * → the codec of the model's protocol.
 */
@ApplicationScoped
public class VertexUpstream implements Upstream {

    @Inject
    Guards guards;

    @Inject
    ImagenCodec imagen;

    @Override
    public Uni<GenerationResult> generate(CanonicalRequest request, UpstreamListener listener) {
        long start = System.nanoTime();
        return guards.call(listener, (location, attempt) -> imagen.attempt(location, request, attempt))
                .map(result -> result.withCost(result.attempts(), (System.nanoTime() - start) / 1_000_000));
    }
}

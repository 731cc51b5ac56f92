package imagen.gateway.upstream;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.Protocol;
import io.smallrye.mutiny.Uni;

/**
 * The {@link Upstream} of the gateway: Vertex AI, or the embedded simulator that speaks the same
 * protocols over HTTP (so every guard applies to it too). The order inside is
 * {@link Guards#call}'s: retry with failover → bulkhead → breaker per location → attempt timeout
 * → the codec of the protocol the model is called with ({@link CanonicalRequest#wire()}).
 *
 * <p>Imagen makes every sample in one {@code :predict}. Gemini makes one image per call, so a
 * request of N samples is N calls, run at once, each through the guards on its own (a sample that
 * fails is retried alone; the others keep what they made), then merged in sample order. The first
 * sample that fails for good fails the generation and cancels the others' calls. A model served in
 * locations of its own (e.g. {@code global}) fails over within those.
 */
@ApplicationScoped
public class VertexUpstream implements Upstream {

    @Inject
    Guards guards;

    @Inject
    ImagenCodec imagen;

    @Inject
    GeminiCodec gemini;

    @Override
    public Uni<GenerationResult> generate(CanonicalRequest request, UpstreamListener listener) {
        long start = System.nanoTime();
        List<String> locations = request.model().locations();
        Uni<GenerationResult> result = request.wire() == Protocol.GEMINI ? samples(request, locations, listener)
                : guards.call(locations, listener, (location, attempt) -> imagen.attempt(location, request, attempt));
        return result.map(r -> r.withCost(r.attempts(), (System.nanoTime() - start) / 1_000_000));
    }

    private Uni<GenerationResult> samples(CanonicalRequest request, List<String> locations, UpstreamListener listener) {
        int count = request.sampleCount();
        List<Uni<GenerationResult>> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int sample = i;
            UpstreamListener own = new SampleListener(listener, sample);
            samples.add(guards.call(locations, own,
                    (location, attempt) -> gemini.attempt(location, request, sample, attempt, own)));
        }
        Uni<List<GenerationResult>> all = count == 1 ? samples.get(0).map(List::of)
                : Uni.join().all(samples).andFailFast();
        return all.map(made -> GenerationResult.merge(request.calledModel(), made, 0));
    }

    /** What one sample's calls tell, told as that sample's: text and previews at its index. */
    private record SampleListener(UpstreamListener delegate, int sample) implements UpstreamListener {

        @Override
        public void onAttempt(int attempt, String location) {
            delegate.onAttempt(attempt, location);
        }

        @Override
        public void onRetry(int attempt, UpstreamException failure, long delayMs) {
            delegate.onRetry(attempt, failure, delayMs);
        }

        @Override
        public void onText(int index, String text) {
            delegate.onText(sample, text);
        }

        @Override
        public void onPreview(int index, String mimeType, byte[] data) {
            delegate.onPreview(sample, mimeType, data);
        }
    }
}

package imagen.gateway.dedup;

import java.util.List;
import java.util.Optional;

import imagen.gateway.cluster.SharedImages;
import imagen.gateway.cluster.SharedResults;
import imagen.gateway.upstream.GenerationResult;
import io.smallrye.mutiny.Uni;

/**
 * A deterministic request whose result is stored is answered from it, as a {@code hit}, with no
 * upstream call. A result whose images have left every store is no hit.
 */
public final class CacheLookup implements Stage {

    private final SharedResults results;
    private final SharedImages images;
    private final Stage next;

    public CacheLookup(SharedResults results, SharedImages images, Stage next) {
        this.results = results;
        this.images = images;
        this.next = next;
    }

    @Override
    public Uni<Outcome> run(Call call) {
        if (call.key() == null) {
            return next.run(call);
        }
        return results.get(call.key(), GenerationResult.class)
                .chain(found -> found.isEmpty() ? Uni.createFrom().item(Optional.<GenerationResult>empty())
                        : images.containsAll(digests(found.get())).map(complete -> complete ? found : Optional.<GenerationResult>empty()))
                .chain(found -> {
                    if (found.isEmpty()) {
                        return next.run(call);
                    }
                    call.accept("hit");
                    return Uni.createFrom().item(Outcome.of(found.get(), "hit"));
                });
    }

    private static List<String> digests(GenerationResult result) {
        return result.images().stream().map(GenerationResult.Image::sha256).filter(d -> d != null).toList();
    }
}

package imagen.gateway.dedup;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import imagen.gateway.config.GatewayConfig;

/**
 * Results of successful deterministic generations by request key, for {@code imagen.cache.ttl}.
 * A result is the data of its {@code image} and {@code filtered} events (image bytes live in the
 * {@link ImageStore}, which bounds the memory); a result whose images have left the store is no
 * longer a hit. Failures are never cached.
 */
@ApplicationScoped
public class ResultCache {

    /** What a hit replays: the image and filtered events, in order, and the original {@code done}. */
    public record CachedResult(List<Entry> entries, ObjectNode done) {

        public record Entry(String type, ObjectNode data) {
        }

        public long images() {
            return entries.stream().filter(e -> e.type().equals("image")).count();
        }
    }

    private final Cache<String, CachedResult> results;
    private final ImageStore images;

    @jakarta.inject.Inject
    ResultCache(GatewayConfig config, ImageStore images) {
        this(config.cache().ttl(), Math.max(1000, config.cache().maxBytes().asLongValue() / 4096), images);
    }

    ResultCache(java.time.Duration ttl, long maxEntries, ImageStore images) {
        this.images = images;
        // entries are a few hundred bytes each; the image bytes are bounded by the ImageStore
        this.results = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).build();
    }

    public Optional<CachedResult> get(String key) {
        CachedResult result = results.getIfPresent(key);
        if (result == null) {
            return Optional.empty();
        }
        boolean complete = result.entries().stream()
                .filter(e -> e.data().hasNonNull("sha256"))
                .allMatch(e -> images.contains(e.data().get("sha256").asText()));
        if (!complete) {
            results.invalidate(key);
            return Optional.empty();
        }
        return Optional.of(result);
    }

    public void put(String key, CachedResult result) {
        results.put(key, result);
    }
}

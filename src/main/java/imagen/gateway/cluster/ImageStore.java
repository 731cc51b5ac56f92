package imagen.gateway.cluster;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.Digests;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Decoded image bytes by content hash (SHA-256, hex), served by {@code GET /v1/images/{digest}}
 * and referenced by cached results. Bounded by bytes ({@code imagen.cache.max-bytes}, counting
 * each entry's bookkeeping too) and age ({@code imagen.cache.ttl}); the least recently used
 * images leave first. Identical images are stored once.
 *
 * <p>A plain LRU rather than Caffeine's size policy: Caffeine may refuse to admit a new entry
 * when full, and an image that was just generated must always be retrievable by the client that
 * asked for it.
 */
@ApplicationScoped
public class ImageStore {

    /** Per-entry bookkeeping counted on top of the bytes, so tiny images cannot defeat the bound. */
    static final int ENTRY_OVERHEAD = 160;

    public record StoredImage(String digest, String mimeType, byte[] bytes, long storedAtNanos) {
        long weight() {
            return bytes.length + ENTRY_OVERHEAD;
        }
    }

    private final long maxBytes;
    private final long ttlNanos;
    private final LinkedHashMap<String, StoredImage> images = new LinkedHashMap<>(256, 0.75f, true);
    private final AtomicLong bytes = new AtomicLong();
    private final Counter evictions;

    @jakarta.inject.Inject
    ImageStore(GatewayConfig config, MeterRegistry metrics) {
        this(bound(config), config.cache().ttl(), metrics);
    }

    /**
     * {@code imagen.cache.max-bytes}, or a quarter of the maximum heap (at most 512 MiB): the store
     * must leave room for the images still arriving and being parsed, or a burst of large images
     * would take the instance, and every stream on it, down with an OutOfMemoryError.
     */
    public static long bound(GatewayConfig config) {
        return config.cache().maxBytes().map(io.quarkus.runtime.configuration.MemorySize::asLongValue)
                .orElseGet(() -> Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 4));
    }

    public ImageStore(long maxBytes, java.time.Duration ttl, MeterRegistry metrics) {
        this.maxBytes = maxBytes;
        this.ttlNanos = ttl.toNanos();
        this.evictions = metrics.counter("imagen.images.evictions");
        metrics.gauge("imagen.images.bytes", bytes);
        metrics.gauge("imagen.images.count", images, Map::size);
    }

    /** Stores the image (once per content) and returns it with its digest. */
    public StoredImage put(byte[] content, String mimeType) {
        String digest = sha256(content);
        synchronized (images) {
            StoredImage existing = images.get(digest);
            if (existing != null) {
                return existing;
            }
            StoredImage image = new StoredImage(digest, mimeType, content, System.nanoTime());
            images.put(digest, image);
            bytes.addAndGet(image.weight());
            evictBeyondBound(digest);
            return image;
        }
    }

    public Optional<StoredImage> get(String digest) {
        synchronized (images) {
            StoredImage image = images.get(digest);
            if (image != null && System.nanoTime() - image.storedAtNanos() > ttlNanos) {
                remove(digest);
                return Optional.empty();
            }
            return Optional.ofNullable(image);
        }
    }

    public boolean contains(String digest) {
        return get(digest).isPresent();
    }

    public long bytes() {
        return bytes.get();
    }

    /** Oldest-used first, never the image just stored. */
    private void evictBeyondBound(String keep) {
        Iterator<Map.Entry<String, StoredImage>> it = images.entrySet().iterator();
        while (bytes.get() > maxBytes && it.hasNext()) {
            Map.Entry<String, StoredImage> eldest = it.next();
            if (eldest.getKey().equals(keep)) {
                continue;
            }
            it.remove();
            bytes.addAndGet(-eldest.getValue().weight());
            evictions.increment();
        }
    }

    private void remove(String digest) {
        StoredImage removed = images.remove(digest);
        if (removed != null) {
            bytes.addAndGet(-removed.weight());
            evictions.increment();
        }
    }

    public static String sha256(byte[] content) {
        return Digests.sha256(content);
    }
}

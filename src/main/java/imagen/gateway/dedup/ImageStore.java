package imagen.gateway.dedup;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import imagen.gateway.config.GatewayConfig;

/**
 * Decoded image bytes by content hash (SHA-256, hex), served by {@code GET /v1/images/{digest}}.
 * Bounded by bytes ({@code imagen.cache.max-bytes}) and age ({@code imagen.cache.ttl}); identical
 * images are stored once.
 */
@ApplicationScoped
public class ImageStore {

    /** Per-entry bookkeeping counted on top of the bytes, so tiny images cannot defeat the bound. */
    private static final int ENTRY_OVERHEAD = 160;

    public record StoredImage(String digest, String mimeType, byte[] bytes) {
    }

    private final Cache<String, StoredImage> images;

    ImageStore(GatewayConfig config) {
        this.images = Caffeine.newBuilder()
                .maximumWeight(config.cache().maxBytes().asLongValue())
                .weigher((String digest, StoredImage image) -> image.bytes().length + ENTRY_OVERHEAD)
                .expireAfterWrite(config.cache().ttl())
                .build();
    }

    /** Stores the image and returns its digest. */
    public StoredImage put(byte[] bytes, String mimeType) {
        String digest = sha256(bytes);
        return images.asMap().computeIfAbsent(digest, d -> new StoredImage(d, mimeType, bytes));
    }

    public Optional<StoredImage> get(String digest) {
        return Optional.ofNullable(images.getIfPresent(digest));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package imagen.gateway.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import imagen.gateway.cluster.ImageStore.StoredImage;
import imagen.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;

/**
 * Images in this instance's store first, then in Redis ({@code imagen:image:<sha256>}: the mime
 * type, a newline, the bytes; for {@code imagen.cache.ttl}), so any instance serves any image URL.
 */
final class RedisImages implements SharedImages {

    private final ImageStore local;
    private final RedisLink link;
    private final GatewayConfig config;

    RedisImages(ImageStore local, RedisLink link, GatewayConfig config) {
        this.local = local;
        this.link = link;
        this.config = config;
    }

    @Override
    public StoredImage putLocal(byte[] content, String mimeType) {
        return local.put(content, mimeType);
    }

    @Override
    public Uni<Void> share(List<StoredImage> images) {
        if (images.isEmpty() || !link.usable()) {
            return Uni.createFrom().voidItem();
        }
        long ttl = config.cache().ttl().toMillis();
        List<Uni<Void>> writes = new ArrayList<>();
        for (StoredImage image : images) {
            writes.add(link.guard(() -> link.ds().value(byte[].class).psetex(key(image.digest()), ttl, encode(image))));
        }
        return Uni.join().all(writes).andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
    }

    @Override
    public Uni<Optional<StoredImage>> get(String digest) {
        Optional<StoredImage> here = local.get(digest);
        if (here.isPresent() || !link.usable()) {
            return Uni.createFrom().item(here);
        }
        return link.guard(() -> link.ds().value(byte[].class).get(key(digest)))
                .map(value -> value == null ? Optional.<StoredImage>empty() : Optional.of(decode(digest, value)))
                .onFailure().recoverWithItem(Optional.empty());
    }

    @Override
    public Uni<Boolean> containsAll(List<String> digests) {
        List<String> missing = digests.stream().distinct().filter(d -> !local.contains(d)).toList();
        if (missing.isEmpty()) {
            return Uni.createFrom().item(true);
        }
        if (!link.usable()) {
            return Uni.createFrom().item(false);
        }
        String[] keys = missing.stream().map(RedisImages::key).toArray(String[]::new);
        return link.guard(() -> link.ds().key().exists(keys))
                .map(count -> count != null && count == keys.length)
                .onFailure().recoverWithItem(false);
    }

    private static String key(String digest) {
        return RedisLink.PREFIX + "image:" + digest;
    }

    private static byte[] encode(StoredImage image) {
        byte[] mime = (image.mimeType() + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] value = Arrays.copyOf(mime, mime.length + image.bytes().length);
        System.arraycopy(image.bytes(), 0, value, mime.length, image.bytes().length);
        return value;
    }

    private static StoredImage decode(String digest, byte[] value) {
        int newline = 0;
        while (newline < value.length && value[newline] != '\n') {
            newline++;
        }
        String mime = new String(value, 0, newline, StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOfRange(value, Math.min(value.length, newline + 1), value.length);
        return new StoredImage(digest, mime, bytes, System.nanoTime());
    }
}

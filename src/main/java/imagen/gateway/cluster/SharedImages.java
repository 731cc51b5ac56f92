package imagen.gateway.cluster;

import java.util.List;
import java.util.Optional;

import imagen.gateway.cluster.ImageStore.StoredImage;
import io.smallrye.mutiny.Uni;

/**
 * Image bytes by digest: this instance's {@link ImageStore}, and (with Redis) every instance's.
 * Never fails: an unreachable store is a miss.
 */
public interface SharedImages {

    /** Stores the image here (once per content) and returns it with its digest; not yet shared. */
    StoredImage putLocal(byte[] content, String mimeType);

    /** Shares stored images with the other instances; completes once done (or given up). */
    Uni<Void> share(List<StoredImage> images);

    Uni<Optional<StoredImage>> get(String digest);

    /** Whether every digest can still be served (a result whose images were evicted is no hit). */
    Uni<Boolean> containsAll(List<String> digests);

    /** The bytes of every digest found (missing ones are left out). */
    default Uni<java.util.Map<String, byte[]>> getAll(List<String> digests) {
        java.util.Map<String, byte[]> found = new java.util.concurrent.ConcurrentHashMap<>();
        if (digests.isEmpty()) {
            return Uni.createFrom().item(found);
        }
        return Uni.join().all(digests.stream().map(digest -> get(digest)
                .invoke(image -> image.ifPresent(i -> found.put(digest, i.bytes())))).toList())
                .andFailFast().map(ignored -> found);
    }
}

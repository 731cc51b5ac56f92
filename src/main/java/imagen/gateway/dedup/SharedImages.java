package imagen.gateway.dedup;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;

/** Images by digest from this instance's store, else (with Redis) from the other instances'. */
@ApplicationScoped
public class SharedImages {

    @Inject
    ImageStore local;

    @Inject
    RedisBackend redis;

    public Uni<Optional<ImageStore.StoredImage>> get(String digest) {
        Optional<ImageStore.StoredImage> here = local.get(digest);
        if (here.isPresent() || !redis.usable()) {
            return Uni.createFrom().item(here);
        }
        return redis.image(digest);
    }

    /** The bytes of every digest found (missing ones are left out). */
    public Uni<Map<String, byte[]>> getAll(List<String> digests) {
        Map<String, byte[]> found = new HashMap<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (String digest : digests) {
            chain = chain.chain(() -> get(digest).invoke(image -> image.ifPresent(i -> found.put(digest, i.bytes())))
                    .replaceWithVoid());
        }
        return chain.map(ignored -> found);
    }
}

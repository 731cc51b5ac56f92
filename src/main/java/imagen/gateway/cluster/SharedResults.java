package imagen.gateway.cluster;

import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * Results of deterministic generations by request key, for {@code imagen.cache.ttl}: in this
 * process, or (with Redis) shared by every instance. Never fails: an unreachable store is a miss.
 */
public interface SharedResults {

    <T> Uni<Optional<T>> get(String key, Class<T> type);

    /** Stores a result; completes once it is stored where other instances can read it (or could not be). */
    Uni<Void> put(String key, Object result);
}

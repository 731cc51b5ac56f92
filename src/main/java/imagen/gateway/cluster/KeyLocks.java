package imagen.gateway.cluster;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * One lock per request key across instances: the instance that holds it calls upstream, the
 * others follow its job. In a single process every lock is granted (in-process coalescing already
 * made the request unique). A lock held by an instance that died expires after its TTL.
 */
public interface KeyLocks {

    /** Takes the key's lock for {@code jobId}; true when that job now owns it. */
    Uni<Boolean> lock(String key, String jobId, Duration ttl);

    /** The job holding the key's lock, if any. */
    Uni<Optional<String>> holder(String key);

    /** Releases the lock if {@code jobId} still holds it. */
    Uni<Void> unlock(String key, String jobId);
}

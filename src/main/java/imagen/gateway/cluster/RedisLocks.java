package imagen.gateway.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;

/**
 * One lock per request key in Redis ({@code imagen:lock:<key>} = {@code <instance>|<job id>}, with
 * a TTL of the worst-case time of one generation). With Redis unreachable every lock is granted:
 * each instance then computes for itself, which is what in-process de-duplication does anyway.
 */
final class RedisLocks implements KeyLocks {

    /** This process, as lock owners name it. */
    static final String INSTANCE = UUID.randomUUID().toString().substring(0, 8);
    private static final String UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1])"
            + " else return 0 end";

    private final RedisLink link;

    RedisLocks(RedisLink link) {
        this.link = link;
    }

    @Override
    public Uni<Boolean> lock(String key, String jobId, Duration ttl) {
        if (!link.usable()) {
            return Uni.createFrom().item(true);
        }
        String owner = INSTANCE + "|" + jobId;
        var values = link.ds().value(String.class);
        // SET NX PX is atomic; reading the holder back says whether this job won
        return link.guard(() -> values.set(key(key), owner, new SetArgs().nx().px(ttl))
                .chain(() -> values.get(key(key))))
                .map(owner::equals)
                .onFailure().recoverWithItem(true);
    }

    @Override
    public Uni<Optional<String>> holder(String key) {
        return link.guard(() -> link.ds().value(String.class).get(key(key)))
                .map(value -> value == null ? Optional.<String>empty() : Optional.of(value.substring(value.indexOf('|') + 1)));
    }

    @Override
    public Uni<Void> unlock(String key, String jobId) {
        if (!link.usable()) {
            return Uni.createFrom().voidItem();
        }
        // compare-and-delete has no typed command: a one-line script keeps it atomic
        return link.guard(() -> link.ds().execute("EVAL", UNLOCK, "1", key(key), INSTANCE + "|" + jobId))
                .replaceWithVoid().onFailure().recoverWithNull();
    }

    private static String key(String key) {
        return RedisLink.PREFIX + "lock:" + key;
    }
}

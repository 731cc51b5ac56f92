package imagen.gateway.cluster;

import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;

/**
 * Results in this process first, then in Redis ({@code imagen:result:<key>}, JSON by Jackson, for
 * {@code imagen.cache.ttl}), so every instance answers a hit for a result any of them computed.
 */
final class RedisResults implements SharedResults {

    private final Memory.Results local;
    private final RedisLink link;
    private final ObjectMapper mapper;
    private final GatewayConfig config;

    RedisResults(Memory.Results local, RedisLink link, ObjectMapper mapper, GatewayConfig config) {
        this.local = local;
        this.link = link;
        this.mapper = mapper;
        this.config = config;
    }

    @Override
    public <T> Uni<Optional<T>> get(String key, Class<T> type) {
        Optional<Object> here = local.getNow(key);
        if (here.isPresent() && type.isInstance(here.get())) {
            return Uni.createFrom().item(Optional.of(type.cast(here.get())));
        }
        if (!link.usable()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return link.guard(() -> link.ds().value(String.class).get(RedisLink.PREFIX + "result:" + key))
                .map(json -> {
                    if (json == null) {
                        return Optional.<T>empty();
                    }
                    try {
                        T result = mapper.readValue(json, type);
                        local.put(key, result);
                        return Optional.of(result);
                    } catch (Exception unreadable) {
                        return Optional.<T>empty();
                    }
                })
                .onFailure().recoverWithItem(Optional.empty());
    }

    @Override
    public Uni<Void> put(String key, Object result) {
        local.put(key, result);
        if (!link.usable()) {
            return Uni.createFrom().voidItem();
        }
        String json;
        try {
            json = mapper.writeValueAsString(result);
        } catch (Exception e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot write a result", e));
        }
        return link.guard(() -> link.ds().value(String.class).psetex(RedisLink.PREFIX + "result:" + key,
                config.cache().ttl().toMillis(), json))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}

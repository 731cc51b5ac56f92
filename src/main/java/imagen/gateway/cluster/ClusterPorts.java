package imagen.gateway.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.config.GatewayConfig;

/**
 * Chooses each port's implementation once, from {@code imagen.cache.backend}: in process
 * ({@code memory}) or shared through Redis ({@code redis}), which falls back to in-process
 * behaviour by itself while Redis is unreachable.
 */
@ApplicationScoped
public class ClusterPorts {

    @Produces
    @Singleton
    SharedResults results(GatewayConfig config, RedisLink link, ObjectMapper mapper) {
        var local = new Memory.Results(config.cache().ttl(), Math.max(1000, ImageStore.bound(config) / 4096));
        return link.enabled() ? new RedisResults(local, link, mapper, config) : local;
    }

    @Produces
    @Singleton
    SharedImages images(ImageStore store, GatewayConfig config, RedisLink link) {
        return link.enabled() ? new RedisImages(store, link, config) : new Memory.Images(store);
    }

    @Produces
    @Singleton
    KeyLocks locks(RedisLink link) {
        return link.enabled() ? new RedisLocks(link) : new Memory.Locks();
    }

    @Produces
    @Singleton
    QuotaCounters quotas() {
        return new MemoryQuotas();
    }

    @Produces
    @Singleton
    JobLogs logs(RedisLink link, ObjectMapper mapper, GatewayConfig config) {
        return link.enabled() ? new RedisJobLogs(link, mapper, config) : new Memory.Logs();
    }
}

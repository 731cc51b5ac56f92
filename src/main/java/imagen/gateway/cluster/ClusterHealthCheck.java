package imagen.gateway.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import imagen.gateway.config.GatewayConfig;

/**
 * Readiness of the de-duplication cache. Always UP: with Redis unreachable the gateway keeps
 * serving from process memory, so taking the instance out of rotation would only lose capacity.
 * The details say whether results are being shared.
 */
@Readiness
@ApplicationScoped
public class ClusterHealthCheck implements HealthCheck {

    @Inject
    GatewayConfig config;

    @Inject
    RedisLink redis;

    @Inject
    ImageStore images;

    @Override
    public HealthCheckResponse call() {
        String state = !redis.enabled() ? "not used" : redis.degraded() ? "degraded: unreachable, working in process" : "up";
        return HealthCheckResponse.named("imagen-cache").up()
                .withData("backend", config.cache().backend())
                .withData("redis", state)
                .withData("imageBytes", images.bytes())
                .build();
    }
}

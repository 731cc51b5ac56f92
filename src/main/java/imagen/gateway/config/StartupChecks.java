package imagen.gateway.config;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * Refuses to start on configuration that cannot work, with a message naming the key, and says
 * once at start which upstream is in force.
 */
@Singleton
public class StartupChecks {

    private static final Logger LOG = Logger.getLogger(StartupChecks.class);

    void check(@Observes StartupEvent event, GatewayConfig config) {
        String upstream = config.effectiveUpstream();
        require(List.of("vertex", "simulator").contains(upstream),
                "imagen.upstream must be vertex or simulator, not '" + upstream + "'");
        require(List.of("adc", "none").contains(config.vertex().auth()),
                "imagen.vertex.auth must be adc or none, not '" + config.vertex().auth() + "'");
        require(!"vertex".equals(upstream) || config.vertex().projectId().isPresent(),
                "imagen.upstream=vertex needs a project: set imagen.vertex.project or GOOGLE_CLOUD_PROJECT");
        require(!config.vertex().locations().isEmpty(), "imagen.vertex.locations must name at least one location");
        require(config.models().contains(config.defaultModel()),
                "imagen.default-model '" + config.defaultModel() + "' is not in imagen.models");
        require(config.maxSampleCount() >= 1 && config.maxSampleCount() <= 4, "imagen.max-sample-count must be 1 to 4");
        require(List.of("memory", "redis").contains(config.cache().backend()),
                "imagen.cache.backend must be memory or redis, not '" + config.cache().backend() + "'");
        require(config.jobs().maxJobs() >= 1, "imagen.jobs.max-jobs must be at least 1");
        if ("vertex".equals(upstream)) {
            LOG.infof("upstream: Vertex AI, project %s, locations %s, auth %s", config.vertex().projectId().get(),
                    config.vertex().locations(), config.vertex().auth());
        } else {
            LOG.info("upstream: embedded Imagen simulator (set GOOGLE_CLOUD_PROJECT to use Vertex AI)");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException("invalid configuration: " + message);
        }
    }
}

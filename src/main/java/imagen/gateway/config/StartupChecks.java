package imagen.gateway.config;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * Refuses to start on configuration that cannot work, with a message naming the key, and says
 * once at start which upstream is in force: a warning when Vertex AI was chosen only because a
 * project is set. Whether the credentials work is readiness's to say ({@code vertex-credentials}).
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
            boolean explicit = config.upstream().isPresent();
            String notice = vertexNotice(explicit, config.vertex().projectId().get(), config.vertex().projectSource().get(),
                    config.vertex().locations(), config.vertex().auth(), "true".equalsIgnoreCase(System.getenv("CLOUD_SHELL")));
            if (explicit) {
                LOG.info(notice);
            } else {
                LOG.warn(notice);
            }
        } else {
            LOG.info("upstream: embedded Imagen simulator (set GOOGLE_CLOUD_PROJECT to use Vertex AI)");
        }
    }

    /**
     * What start-up says of a Vertex AI upstream: which project, from where, and, when nothing chose
     * Vertex explicitly (a project alone switches the upstream, and a {@code GOOGLE_CLOUD_PROJECT}
     * inherited from a shell is easy to miss: Cloud Shell sets one in every terminal), how to go back
     * to the simulator. Logged as a warning in that implicit case, else as information.
     */
    static String vertexNotice(boolean explicit, String project, String projectSource, List<String> locations, String auth,
            boolean cloudShell) {
        String from = "GOOGLE_CLOUD_PROJECT".equals(projectSource)
                ? "the environment variable GOOGLE_CLOUD_PROJECT" + (cloudShell ? " (set by Cloud Shell)" : "")
                : "imagen.vertex.project";
        StringBuilder text = new StringBuilder("upstream: Vertex AI, project ").append(project).append(" from ").append(from)
                .append(", locations ").append(locations).append(", auth ").append(auth);
        if (explicit) {
            return text.append(" (imagen.upstream=vertex)").toString();
        }
        text.append(". imagen.upstream is not set, so the project alone switched the upstream from the embedded simulator"
                + " to Vertex AI");
        if ("GOOGLE_CLOUD_PROJECT".equals(projectSource)) {
            text.append(cloudShell ? ": Cloud Shell sets GOOGLE_CLOUD_PROJECT in every terminal"
                    : ": a GOOGLE_CLOUD_PROJECT inherited from the shell (Cloud Shell sets one in every terminal) does this");
        }
        text.append(". Generations are billed to ").append(project);
        if ("adc".equals(auth)) {
            text.append(" and need Google credentials (readiness check vertex-credentials says whether they work)");
        }
        return text.append(". For the simulator, which needs no credentials, set imagen.upstream=simulator"
                + " (IMAGEN_UPSTREAM=simulator); to keep Vertex AI and silence this warning, set imagen.upstream=vertex"
                + " (IMAGEN_UPSTREAM=vertex)").toString();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException("invalid configuration: " + message);
        }
    }
}

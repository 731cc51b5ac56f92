package imagen.gateway.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import imagen.gateway.request.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers an over-large body announced by {@code Content-Length} with a 413 problem before reading
 * it. (A chunked body that outgrows {@code quarkus.http.limits.max-body-size} is still cut off by
 * the HTTP layer, with a bare 413.)
 */
@Singleton
public class BodyLimitFilter {

    @Inject
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::limit);
    }

    void limit(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodySize.asLongValue()) {
                    String body = "{\"type\":\"urn:imagen-gateway:problem:payload-too-large\",\"title\":\"Request Entity Too Large\","
                            + "\"status\":413,\"detail\":\"the request body is larger than " + maxBodySize.asLongValue()
                            + " bytes\",\"instance\":\"" + context.request().path().replace("\"", "") + "\"}";
                    context.response().setStatusCode(413)
                            .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                            .putHeader(HttpHeaders.CONNECTION, "close")
                            .end(body);
                    return;
                }
            } catch (NumberFormatException malformed) {
                // the HTTP layer rejects it
            }
        }
        context.next();
    }
}

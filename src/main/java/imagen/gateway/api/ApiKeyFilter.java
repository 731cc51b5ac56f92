package imagen.gateway.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.Problem;

/**
 * Client authentication with {@code imagen.api-keys}: when set, every {@code /v1} call must carry
 * one of the keys as {@code Authorization: Bearer}, {@code x-goog-api-key}, {@code X-API-Key}, or
 * {@code ?key=} (for EventSource, which cannot set headers). Unset: no client authentication.
 */
public class ApiKeyFilter {

    /** Looked up lazily: filters are created before run-time configuration exists. */
    @Inject
    Instance<GatewayConfig> config;

    /** The configured keys, resolved on the first request: each {@code Instance.get()} builds a new mapping. */
    private volatile Optional<List<String>> apiKeys;

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        Optional<List<String>> keys = apiKeys;
        if (keys == null) {
            keys = config.get().apiKeys();
            apiKeys = keys;
        }
        String path = request.getUriInfo().getPath();
        if (keys.isEmpty() || keys.get().isEmpty() || !(path.startsWith("/v1/") || path.startsWith("/v1beta1/"))) {
            return Optional.empty();
        }
        String presented = presentedKey(request);
        if (presented != null) {
            byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
            for (String key : keys.get()) {
                if (MessageDigest.isEqual(candidate, key.getBytes(StandardCharsets.UTF_8))) {
                    return Optional.empty();
                }
            }
        }
        Problem problem = Problem.of("unauthorized", 401,
                presented == null ? "an API key is required" : "the API key is not valid", path);
        return Optional.of(Response.status(401).type(Problem.MEDIA_TYPE).entity(problem)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"imagen-gateway\"").build());
    }

    private static String presentedKey(ContainerRequestContext request) {
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String header = request.getHeaderString("x-goog-api-key");
        if (header == null) {
            header = request.getHeaderString("X-API-Key");
        }
        if (header != null) {
            return header.trim();
        }
        return request.getUriInfo().getQueryParameters().getFirst("key");
    }
}

package imagen.gateway.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import imagen.gateway.access.AccessDenied;
import imagen.gateway.access.Admission;
import imagen.gateway.access.Client;
import imagen.gateway.access.Quotas;
import imagen.gateway.access.Ticket;
import imagen.gateway.access.TokenVerifier;
import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.Problem;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may call {@code /v1} and {@code /v1beta1}, and how much. With {@code imagen.api-keys} a call
 * carries a key as {@code Authorization: Bearer}, {@code x-goog-api-key}, {@code X-API-Key} or
 * {@code ?key=}; with {@code imagen.tokens.issuer} it may instead carry a browser token as
 * {@code Authorization: Bearer} or {@code ?access_token=} (EventSource cannot set headers). Neither
 * configured: no client authentication, and every caller is one client. A generation request is
 * then admitted by its client's quotas ({@link Quotas}) before its body is read; the ticket rides
 * on the request for {@link Admission}, and what the request never claims goes back when its
 * answer starts. Refusals are problems (401, 429), in Google's envelope on the Vertex paths.
 */
public class AccessFilter {

    /** Looked up lazily: filters are created before run-time configuration exists. */
    @Inject
    Instance<GatewayConfig> config;

    @Inject
    Instance<TokenVerifier> tokens;

    @Inject
    Instance<Quotas> quotas;

    /** The configured keys, resolved on the first request: each {@code Instance.get()} builds a new mapping. */
    private volatile List<String> apiKeys;
    private volatile boolean tokensOn;

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Optional<Response> admit(ContainerRequestContext request, RoutingContext routing) {
        String path = request.getUriInfo().getPath();
        if (!(path.startsWith("/v1/") || path.startsWith("/v1beta1/"))) {
            return Optional.empty();
        }
        List<String> keys = apiKeys;
        if (keys == null) {
            keys = config.get().apiKeys().orElse(List.of());
            tokensOn = tokens.get().enabled();
            apiKeys = keys;
        }
        try {
            Client client = keys.isEmpty() && !tokensOn ? Client.ANONYMOUS : identify(request, keys, path);
            routing.put(Admission.CLIENT, client);
            if (isGeneration(request.getMethod(), path)) {
                admitted(routing, quotas.get().admit(client, path));
            }
            return Optional.empty();
        } catch (AccessDenied denied) {
            return Optional.of(refused(denied, path));
        }
    }

    private static void admitted(RoutingContext routing, Ticket ticket) {
        if (!ticket.counted()) {
            return;
        }
        if (routing.response().ended() || routing.response().headWritten()) {
            // already answered below JAX-RS (a body over the limit): nothing will claim the reservation
            ticket.release();
            return;
        }
        routing.put(Admission.TICKET, ticket);
        // on the Vert.x response, so they also go out with a stream's head and with any error answer
        ticket.headers().forEach(routing.response()::putHeader);
        routing.addHeadersEndHandler(v -> ticket.release());
        routing.addEndHandler(v -> ticket.release());
    }

    private Client identify(ContainerRequestContext request, List<String> keys, String path) {
        String presented = presented(request);
        if (presented == null) {
            throw unauthorized(tokensOn && keys.isEmpty() ? "a token is required"
                    : tokensOn ? "an API key or a token is required" : "an API key is required", path);
        }
        byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        for (String key : keys) {
            if (MessageDigest.isEqual(candidate, key.getBytes(StandardCharsets.UTF_8))) {
                return Client.ofKey(key);
            }
        }
        if (tokensOn && looksLikeJwt(presented)) {
            return tokens.get().verify(presented, path);
        }
        throw unauthorized(keys.isEmpty() ? "the token is not a valid signed JWT" : "the API key is not valid", path);
    }

    private static AccessDenied unauthorized(String detail, String path) {
        return new AccessDenied(Problem.of("unauthorized", 401, detail, path),
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"imagen-gateway\""));
    }

    private static Response refused(AccessDenied denied, String path) {
        Response.ResponseBuilder answer = Response.fromResponse(Problems.answer(denied.problem(), path));
        denied.headers().forEach(answer::header);
        return answer.build();
    }

    /** The calls that start a generation, and so spend quota. */
    static boolean isGeneration(String method, String path) {
        if (!"POST".equals(method)) {
            return false;
        }
        if (path.equals("/v1/generations")) {
            return true;
        }
        return path.contains("/publishers/google/models/") && (path.endsWith(":predict")
                || path.endsWith(":generateContent") || path.endsWith(":streamGenerateContent"));
    }

    private static boolean looksLikeJwt(String value) {
        int first = value.indexOf('.');
        return first > 0 && value.indexOf('.', first + 1) > first + 1;
    }

    private static String presented(ContainerRequestContext request) {
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
        var query = request.getUriInfo().getQueryParameters();
        String key = query.getFirst("key");
        return key != null ? key : query.getFirst("access_token");
    }
}

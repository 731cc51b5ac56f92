package imagen.gateway.upstream;

import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientRequestContext;
import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientRequestFilter;

/**
 * Adds the gateway's own {@code Authorization: Bearer} to upstream calls. The request is suspended
 * while the token comes (a refresh runs on a worker), so the event loop never blocks. A caller's
 * Authorization is never forwarded: requests to Vertex are built fresh by {@link VertexCalls}.
 */
final class VertexAuthFilter implements ResteasyReactiveClientRequestFilter {

    private final AccessTokenProvider tokens;

    VertexAuthFilter(AccessTokenProvider tokens) {
        this.tokens = tokens;
    }

    @Override
    public void filter(ResteasyReactiveClientRequestContext context) {
        context.suspend();
        tokens.accessToken().subscribe().with(token -> {
            if (token != null) {
                context.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + token);
            }
            context.resume();
        }, context::resume);
    }
}

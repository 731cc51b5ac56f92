package imagen.gateway.upstream;

import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientRequestContext;
import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientRequestFilter;
import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientResponseFilter;

/**
 * Adds the gateway's own {@code Authorization: Bearer} to upstream calls. The request is suspended
 * while the token comes (a refresh runs on a worker), so the event loop never blocks. A caller's
 * Authorization is never forwarded: requests to Vertex are built fresh by {@link VertexCalls}.
 */
final class VertexAuthFilter implements ResteasyReactiveClientRequestFilter {

    private static final String BEARER = "Bearer ";

    private final AccessTokenProvider tokens;

    VertexAuthFilter(AccessTokenProvider tokens) {
        this.tokens = tokens;
    }

    @Override
    public void filter(ResteasyReactiveClientRequestContext context) {
        context.suspend();
        tokens.accessToken().subscribe().with(token -> {
            if (token != null) {
                context.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, BEARER + token);
            }
            context.resume();
        }, context::resume);
    }

    /**
     * Tells the token provider which token Vertex answered 401 to, so it is not presented again
     * ({@link VertexCalls} then tries once more with a new one).
     */
    static final class Rejections implements ResteasyReactiveClientResponseFilter {

        private final AccessTokenProvider tokens;

        Rejections(AccessTokenProvider tokens) {
            this.tokens = tokens;
        }

        @Override
        public void filter(ResteasyReactiveClientRequestContext request, ClientResponseContext response) {
            String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
            if (response.getStatus() == 401 && authorization != null && authorization.startsWith(BEARER)) {
                tokens.rejected(authorization.substring(BEARER.length()));
            }
        }
    }
}

package imagen.gateway.upstream;

import io.smallrye.mutiny.Uni;

/**
 * Source of the OAuth access token the gateway presents to Vertex. Implementations cache the token
 * and never block the event loop; tests replace the bean with a fake.
 */
public interface AccessTokenProvider {

    /** A valid access token, or an empty item when no credentials are used ({@code imagen.vertex.auth=none}). */
    Uni<String> accessToken();
}

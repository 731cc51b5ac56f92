package imagen.gateway.upstream;

import io.smallrye.mutiny.Uni;

/**
 * Source of the OAuth access token the gateway presents to Vertex. Implementations cache the token
 * and never block the event loop; tests replace the bean with a fake.
 */
public interface AccessTokenProvider {

    /**
     * A valid access token, or an empty item when no credentials are used ({@code imagen.vertex.auth=none});
     * fails with a {@link CredentialsException} when none can be had.
     */
    Uni<String> accessToken();

    /**
     * Vertex answered 401 to {@code token}: forget it if it is still the current one, so that the
     * next {@link #accessToken()} fetches another (a token can be revoked or expire early).
     */
    default void rejected(String token) {
    }
}

package imagen.gateway.upstream;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;

import imagen.gateway.config.GatewayConfig;
import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Application Default Credentials (metadata server on Cloud Run, {@code GOOGLE_APPLICATION_CREDENTIALS},
 * gcloud user credentials). One credentials object for the process, created on first use; the token
 * is cached and refreshed {@code imagen.vertex.token-refresh-margin} before it expires, on a worker
 * thread, by one caller at a time: concurrent requests share the refresh.
 */
@ApplicationScoped
@DefaultBean
public class AdcAccessTokenProvider implements AccessTokenProvider {

    private static final Logger LOG = Logger.getLogger(AdcAccessTokenProvider.class);
    @Inject
    GatewayConfig config;

    @Inject
    CredentialsSource source;

    private final AtomicReference<Uni<AccessToken>> refreshing = new AtomicReference<>();
    private volatile GoogleCredentials credentials;
    private volatile AccessToken current;

    @Override
    public Uni<String> accessToken() {
        if (!"adc".equalsIgnoreCase(config.vertex().auth())) {
            return Uni.createFrom().nullItem();
        }
        AccessToken token = current;
        if (fresh(token)) {
            return Uni.createFrom().item(token.getTokenValue());
        }
        return refresh().map(AccessToken::getTokenValue);
    }

    private boolean fresh(AccessToken token) {
        if (token == null) {
            return false;
        }
        Date expiry = token.getExpirationTime();
        return expiry == null
                || Instant.now().plus(config.vertex().tokenRefreshMargin()).isBefore(expiry.toInstant());
    }

    /** One refresh in flight at a time, run on a worker; every waiter gets its result. */
    private Uni<AccessToken> refresh() {
        Uni<AccessToken> mine = Uni.createFrom().item(this::fetchBlocking)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .memoize().indefinitely();
        if (refreshing.compareAndSet(null, mine)) {
            return mine.onTermination().invoke(() -> refreshing.compareAndSet(mine, null));
        }
        Uni<AccessToken> other = refreshing.get();
        return other == null ? refresh() : other;
    }

    private AccessToken fetchBlocking() {
        try {
            GoogleCredentials creds = credentials;
            if (creds == null) {
                creds = source.load();
                credentials = creds;
            }
            AccessToken token = current;
            if (!fresh(token)) {
                creds.refresh();
                token = creds.getAccessToken();
                VertexErrors.maskToken(token.getTokenValue());
                current = token;
                LOG.infof("vertex access token refreshed, valid until %s",
                        token.getExpirationTime() == null ? "unknown" : token.getExpirationTime().toInstant());
            }
            return token;
        } catch (IOException e) {
            throw new UpstreamException(502, "UNAUTHENTICATED",
                    "could not obtain Google credentials (Application Default Credentials): " + e.getClass().getSimpleName(),
                    true, Duration.ofSeconds(5));
        }
    }
}

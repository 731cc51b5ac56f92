package imagen.gateway.upstream;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import com.google.auth.oauth2.AccessToken;

import imagen.gateway.config.GatewayConfig;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Readiness of the gateway's Google credentials ({@code vertex-credentials}). With upstream
 * {@code vertex} and {@code imagen.vertex.auth=adc} it is DOWN until they are loaded and a token
 * obtained, with the cause in {@code data.cause} (the auth library's words: the missing file, the
 * parse error, the token endpoint's refusal; never a token or key material); UP says their type,
 * whose they are when known, and the project. A probe does what a request would (the first load, a
 * due retry, a due refresh), so fixing the file makes it UP without a restart. With the simulator
 * or {@code imagen.vertex.auth=none} it is UP: no credentials are needed.
 */
@Readiness
@ApplicationScoped
public class CredentialsHealthCheck implements AsyncHealthCheck {

    static final String NAME = "vertex-credentials";

    @Inject
    GatewayConfig config;

    @Inject
    AdcAccessTokenProvider credentials;

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!"vertex".equals(config.effectiveUpstream())) {
            return Uni.createFrom().item(HealthCheckResponse.named(NAME).up()
                    .withData("credentials", "not needed: the upstream is the embedded simulator").build());
        }
        if (!credentials.needed()) {
            return Uni.createFrom().item(HealthCheckResponse.named(NAME).up()
                    .withData("credentials", "not needed: imagen.vertex.auth=" + config.vertex().auth()).build());
        }
        return credentials.probe().map(this::response);
    }

    private HealthCheckResponse response(AdcAccessTokenProvider.Snapshot state) {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named(NAME).withData("upstream", "Vertex AI");
        config.vertex().projectId().ifPresent(project -> builder.withData("project", project));
        config.vertex().projectSource().ifPresent(source -> builder.withData("projectSource", source));
        builder.withData("source", credentials.origin());
        switch (state.phase()) {
            case LOADING -> builder.down().withData("state", "loading");
            case READY -> {
                builder.up().withData("state", "ready").withData("type", AdcAccessTokenProvider.type(state.credentials()));
                String principal = AdcAccessTokenProvider.principal(state.credentials());
                if (principal != null) {
                    builder.withData("principal", principal);
                }
                AccessToken token = state.token();
                if (token != null && token.getExpirationTime() != null) {
                    builder.withData("tokenValidUntil", token.getExpirationTime().toInstant().toString());
                }
                if (state.failure() != null) {
                    builder.withData("lastRefreshFailure", state.failure().reason());
                }
            }
            case FAILING -> {
                Duration retry = config.vertex().credentialsRetry();
                long waitNanos = Math.max(0, state.retryAtNanos() - System.nanoTime());
                builder.down().withData("state", "failing")
                        .withData("cause", state.failure().reason())
                        .withData("failingSince", state.failingSince().toString())
                        .withData("nextTryAfter", Instant.now().plusNanos(waitNanos).toString())
                        .withData("retryEvery", AdcAccessTokenProvider.text(retry));
            }
        }
        return builder.build();
    }
}

package imagen.gateway.upstream;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.CanonicalRequest;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.mutiny.Uni;

/**
 * Single attempts against one location, with the gateway's credentials, an attempt timeout, and
 * every failure turned into an {@link UpstreamException}. The upstream is Vertex AI, or the
 * embedded simulator served by this same process, reached over HTTP through the same clients (the
 * REST client for Imagen's {@code :predict}, {@link VertexSse} for Gemini's stream) so every guard
 * applies to it.
 */
@ApplicationScoped
class VertexCalls {

    private static final Logger LOG = Logger.getLogger(VertexCalls.class);

    @Inject
    GatewayConfig config;

    @Inject
    AccessTokenProvider tokens;

    private final Map<String, VertexRestClient> clients = new ConcurrentHashMap<>();

    boolean simulated() {
        return "simulator".equals(config.effectiveUpstream());
    }

    /**
     * One attempt against one location with the attempt timeout and every failure in Vertex's
     * terms. Worst case it takes {@code imagen.resilience.attempt-timeout}; it never retries.
     */
    <T> Uni<T> timed(String location, Supplier<Uni<? extends T>> call) {
        var timeout = config.resilience().attemptTimeout();
        return authenticated(call)
                .ifNoItem().after(timeout).failWith(() -> new UpstreamException(504, "DEADLINE_EXCEEDED",
                        "no answer from " + location + " within " + timeout.toMillis() + " ms", true, null))
                .onFailure(failure -> !(failure instanceof UpstreamException)).transform(VertexCalls::classify);
    }

    /**
     * The call, and with the gateway's own tokens ({@code imagen.vertex.auth=adc}) once more when
     * Vertex answers 401 UNAUTHENTICATED: a token can be revoked or expire early, so the rejected one
     * is forgotten ({@link AccessTokenProvider#rejected}) and the call repeated with a new one, inside
     * the same attempt (a 401 did no work and bills nothing). A second 401 is final: a
     * {@link CredentialsException}, never retried, never held against the location.
     */
    private <T> Uni<T> authenticated(Supplier<Uni<? extends T>> call) {
        Uni<T> first = Uni.createFrom().deferred(call);
        if (simulated() || !"adc".equalsIgnoreCase(config.vertex().auth())) {
            return first;
        }
        return first.onFailure(VertexCalls::tokenRejected).recoverWithUni(rejected -> {
            LOG.infof("Vertex AI answered 401 UNAUTHENTICATED (%s); trying once more with a new access token",
                    classify(rejected).getMessage());
            return Uni.createFrom().<T>deferred(call).onFailure(VertexCalls::tokenRejected)
                    .transform(again -> {
                        String answer = classify(again).getMessage();
                        return new CredentialsException(502, "Vertex AI rejected the gateway's access token, and a freshly"
                                + " fetched one too: " + answer, answer, false, null);
                    });
        });
    }

    /** Vertex's 401: its answer to the token, not to the request. */
    static boolean tokenRejected(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UpstreamException u) {
                return !(u instanceof CredentialsException) && "UNAUTHENTICATED".equals(u.vertexStatus());
            }
        }
        return false;
    }

    /** Vertex answered 401 to {@code token} (a call the caller made itself, as the Gemini stream). */
    void rejected(String token) {
        tokens.rejected(token);
    }

    /** The fault the simulator is asked to inject on this attempt; never sent to Vertex. */
    String fault(CanonicalRequest request, int attempt) {
        return simulated() ? request.options().faultFor(attempt) : null;
    }

    /** Network and parsing failures in Vertex's terms; only transient ones are retryable. */
    static UpstreamException classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UpstreamException u) {
                return u;
            }
            if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
                return new UpstreamException(504, "DEADLINE_EXCEEDED", "upstream timed out", true, null);
            }
            if (t instanceof ConnectException) {
                return new UpstreamException(503, "UNAVAILABLE", "upstream refused the connection", true, null);
            }
            if (t instanceof SocketException || t.getClass().getSimpleName().equals("HttpClosedException")
                    || String.valueOf(t.getMessage()).contains("Connection was closed")) {
                return new UpstreamException(503, "UNAVAILABLE", "upstream closed or reset the connection", true, null);
            }
            if (t instanceof JsonProcessingException) {
                return VertexErrors.malformedBody(t);
            }
        }
        LOG.warnf("unexpected upstream failure: %s", VertexErrors.mask(String.valueOf(failure)));
        return new UpstreamException(502, "UNKNOWN", "upstream call failed: " + failure.getClass().getSimpleName(),
                false, null);
    }

    String project() {
        return config.vertex().projectId().orElse(simulated() ? "simulator" : "unset");
    }

    VertexRestClient client(String location) {
        return clients.computeIfAbsent(location, l -> {
            var builder = QuarkusRestClientBuilder.newBuilder()
                    .baseUri(baseUri(l))
                    .connectTimeout(10, TimeUnit.SECONDS)
                    .readTimeout(config.resilience().attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!simulated()) {
                // the simulator is this process: it needs no Google credentials
                builder.register(new VertexAuthFilter(tokens));
                builder.register(new VertexAuthFilter.Rejections(tokens));
            }
            return builder.build(VertexRestClient.class);
        });
    }

    /**
     * The gateway's access token for a call the caller makes itself (the Gemini stream's Vert.x
     * client; the REST client gets it from {@link VertexAuthFilter}): none toward the simulator, or
     * with {@code imagen.vertex.auth=none}. A refresh runs on a worker, never on the event loop.
     */
    Uni<String> accessToken() {
        return simulated() ? Uni.createFrom().nullItem() : tokens.accessToken();
    }

    /** Where a location's calls go: Vertex's endpoint for it, {@code imagen.vertex.url}, or the simulator. */
    URI baseUri(String location) {
        if (simulated()) {
            return URI.create("http://127.0.0.1:" + httpPort() + "/simulator");
        }
        String url = config.vertex().url().orElse("global".equals(location)
                ? "https://aiplatform.googleapis.com"
                : "https://{location}-aiplatform.googleapis.com");
        return URI.create(url.replace("{location}", location));
    }

    /** The port this process listens on (the test port under tests, the real one when 0 was asked). */
    private static int httpPort() {
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        String actual = System.getProperty(key);
        if (actual != null && !"0".equals(actual)) {
            return Integer.parseInt(actual);
        }
        return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(8080);
    }
}

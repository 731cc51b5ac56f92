package imagen.gateway.upstream;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.google.auth.Retryable;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.ComputeEngineCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ImpersonatedCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.config.TaggedCounters;
import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The gateway's Google credentials ({@link CredentialsSource}) and the access token they give, one
 * of each for the process:
 * <ul>
 * <li>at start (upstream {@code vertex}, {@code imagen.vertex.auth=adc}) they are loaded and a first
 * token fetched in the background, on a worker: start-up does not wait, readiness
 * ({@link CredentialsHealthCheck}) is DOWN until it worked and says why when it did not, and the first
 * request does not pay for the fetch;</li>
 * <li>the token is cached and refreshed {@code imagen.vertex.token-refresh-margin} before it expires,
 * on a worker, by one caller at a time: concurrent requests share the fetch. A refresh ahead of
 * expiry that fails leaves the current token in use while it is valid;</li>
 * <li>when no token can be had, the failure is remembered for {@code imagen.vertex.credentials-retry}:
 * until then every request fails at once with it (a 503 {@link CredentialsException} that names the
 * cause) and the file is not read again; the first request or readiness probe after that tries
 * again, so a fixed file is picked up without a restart. A failure drops the credentials object, so
 * the next try reads the source afresh (a replaced key file);</li>
 * <li>Vertex refusing a token ({@link #rejected}) forgets it: the next call fetches another.</li>
 * </ul>
 * Every try is counted in {@code imagen.credentials.attempts{outcome=ok|failed}}.
 */
@ApplicationScoped
@DefaultBean
public class AdcAccessTokenProvider implements AccessTokenProvider {

    private static final Logger LOG = Logger.getLogger(AdcAccessTokenProvider.class);
    /** How long a readiness probe waits for a load it started (or found running) before answering. */
    private static final Duration PROBE_WAIT = Duration.ofSeconds(3);
    private static final Pattern PEM = Pattern.compile("-----BEGIN [A-Z ]+-----.*?(-----END [A-Z ]+-----|$)", Pattern.DOTALL);
    /** Long runs of base64 (a key a parser echoed); no '/' or '.', so that paths stay readable. */
    private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+=_-]{40,}");

    @Inject
    GatewayConfig config;

    @Inject
    CredentialsSource source;

    @Inject
    TaggedCounters counters;

    private final AtomicReference<Uni<AccessToken>> refreshing = new AtomicReference<>();
    private final AtomicReference<Snapshot> state = new AtomicReference<>(Snapshot.LOADING);

    /**
     * What the gateway knows of its credentials, replaced whole on every change.
     *
     * @param credentials loaded credentials (null while loading and after a failure)
     * @param token the last token obtained; null when none is usable, or Vertex refused it
     * @param failure the last failure: why there is no token (FAILING), or why the last refresh ahead
     *        of expiry failed (READY); null after a success
     * @param failingSince when the current run of failures began (FAILING)
     * @param retryAtNanos with a failure: no new try before this {@link System#nanoTime()}
     */
    record Snapshot(Phase phase, GoogleCredentials credentials, AccessToken token, CredentialsException failure,
            Instant failingSince, long retryAtNanos) {

        static final Snapshot LOADING = new Snapshot(Phase.LOADING, null, null, null, null, 0);

        enum Phase {
            /** Not tried yet, or the first try is running. */
            LOADING,
            /** Credentials loaded and a token obtained (it may be due for a refresh). */
            READY,
            /** No usable token: {@link #failure} says why. */
            FAILING
        }

        boolean retryDue() {
            return failure == null || System.nanoTime() - retryAtNanos >= 0;
        }
    }

    /** Loads the credentials in the background when they will be needed; start-up goes on meanwhile. */
    void warmUp(@Observes StartupEvent event) {
        if (needed()) {
            obtain().subscribe().with(token -> {
            }, failure -> {
                // logged where it happened; readiness shows it
            });
        }
    }

    /** Whether this process uses Google credentials at all: upstream vertex with {@code imagen.vertex.auth=adc}. */
    boolean needed() {
        return "vertex".equals(config.effectiveUpstream()) && adc();
    }

    Snapshot state() {
        return state.get();
    }

    /** Where the credentials are read from, as an operator would fix it. */
    String origin() {
        return source.origin();
    }

    /**
     * What a readiness probe reports: the state after doing what a request would (the first try, a
     * due retry, a due refresh), waiting for it at most a few seconds.
     */
    Uni<Snapshot> probe() {
        return accessToken().onFailure().recoverWithNull()
                .ifNoItem().after(PROBE_WAIT).recoverWithItem(() -> null)
                .map(ignored -> state.get());
    }

    @Override
    public Uni<String> accessToken() {
        if (!adc()) {
            return Uni.createFrom().nullItem();
        }
        Snapshot s = state.get();
        if (s.token() != null && fresh(s.token())) {
            return Uni.createFrom().item(s.token().getTokenValue());
        }
        if (!s.retryDue()) {
            if (s.phase() == Snapshot.Phase.READY && usable(s.token())) {
                // the refresh ahead of expiry failed a moment ago: the token still serves
                return Uni.createFrom().item(s.token().getTokenValue());
            }
            if (s.phase() == Snapshot.Phase.FAILING) {
                // failed a moment ago: the same answer without reading the credentials again
                return Uni.createFrom().failure(s.failure());
            }
        }
        return obtain().map(AccessToken::getTokenValue);
    }

    @Override
    public void rejected(String token) {
        Snapshot s = state.get();
        if (token != null && s.token() != null && token.equals(s.token().getTokenValue())) {
            // unless a new token (or a failure) replaced it meanwhile
            if (state.compareAndSet(s, new Snapshot(s.phase(), s.credentials(), null, s.failure(), s.failingSince(),
                    s.retryAtNanos()))) {
                LOG.info("Vertex AI rejected the gateway's access token; the next call fetches a new one");
            }
        }
    }

    private boolean adc() {
        return "adc".equalsIgnoreCase(config.vertex().auth());
    }

    private boolean fresh(AccessToken token) {
        Date expiry = token.getExpirationTime();
        return expiry == null
                || Instant.now().plus(config.vertex().tokenRefreshMargin()).isBefore(expiry.toInstant());
    }

    private static boolean usable(AccessToken token) {
        return token != null && (token.getExpirationTime() == null
                || Instant.now().isBefore(token.getExpirationTime().toInstant()));
    }

    /** One try in flight at a time, run on a worker; every waiter gets its result. */
    private Uni<AccessToken> obtain() {
        Uni<AccessToken> mine = Uni.createFrom().item(this::obtainBlocking)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .memoize().indefinitely();
        if (refreshing.compareAndSet(null, mine)) {
            return mine.onTermination().invoke(() -> refreshing.compareAndSet(mine, null));
        }
        Uni<AccessToken> other = refreshing.get();
        return other == null ? obtain() : other;
    }

    private AccessToken obtainBlocking() {
        Snapshot s = state.get();
        if (s.token() != null && fresh(s.token())) {
            return s.token(); // obtained while this caller queued
        }
        GoogleCredentials credentials = s.credentials();
        try {
            if (credentials == null) {
                credentials = source.load();
            }
            credentials.refresh();
            AccessToken token = credentials.getAccessToken();
            if (token == null || token.getTokenValue() == null || token.getTokenValue().isBlank()) {
                throw new IOException("the token endpoint answered without an access token");
            }
            VertexErrors.maskToken(token.getTokenValue());
            state.set(new Snapshot(Snapshot.Phase.READY, credentials, token, null, null, 0));
            counters.get("imagen.credentials.attempts", "outcome", "ok").increment();
            String until = token.getExpirationTime() == null ? "unknown" : token.getExpirationTime().toInstant().toString();
            if (s.phase() != Snapshot.Phase.READY || s.failure() != null) {
                LOG.infof("Vertex AI credentials ready: %s from %s, access token valid until %s", describe(credentials),
                        source.origin(), until);
            } else {
                LOG.infof("vertex access token refreshed, valid until %s", until);
            }
            return token;
        } catch (IOException | RuntimeException e) {
            counters.get("imagen.credentials.attempts", "outcome", "failed").increment();
            Duration retry = config.vertex().credentialsRetry();
            CredentialsException error = cannotObtain(source.origin(), e, retry);
            long retryAt = System.nanoTime() + retry.toNanos();
            boolean sameAsBefore = s.failure() != null && s.failure().getMessage().equals(error.getMessage());
            if (s.phase() == Snapshot.Phase.READY && usable(s.token())) {
                state.set(new Snapshot(Snapshot.Phase.READY, credentials, s.token(), error, null, retryAt));
                if (!sameAsBefore) {
                    LOG.warnf("could not refresh the Vertex AI access token ahead of its expiry (%s); the current one"
                            + " serves until %s", error.reason(), s.token().getExpirationTime().toInstant());
                }
                return s.token();
            }
            state.set(new Snapshot(Snapshot.Phase.FAILING, null, null, error,
                    s.phase() == Snapshot.Phase.FAILING ? s.failingSince() : Instant.now(), retryAt));
            if (sameAsBefore) {
                LOG.debugf("still no Vertex AI credentials: %s", error.getMessage());
            } else {
                // the cause is the whole story (a path, a parse error): no stack trace
                LOG.warnf("no Google credentials for Vertex AI from %s: %s. Readiness is DOWN and generations fail with"
                        + " 503 until this is fixed; tried again on the next request or readiness probe, at most every %s"
                        + " (imagen.vertex.credentials-retry)", source.origin(), clause(error.reason()), text(retry));
            }
            throw error;
        }
    }

    /**
     * The failure to get a token from {@code origin}, naming the auth library's reason. Only a token
     * endpoint that timed out, refused the connection, or answered a transient status is worth a
     * later retry by the caller; the gateway itself never retries it (another attempt right away
     * would meet the same cause).
     */
    static CredentialsException cannotObtain(String origin, Throwable failure, Duration retry) {
        boolean transientFailure = transientFailure(failure);
        String reason = reason(failure);
        return new CredentialsException(503, "the gateway could not obtain Google credentials for Vertex AI from " + origin
                + ": " + clause(reason) + "; no request was sent to Vertex AI", reason, transientFailure,
                transientFailure ? retry : null);
    }

    /** The library's sentence as a clause of ours: without its final period. */
    static String clause(String sentence) {
        return sentence.endsWith(".") ? sentence.substring(0, sentence.length() - 1) : sentence;
    }

    /** The auth library's reason, cleaned for a log line or a client. */
    static String reason(Throwable failure) {
        String message = failure.getMessage();
        return clean(message == null || message.isBlank() ? failure.getClass().getSimpleName() : message);
    }

    static boolean transientFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Retryable retryable && retryable.isRetryable()
                    || t instanceof SocketTimeoutException || t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /** One line, without tokens, PEM blocks or long base64 runs (key material a parser may echo). */
    static String clean(String text) {
        String cleaned = PEM.matcher(text).replaceAll("[key material removed]");
        cleaned = BASE64_RUN.matcher(cleaned).replaceAll("***");
        return VertexErrors.mask(cleaned.replaceAll("\\s*\\R\\s*", " ").trim());
    }

    /** {@code 5s}, {@code 250ms}, {@code 1h}: a duration as the config keys spell it. */
    static String text(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0 || millis % 1000 != 0) {
            return millis == 0 ? "0s" : millis + "ms";
        }
        long seconds = millis / 1000;
        return seconds % 3600 == 0 ? seconds / 3600 + "h" : seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }

    /** The credentials' kind and, when it is known without a network call, whose they are. */
    static String describe(GoogleCredentials credentials) {
        String principal = principal(credentials);
        return type(credentials) + (principal == null ? "" : " " + principal);
    }

    /** {@code service_account}, {@code authorized_user} (gcloud's user login), {@code metadata} (Cloud Run, GCE), ... */
    static String type(GoogleCredentials credentials) {
        if (credentials instanceof ServiceAccountCredentials) {
            return "service_account";
        }
        if (credentials instanceof UserCredentials) {
            return "authorized_user";
        }
        if (credentials instanceof ComputeEngineCredentials) {
            return "metadata";
        }
        if (credentials instanceof ImpersonatedCredentials) {
            return "impersonated_service_account";
        }
        String name = credentials.getClass().getSimpleName();
        return name.contains("ExternalAccount") || name.contains("IdentityPool") || name.contains("Aws")
                || name.contains("Pluggable") ? "external_account" : name;
    }

    static String principal(GoogleCredentials credentials) {
        if (credentials instanceof ServiceAccountCredentials sa) {
            return sa.getClientEmail();
        }
        if (credentials instanceof ImpersonatedCredentials impersonated) {
            return impersonated.getAccount();
        }
        return null;
    }
}

package imagen.gateway.support;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;

import imagen.gateway.upstream.CredentialsSource;

/**
 * Google credentials whose tokens the test controls: every {@code refreshAccessToken()} is counted
 * and answers a new, unguessable token valid for {@link #lifetime(Duration)}. A test can hold
 * refreshes to see who waits for them. Enabled as an alternative by the ADC test profile only.
 */
@Alternative
@ApplicationScoped
public class FakeCredentials implements CredentialsSource {

    /** One token the fake issued, and when it expires. */
    public record Issued(String value, Instant issuedAt, Instant expiresAt) {
    }

    private final CountingCredentials credentials = new CountingCredentials();
    private final AtomicInteger loads = new AtomicInteger();

    @Override
    public GoogleCredentials load() {
        loads.incrementAndGet();
        return credentials;
    }

    /** How often the gateway asked for the credentials object itself. */
    public int loads() {
        return loads.get();
    }

    /** How often the gateway asked Google for a token. */
    public int refreshes() {
        return credentials.issued.size();
    }

    public List<Issued> issued() {
        return List.copyOf(credentials.issued);
    }

    public Issued lastIssued() {
        List<Issued> all = issued();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** Lifetime of the tokens issued from now on. */
    public void lifetime(Duration lifetime) {
        credentials.lifetime = lifetime;
    }

    /**
     * Makes every token issued so far expire now, as if time had passed: the next request must
     * refresh. Lets a test start from a known state whatever ran before it.
     */
    public void expireIssuedTokens() {
        credentials.tokens.forEach(token -> token.expiry = Instant.now().minusSeconds(1));
    }

    /** From now on every refresh fails with this message, as a token endpoint refusing would; null: they work again. */
    public void failRefreshes(String message) {
        credentials.failure = message;
    }

    /** Refreshes block until the returned latch is counted down (at most 20 s). */
    public CountDownLatch holdRefreshes() {
        CountDownLatch gate = new CountDownLatch(1);
        credentials.gate = gate;
        return gate;
    }

    /**
     * How often the gateway called {@code refresh()}. google-auth-library shares one fetch among
     * concurrent {@code refresh()} calls, so this counts what the gateway asked for, not only what
     * reached Google.
     */
    public int refreshCalls() {
        return credentials.refreshCalls.get();
    }

    /** Number of refreshes that have started (and may be held). */
    public int refreshesStarted() {
        return credentials.started.get();
    }

    /** An access token whose expiry the test can bring forward. */
    static final class ControlledToken extends AccessToken {

        private static final long serialVersionUID = 1L;

        volatile transient Instant expiry;

        ControlledToken(String value, Instant expiry) {
            super(value, Date.from(expiry));
            this.expiry = expiry;
        }

        @Override
        public Date getExpirationTime() {
            return Date.from(expiry);
        }
    }

    static final class CountingCredentials extends GoogleCredentials {

        private static final long serialVersionUID = 1L;

        final transient List<Issued> issued = new CopyOnWriteArrayList<>();
        final transient AtomicInteger started = new AtomicInteger();
        final transient AtomicInteger refreshCalls = new AtomicInteger();
        final transient List<ControlledToken> tokens = new CopyOnWriteArrayList<>();
        volatile transient Duration lifetime = Duration.ofHours(1);
        volatile transient CountDownLatch gate;
        volatile transient String failure;

        @Override
        public void refresh() throws IOException {
            refreshCalls.incrementAndGet();
            super.refresh();
        }

        @Override
        public AccessToken refreshAccessToken() throws IOException {
            started.incrementAndGet();
            CountDownLatch held = gate;
            if (held != null) {
                try {
                    if (!held.await(20, TimeUnit.SECONDS)) {
                        throw new IOException("test never released the held refresh");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            if (failure != null) {
                throw new IOException(failure);
            }
            Instant now = Instant.now();
            Instant expiry = now.plus(lifetime);
            // deliberately not shaped like a Google token (ya29....): masking must not rely on the shape
            String value = "gw-token-" + (issued.size() + 1) + "-" + UUID.randomUUID().toString().replace("-", "");
            issued.add(new Issued(value, now, expiry));
            ControlledToken token = new ControlledToken(value, expiry);
            tokens.add(token);
            return token;
        }

        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}

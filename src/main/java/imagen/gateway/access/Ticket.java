package imagen.gateway.access;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import imagen.gateway.cluster.QuotaCounters.Window;
import imagen.gateway.request.Problem;

/**
 * One admitted generation request: who sent it and the images reserved for it. The request claims
 * what it asks for ({@link #claim}); the rest goes back at once, and what the generation did not
 * spend goes back when it ends ({@link #settle}). A request that never claims (a 400, a client that
 * left) gives back everything ({@link #release}).
 */
public final class Ticket {

    private final Client client;
    private final Quotas.Limits limits;
    private final Window window;
    private final Quotas quotas;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile int claimedImages;

    Ticket(Client client, Quotas.Limits limits, Window window, Quotas quotas) {
        this.client = client;
        this.limits = limits;
        this.window = window;
        this.quotas = quotas;
    }

    static Ticket unlimited(Client client) {
        return new Ticket(client, null, null, null);
    }

    public Client client() {
        return client;
    }

    /** The rate-limit fields for the admitted request's answer; empty when the client is unlimited. */
    public Map<String, String> headers() {
        if (window == null) {
            return Map.of();
        }
        // once claimed, what is left counts the images asked for, not the reservation
        int unused = claimed.get() ? window.granted() - claimedImages : 0;
        return Quotas.headers(limits, new Window(true, window.exhausted(), window.requests(), window.images() - unused,
                window.granted(), window.day(), window.minuteResetMs(), window.dayResetMs(), window.shared()));
    }

    /**
     * The request asks for {@code images}: kept from the reservation, or an {@link AccessDenied}
     * 429 when today's budget has fewer left.
     */
    public void claim(int images, String instance) {
        if (window == null || !claimed.compareAndSet(false, true)) {
            return;
        }
        if (images > window.granted()) {
            quotas.refund(client, window.day(), window.granted());
            long left = window.granted();
            long retryMs = window.dayResetMs();
            Problem problem = new Problem(Problem.TYPE_PREFIX + "quota-exceeded", "Too Many Requests", 429,
                    "quota exceeded: the request asks for " + images + " images and this client has " + left
                            + " of its " + limits.imagesPerDay() + " images per day left",
                    instance, null, "RESOURCE_EXHAUSTED", true, retryMs);
            var headers = new java.util.LinkedHashMap<>(headers());
            headers.put("Retry-After", Long.toString(Math.max(1, (retryMs + 999) / 1000)));
            throw new AccessDenied(problem, headers);
        }
        claimedImages = images;
        quotas.refund(client, window.day(), window.granted() - images);
    }

    /** Whether a counter holds a reservation for this request (the client has a limit). */
    public boolean counted() {
        return window != null;
    }

    /** The generation ended having had {@code generated} images made by an upstream call. */
    public void settle(int generated) {
        if (window == null) {
            return;
        }
        int spent = Math.min(generated, claimedImages);
        quotas.charged(client, spent);
        quotas.refund(client, window.day(), claimedImages - spent);
    }

    /** Gives the whole reservation back unless the request claimed it. */
    public void release() {
        if (window != null && claimed.compareAndSet(false, true)) {
            quotas.refund(client, window.day(), window.granted());
        }
    }
}

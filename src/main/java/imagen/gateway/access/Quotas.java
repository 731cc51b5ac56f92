package imagen.gateway.access;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import imagen.gateway.cluster.QuotaCounters;
import imagen.gateway.cluster.QuotaCounters.Window;
import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.Problem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Budgets per client: generation requests per minute and images per UTC day
 * ({@code imagen.quota.*}, a client's own {@code imagen.quota.client."<id>".*}, or its token's
 * {@code imagen_quota}). A generation request is admitted (counted, and up to
 * {@code imagen.max-sample-count} images reserved) before its body is read; what it does not use
 * comes back, and at its end only images an upstream call generated stay spent: cache hits,
 * coalesced requests, failures and filtered images cost nothing. Refusals are 429 problems with
 * {@code Retry-After} and the {@code RateLimit-Policy} / {@code RateLimit} fields of the IETF
 * draft (draft-ietf-httpapi-ratelimit-headers-09).
 */
@ApplicationScoped
public class Quotas {

    @Inject
    GatewayConfig config;

    @Inject
    QuotaCounters counters;

    @Inject
    MeterRegistry registry;

    private final Map<String, Counter> meters = new ConcurrentHashMap<>();

    /** A client's limits; {@link QuotaCounters#UNLIMITED} where none is set. */
    public record Limits(long requestsPerMinute, long imagesPerDay) {
        boolean none() {
            return requestsPerMinute < 0 && imagesPerDay < 0;
        }
    }

    public Limits limits(Client client) {
        var quota = config.quota();
        var own = quota.client().get(client.id());
        long rpm = first(client.requestsPerMinute(), own == null ? null : own.requestsPerMinute().orElse(null),
                quota.requestsPerMinute().orElse(null));
        long ipd = first(client.imagesPerDay(), own == null ? null : own.imagesPerDay().orElse(null),
                quota.imagesPerDay().orElse(null));
        return new Limits(rpm, ipd);
    }

    /**
     * Admits one generation request of {@code client}: a ticket for it, or an {@link AccessDenied}
     * 429 when a budget is used up. Unlimited clients get a ticket without touching a counter.
     */
    public Ticket admit(Client client, String instance) {
        Limits limits = limits(client);
        if (limits.none()) {
            return Ticket.unlimited(client);
        }
        int maxImages = Math.max(1, config.maxSampleCount());
        Window window = counters.admit(client.id(), limits.requestsPerMinute(), limits.imagesPerDay(), maxImages,
                System.currentTimeMillis());
        if (!window.allowed()) {
            meter("imagen.quota.refused", client, window.exhausted().name().toLowerCase()).increment();
            throw exceeded(client, limits, window, instance);
        }
        meter("imagen.quota.admitted", client, null).increment();
        return new Ticket(client, limits, window, this);
    }

    void refund(Client client, long day, int images) {
        counters.refund(client.id(), day, images);
    }

    void charged(Client client, int images) {
        if (images > 0) {
            meter("imagen.quota.images", client, null).increment(images);
        }
    }

    private AccessDenied exceeded(Client client, Limits limits, Window window, String instance) {
        boolean requests = window.exhausted() == QuotaCounters.Exhausted.REQUESTS;
        long retryMs = requests ? window.minuteResetMs() : window.dayResetMs();
        String detail = requests
                ? "quota exceeded: " + limits.requestsPerMinute() + " generation requests per minute for this client"
                : "quota exceeded: " + limits.imagesPerDay() + " images per day for this client, " + window.images()
                        + " used or in progress";
        Problem problem = new Problem(Problem.TYPE_PREFIX + "quota-exceeded", "Too Many Requests", 429, detail,
                instance, null, "RESOURCE_EXHAUSTED", true, retryMs);
        Map<String, String> headers = new LinkedHashMap<>(headers(limits, window));
        headers.put("Retry-After", Long.toString(Math.max(1, (retryMs + 999) / 1000)));
        return new AccessDenied(problem, headers);
    }

    /** {@code RateLimit-Policy} and {@code RateLimit}, one item per limited budget. */
    static Map<String, String> headers(Limits limits, Window window) {
        StringBuilder policy = new StringBuilder();
        StringBuilder state = new StringBuilder();
        if (limits.requestsPerMinute() >= 0) {
            policy.append("\"requests\";q=").append(limits.requestsPerMinute()).append(";w=60");
            state.append("\"requests\";r=").append(Math.max(0, limits.requestsPerMinute() - window.requests()))
                    .append(";t=").append(seconds(window.minuteResetMs()));
        }
        if (limits.imagesPerDay() >= 0) {
            if (policy.length() > 0) {
                policy.append(", ");
                state.append(", ");
            }
            policy.append("\"images\";q=").append(limits.imagesPerDay()).append(";w=86400");
            state.append("\"images\";r=").append(Math.max(0, limits.imagesPerDay() - window.images()))
                    .append(";t=").append(seconds(window.dayResetMs()));
        }
        return Map.of("RateLimit-Policy", policy.toString(), "RateLimit", state.toString());
    }

    private static long seconds(long ms) {
        return Math.max(0, (ms + 999) / 1000);
    }

    private Counter meter(String name, Client client, String budget) {
        String key = name + '|' + client.id() + '|' + budget;
        return meters.computeIfAbsent(key, k -> {
            var builder = Counter.builder(name).tag("client", client.id());
            if (budget != null) {
                builder.tag("budget", budget);
            }
            return builder.register(registry);
        });
    }

    private static long first(Long... values) {
        for (Long value : values) {
            if (value != null) {
                return value;
            }
        }
        return QuotaCounters.UNLIMITED;
    }
}

package imagen.gateway.upstream;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.inject.Inject;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.config.TaggedCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;

/**
 * SmallRye Fault Tolerance around every upstream call. {@link #call} is the order, outermost first:
 * <ol>
 * <li><b>retry</b> ({@code imagen.resilience.max-retries}) on 429, 500, 502, 503, 504, timeouts and
 * connection failures, never on other 4xx, filtered results, or the gateway's own credentials
 * failing ({@link CredentialsException}: one attempt, and it never counts against a breaker). The wait is the server's when it
 * states one (Vertex: {@code google.rpc.RetryInfo} in the body; others: {@code Retry-After}), capped
 * by {@code .max-server-wait}; otherwise exponential backoff with full jitter between
 * {@code .initial-backoff} and {@code .max-backoff}. The retry is outermost so a backoff wait
 * holds no bulkhead slot;</li>
 * <li><b>failover</b>, inside the retried supplier: each attempt takes the next location of
 * {@code imagen.vertex.locations} (or of the model's own list) whose breaker is not open, so a regional outage or quota is
 * routed around; a breaker that opened in between costs no attempt;</li>
 * <li><b>bulkhead</b>: at most {@code .bulkhead.max-concurrent} attempts in flight,
 * {@code .bulkhead.queue} waiting; beyond that a 429 with {@code Retry-After}, not retried;</li>
 * <li><b>circuit breaker per location</b> ({@code vertex-<location>}): opens when at least
 * {@code .breaker.failure-ratio} of the last {@code .breaker.request-volume} attempts failed with an
 * upstream fault (4xx answers do not count), stays open {@code .breaker.delay}, then lets a trial
 * through; with every location open the call fails at once with a 503 whose {@code Retry-After} is
 * the time until the first one half-opens;</li>
 * <li>the attempt itself, with its timeout ({@code .attempt-timeout}): {@link VertexCalls}.</li>
 * </ol>
 * STYLE's order (bulkhead → breaker → retry) would hold a slot through every backoff and pin all
 * retries to the location that failed; this order frees both.
 *
 * <p>Worst case one call takes (max-retries + 1) × attempt-timeout + max-retries ×
 * max(max-backoff, max-server-wait): with the defaults 4 × 60 s + 3 × 30 s = 330 s, and at most
 * four billed upstream calls.
 */
@ApplicationScoped
public class Guards {

    private static final Logger LOG = Logger.getLogger(Guards.class);
    private static final TypeLiteral<Uni<GenerationResult>> UNI = new TypeLiteral<>() {
    };

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    TaggedCounters counters;

    /** When each location's breaker last opened: the Retry-After of an all-open failure. */
    private final Map<String, Long> openedAtNanos = new ConcurrentHashMap<>();
    private final Map<String, TypedGuard<Uni<GenerationResult>>> breakers = new ConcurrentHashMap<>();
    private volatile TypedGuard<Uni<GenerationResult>> retry;
    private volatile TypedGuard<Uni<GenerationResult>> bulkhead;

    /** One attempt against one location. */
    public interface Attempt {
        Uni<GenerationResult> call(String location, int attempt);
    }

    /** Runs {@code attempt} through the guards over {@code imagen.vertex.locations}; the result counts its attempts. */
    public Uni<GenerationResult> call(UpstreamListener listener, Attempt attempt) {
        return call(locations(), listener, attempt);
    }

    /**
     * Runs {@code attempt} through the guards, failing over within {@code locations} (a model's own
     * list, e.g. {@code global}; empty = {@code imagen.vertex.locations}). Breakers are per location,
     * whichever list names it.
     */
    public Uni<GenerationResult> call(List<String> locations, UpstreamListener listener, Attempt attempt) {
        Tries tries = new Tries(locations == null || locations.isEmpty() ? locations() : List.copyOf(locations), listener);
        return retry().get(() -> next(tries, attempt))
                .map(result -> result.withCost(tries.attempt, result.upstreamMs()))
                .onFailure().transform(failure -> {
                    if (failure instanceof FailedAttempt failed) {
                        if (failed.retryable() && failed.attempt > config.resilience().maxRetries()) {
                            LOG.warnf("giving up after %d attempts: %s %s", failed.attempt, failed.cause.vertexStatus(),
                                    failed.cause.getMessage());
                        }
                        return failed.cause;
                    }
                    return VertexCalls.classify(failure);
                });
    }

    /** Locations in failover order. */
    public List<String> locations() {
        return config.vertex().locations();
    }

    /** A location's breaker state (CLOSED for a location not called yet). */
    public CircuitBreakerState breakerState(String location) {
        return breakers.containsKey(location) ? CircuitBreakerMaintenance.get().currentState(breakerName(location))
                : CircuitBreakerState.CLOSED;
    }

    /** Closes every breaker (tests). */
    public void resetBreakers() {
        CircuitBreakerMaintenance.get().resetAll();
    }

    /** The state of one call across its attempts: where it may go, who listens, which attempt, where the next one goes. */
    private static final class Tries {
        final List<String> locations;
        final UpstreamListener listener;
        int attempt;
        int nextLocation;

        Tries(List<String> locations, UpstreamListener listener) {
            this.locations = locations;
            this.listener = listener;
        }
    }

    /**
     * A failed attempt, as the retry guard sees it: the failure in Vertex's terms and the call it
     * belongs to, so that the backoff strategy can tell the call's listener before it waits.
     */
    private static final class FailedAttempt extends RuntimeException {
        final UpstreamException cause;
        final Tries tries;
        final int attempt;
        final boolean final_;

        FailedAttempt(UpstreamException cause, Tries tries, int attempt, boolean finalFailure) {
            super(cause.getMessage(), null, false, false);
            this.cause = cause;
            this.tries = tries;
            this.attempt = attempt;
            this.final_ = finalFailure;
        }

        boolean retryable() {
            return cause.retryable() && !final_;
        }
    }

    private Uni<GenerationResult> next(Tries tries, Attempt attempt) {
        int number = ++tries.attempt;
        return onHealthyLocation(tries, number, attempt);
    }

    private Uni<GenerationResult> onHealthyLocation(Tries tries, int number, Attempt attempt) {
        Optional<String> picked = healthyLocation(tries.locations, tries.nextLocation);
        if (picked.isEmpty()) {
            return Uni.createFrom().failure(new FailedAttempt(allOpen(tries.locations), tries, number, true));
        }
        String location = picked.get();
        tries.nextLocation = tries.locations.indexOf(location) + 1;
        return bulkhead().get(() -> breaker(location).get(() -> {
            // announced when the call really starts: after any bulkhead queueing, only if the breaker lets it through
            tries.listener.onAttempt(number, location);
            return attempt.call(location, number);
        }))
                .onItem().invoke(() -> count(location, "success"))
                .onFailure(CircuitBreakerOpenException.class)
                // opened since it was picked: no call was made, so no attempt is spent; the next location
                .recoverWithUni(() -> onHealthyLocation(tries, number, attempt))
                .onFailure(failure -> !(failure instanceof FailedAttempt)).transform(failure -> {
                    boolean rejected = failure instanceof BulkheadException;
                    UpstreamException error = rejected ? bulkheadFull() : VertexCalls.classify(failure);
                    count(location, error.vertexStatus());
                    // the gateway's own credentials: another attempt, here or elsewhere, meets the same cause
                    return new FailedAttempt(error, tries, number, rejected || error instanceof CredentialsException);
                });
    }

    /** The first location from {@code fromIndex} on (wrapping around) whose breaker is not open. */
    private Optional<String> healthyLocation(List<String> locations, int fromIndex) {
        for (int i = 0; i < locations.size(); i++) {
            String location = locations.get(Math.floorMod(fromIndex + i, locations.size()));
            if (breakerState(location) != CircuitBreakerState.OPEN) {
                if (i > 0) {
                    LOG.infof("failing over to %s: %d location(s) before it have an open breaker", location, i);
                }
                return Optional.of(location);
            }
        }
        return Optional.empty();
    }

    private UpstreamException allOpen(List<String> locations) {
        long delay = config.resilience().breaker().delay().toNanos();
        long soonest = locations.stream()
                .filter(l -> breakerState(l) == CircuitBreakerState.OPEN)
                .mapToLong(l -> Math.max(0, delay - (System.nanoTime() - openedAtNanos.getOrDefault(l, System.nanoTime()))))
                .min().orElse(delay);
        LOG.warnf("failing fast: every location's circuit breaker is open (%s)", locations);
        return new UpstreamException(503, "UNAVAILABLE",
                "every upstream location is failing (circuit breakers open: " + String.join(", ", locations)
                        + "); failing fast without calling it",
                true, Duration.ofNanos(soonest).plusMillis(1));
    }

    private UpstreamException bulkheadFull() {
        metrics.counter("imagen.bulkhead.rejected").increment();
        LOG.warnf("bulkhead full: %d upstream calls in flight and %d waiting",
                config.resilience().bulkhead().maxConcurrent(), config.resilience().bulkhead().queue());
        return new UpstreamException(429, "RESOURCE_EXHAUSTED",
                "the gateway is at its limit of concurrent upstream calls; try again shortly", true, Duration.ofSeconds(1));
    }

    /** The server's wait when it stated one (capped), else exponential backoff with full jitter. */
    Duration backoff(int attempt, UpstreamException error) {
        var resilience = config.resilience();
        if (error.retryAfter().isPresent()) {
            Duration asked = error.retryAfter().get();
            return asked.compareTo(resilience.maxServerWait()) > 0 ? resilience.maxServerWait() : asked;
        }
        long initial = resilience.initialBackoff().toMillis();
        long ceiling = Math.min(resilience.maxBackoff().toMillis(), initial << Math.min(30, attempt - 1));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(0, Math.max(1, ceiling) + 1));
    }

    /** Called by the retry guard only when it will retry: tells the call's listener, then waits that long. */
    private long beforeRetry(Throwable failure) {
        FailedAttempt failed = (FailedAttempt) failure;
        long delay = backoff(failed.attempt, failed.cause).toMillis();
        counters.get("imagen.upstream.retries", "reason", failed.cause.vertexStatus()).increment();
        LOG.infof("attempt %d failed with %d %s; retrying in %d ms", failed.attempt, failed.cause.httpStatus(),
                failed.cause.vertexStatus(), delay);
        failed.tries.listener.onRetry(failed.attempt, failed.cause, delay);
        return delay;
    }

    private void count(String location, String outcome) {
        counters.get("imagen.upstream.attempts", "location", location, "outcome", outcome).increment();
    }

    private TypedGuard<Uni<GenerationResult>> retry() {
        TypedGuard<Uni<GenerationResult>> guard = retry;
        if (guard == null) {
            synchronized (this) {
                if (retry == null) {
                    var r = config.resilience();
                    Duration wait = r.maxBackoff().compareTo(r.maxServerWait()) > 0 ? r.maxBackoff() : r.maxServerWait();
                    Duration budget = r.attemptTimeout().multipliedBy(r.maxRetries() + 1L)
                            .plus(wait.multipliedBy(r.maxRetries())).plusSeconds(10);
                    // the guarded calls are non-blocking: no hop to another thread around them
                    retry = TypedGuard.create(UNI).withDescription("upstream-retry").withThreadOffload(false)
                            .withRetry().maxRetries(r.maxRetries()).delay(0, ChronoUnit.MILLIS).jitter(0, ChronoUnit.MILLIS)
                            .maxDuration(budget.toMillis(), ChronoUnit.MILLIS)
                            .whenException(failure -> failure instanceof FailedAttempt failed && failed.retryable())
                            .withCustomBackoff().strategy(() -> (CustomBackoffStrategy) this::beforeRetry).done()
                            .done().build();
                }
                guard = retry;
            }
        }
        return guard;
    }

    private TypedGuard<Uni<GenerationResult>> bulkhead() {
        TypedGuard<Uni<GenerationResult>> guard = bulkhead;
        if (guard == null) {
            synchronized (this) {
                if (bulkhead == null) {
                    var limits = config.resilience().bulkhead();
                    bulkhead = TypedGuard.create(UNI).withDescription("upstream-bulkhead").withThreadOffload(false)
                            .withBulkhead().limit(limits.maxConcurrent()).queueSize(limits.queue()).done()
                            .build();
                }
                guard = bulkhead;
            }
        }
        return guard;
    }

    private TypedGuard<Uni<GenerationResult>> breaker(String location) {
        return breakers.computeIfAbsent(location, l -> {
            var settings = config.resilience().breaker();
            TypedGuard<Uni<GenerationResult>> guard = TypedGuard.create(UNI).withDescription(breakerName(l))
                    .withThreadOffload(false)
                    .withCircuitBreaker()
                    .name(breakerName(l))
                    .requestVolumeThreshold(settings.requestVolume())
                    .failureRatio(settings.failureRatio())
                    .delay(settings.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(1)
                    // only upstream faults count: the caller's 4xx and quota answers say nothing of the location's health
                    .when(Guards::isUpstreamFault)
                    .onStateChange(state -> {
                        if (state == CircuitBreakerState.OPEN) {
                            openedAtNanos.put(l, System.nanoTime());
                        }
                        LOG.warnf("circuit breaker for %s is now %s", l, state);
                    })
                    .done()
                    .build();
            metrics.gauge("imagen.breaker.state", Tags.of("location", l), this, g -> switch (g.breakerState(l)) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
            });
            return guard;
        });
    }

    private static String breakerName(String location) {
        return "vertex-" + location;
    }

    static boolean isUpstreamFault(Throwable failure) {
        if (failure instanceof CredentialsException) {
            return false; // the gateway's credentials, not the location's health
        }
        if (failure instanceof UpstreamException u) {
            return u.httpStatus() >= 500 && u.retryable();
        }
        return !(failure instanceof BulkheadException);
    }
}

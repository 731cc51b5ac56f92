package imagen.gateway.vertex;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.inject.Inject;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.config.TaggedCounters;
import imagen.gateway.generation.ImagenRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;

/**
 * Vertex AI (or the embedded simulator) behind the gateway's guards. The path of one generation,
 * outermost first:
 * <ol>
 * <li><b>retry with failover</b>: up to {@code imagen.resilience.max-retries} more attempts on
 * 429, 500, 502, 503, 504, timeouts and connection failures, never on other 4xx or on filtered
 * results. The wait is the server's when it states one (Vertex: {@code google.rpc.RetryInfo} in
 * the body; others: {@code Retry-After}), capped by {@code .max-server-wait}; otherwise exponential
 * backoff with full jitter between {@code .initial-backoff} and {@code .max-backoff}. Each retry
 * moves to the next location of {@code imagen.vertex.locations} whose breaker is not open, so a
 * regional outage or a regional quota is routed around.</li>
 * <li><b>bulkhead</b>: at most {@code .bulkhead.max-concurrent} attempts in flight per instance,
 * {@code .bulkhead.queue} more waiting; beyond that a 429 with {@code Retry-After}. It guards each
 * attempt, not the whole generation, so backoff waits hold no slot.</li>
 * <li><b>circuit breaker per location</b>: opens when at least {@code .breaker.failure-ratio} of
 * the last {@code .breaker.request-volume} attempts failed with an upstream fault (4xx answers do
 * not count), stays open {@code .breaker.delay}, then lets a trial through. Open means no call:
 * the next location is tried, and when every location is open the generation fails at once with a
 * 503 whose {@code Retry-After} is the time until the first breaker half-opens.</li>
 * <li><b>attempt timeout</b> {@code .attempt-timeout} and the REST client: {@link VertexCalls}.</li>
 * </ol>
 * Worst case, one generation takes (max-retries + 1) × attempt-timeout + max-retries ×
 * max(max-backoff, max-server-wait): with the defaults 4 × 60 s + 3 × 30 s = 330 s, and at most
 * four billed upstream calls.
 */
@ApplicationScoped
public class VertexClient {

    private static final Logger LOG = Logger.getLogger(VertexClient.class);
    private static final TypeLiteral<Uni<PredictResponse>> UNI = new TypeLiteral<>() {
    };

    @Inject
    GatewayConfig config;

    @Inject
    VertexCalls calls;

    @Inject
    MeterRegistry metrics;

    @Inject
    TaggedCounters counters;

    private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile TypedGuard<Uni<PredictResponse>> bulkhead;

    /** A location's breaker and when it last opened. */
    private static final class Breaker {
        final TypedGuard<Uni<PredictResponse>> guard;
        volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
        volatile long openedAtNanos;

        Breaker(TypedGuard<Uni<PredictResponse>> guard) {
            this.guard = guard;
        }
    }

    /**
     * Generates through the guards. Fails with an {@link UpstreamException} in Vertex's terms.
     *
     * @param simulatorFault a fault for the embedded simulator to inject; never sent to Vertex
     */
    public Uni<PredictResponse> predict(ImagenRequest request, String simulatorFault, AttemptListener listener) {
        return attempt(request, simulatorFault, listener, 1, 0);
    }

    /** Locations in failover order. */
    public List<String> locations() {
        return config.vertex().locations();
    }

    /** Current breaker state of a location (CLOSED for a location not called yet). */
    public CircuitBreakerState breakerState(String location) {
        Breaker breaker = breakers.get(location);
        return breaker == null ? CircuitBreakerState.CLOSED : breaker.state;
    }

    private Uni<PredictResponse> attempt(ImagenRequest request, String fault, AttemptListener listener, int attempt,
            int fromIndex) {
        Optional<String> picked = healthyLocation(fromIndex);
        if (picked.isEmpty()) {
            return Uni.createFrom().failure(allOpen());
        }
        String location = picked.get();
        int index = locations().indexOf(location);
        return guarded(location, () -> {
            // announced when the call really starts: after any bulkhead queueing, only if the breaker lets it through
            listener.onAttempt(attempt, location);
            return calls.attempt(location, request, fault, attempt);
        })
                .onItem().invoke(() -> count(location, "success"))
                .onFailure().recoverWithUni(failure -> {
                    if (failure instanceof CircuitBreakerOpenException) {
                        // opened since it was picked: no call was made, so no attempt is spent; try the next location
                        return attempt(request, fault, listener, attempt, index + 1);
                    }
                    UpstreamException error = asUpstream(failure, location);
                    count(location, error.vertexStatus());
                    if (!error.retryable() || failure instanceof BulkheadException
                            || attempt > config.resilience().maxRetries()) {
                        if (error.retryable() && attempt > config.resilience().maxRetries()) {
                            LOG.warnf("giving up after %d attempts: %s %s", attempt, error.vertexStatus(), error.getMessage());
                        }
                        return Uni.createFrom().failure(error);
                    }
                    Duration delay = backoff(attempt, error);
                    counters.get("imagen.upstream.retries", "reason", error.vertexStatus()).increment();
                    LOG.infof("attempt %d in %s failed with %d %s; retrying in %d ms", attempt, location,
                            error.httpStatus(), error.vertexStatus(), delay.toMillis());
                    listener.onRetry(attempt, error, delay.toMillis());
                    Uni<Void> wait = delay.isZero() ? Uni.createFrom().voidItem()
                            : Uni.createFrom().voidItem().onItem().delayIt().by(delay);
                    return wait.chain(() -> attempt(request, fault, listener, attempt + 1, index + 1));
                });
    }

    /** Bulkhead, then the location's breaker, around one attempt. */
    private Uni<PredictResponse> guarded(String location, java.util.function.Supplier<Uni<PredictResponse>> call) {
        Breaker breaker = breaker(location);
        waiting.incrementAndGet();
        return bulkhead().get(() -> {
            waiting.decrementAndGet();
            inFlight.incrementAndGet();
            return breaker.guard.get(call).onTermination().invoke(inFlight::decrementAndGet);
        });
    }

    /** The first location from {@code fromIndex} on (wrapping around) whose breaker is not open. */
    private Optional<String> healthyLocation(int fromIndex) {
        List<String> locations = locations();
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

    private UpstreamException allOpen() {
        long delay = config.resilience().breaker().delay().toNanos();
        long soonest = breakers.values().stream()
                .filter(b -> b.state == CircuitBreakerState.OPEN)
                .mapToLong(b -> Math.max(0, delay - (System.nanoTime() - b.openedAtNanos)))
                .min().orElse(delay);
        Duration wait = Duration.ofNanos(soonest).plusMillis(1);
        LOG.warnf("failing fast: every location's circuit breaker is open (%s)", locations());
        return new UpstreamException(503, "UNAVAILABLE",
                "every upstream location is failing (circuit breakers open: " + String.join(", ", locations())
                        + "); failing fast without calling it",
                true, wait);
    }

    private UpstreamException asUpstream(Throwable failure, String location) {
        if (failure instanceof UpstreamException u) {
            return u;
        }
        if (failure instanceof BulkheadException) {
            metrics.counter("imagen.bulkhead.rejected").increment();
            LOG.warnf("bulkhead full: %d upstream calls in flight, %d waiting", inFlight.get(), waiting.get());
            waiting.decrementAndGet();
            return new UpstreamException(429, "RESOURCE_EXHAUSTED",
                    "the gateway is at its limit of concurrent upstream calls; try again shortly", true, Duration.ofSeconds(1));
        }
        return VertexCalls.classify(failure);
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

    private void count(String location, String outcome) {
        counters.get("imagen.upstream.attempts", "location", location, "outcome", outcome).increment();
    }

    private TypedGuard<Uni<PredictResponse>> bulkhead() {
        TypedGuard<Uni<PredictResponse>> guard = bulkhead;
        if (guard == null) {
            synchronized (this) {
                if (bulkhead == null) {
                    var limits = config.resilience().bulkhead();
                    // the guarded call is non-blocking: no hop to another thread around it
                    bulkhead = TypedGuard.create(UNI).withDescription("vertex-bulkhead").withThreadOffload(false)
                            .withBulkhead().limit(limits.maxConcurrent()).queueSize(limits.queue()).done()
                            .build();
                    metrics.gauge("imagen.bulkhead.in.use", inFlight);
                    metrics.gauge("imagen.bulkhead.queued", waiting);
                }
                guard = bulkhead;
            }
        }
        return guard;
    }

    private Breaker breaker(String location) {
        return breakers.computeIfAbsent(location, l -> {
            var settings = config.resilience().breaker();
            Breaker[] holder = new Breaker[1];
            TypedGuard<Uni<PredictResponse>> guard = TypedGuard.create(UNI).withDescription("vertex-" + l)
                    .withThreadOffload(false)
                    .withCircuitBreaker()
                    .name("vertex-" + l)
                    .requestVolumeThreshold(settings.requestVolume())
                    .failureRatio(settings.failureRatio())
                    .delay(settings.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(1)
                    // only upstream faults count: the caller's 4xx and quota answers say nothing of the location's health
                    .when(VertexClient::isUpstreamFault)
                    .onStateChange(state -> {
                        Breaker b = holder[0];
                        if (state == CircuitBreakerState.OPEN) {
                            b.openedAtNanos = System.nanoTime();
                        }
                        b.state = state;
                        LOG.warnf("circuit breaker for %s is now %s", l, state);
                    })
                    .done()
                    .build();
            holder[0] = new Breaker(guard);
            metrics.gauge("imagen.breaker.state", Tags.of("location", l), holder[0],
                    b -> b.state == CircuitBreakerState.CLOSED ? 0 : b.state == CircuitBreakerState.HALF_OPEN ? 1 : 2);
            return holder[0];
        });
    }

    static boolean isUpstreamFault(Throwable failure) {
        if (failure instanceof UpstreamException u) {
            return u.httpStatus() >= 500 && u.retryable();
        }
        return !(failure instanceof BulkheadException);
    }

    /** Closes every breaker (tests). */
    public void resetBreakers() {
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll();
        breakers.values().forEach(b -> b.state = CircuitBreakerState.CLOSED);
    }
}

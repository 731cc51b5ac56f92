package imagen.gateway.cluster;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import imagen.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The gateway's one way to Redis ({@code imagen.cache.backend=redis}) and whether it is usable.
 * Redis is never required: the first failure marks it degraded (readiness details, a metric, one
 * log line) and every port works in process; a ping every two seconds notices when it is back.
 * Nothing connects before the first use.
 */
@ApplicationScoped
public class RedisLink {

    private static final Logger LOG = Logger.getLogger(RedisLink.class);
    static final String PREFIX = "imagen:";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    @Inject
    GatewayConfig config;

    @Inject
    Instance<ReactiveRedisDataSource> redis;

    @Inject
    MeterRegistry metrics;

    @Inject
    Vertx vertx;

    private final AtomicBoolean degraded = new AtomicBoolean();
    private final java.util.List<Runnable> recovered = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile ReactiveRedisDataSource dataSource;
    private volatile long pingTimer = -1;

    public boolean enabled() {
        return "redis".equals(config.cache().backend());
    }

    /** Enabled and, as far as the last command knows, reachable. */
    public boolean usable() {
        return enabled() && !degraded.get();
    }

    public boolean degraded() {
        return enabled() && degraded.get();
    }

    /** The data source, connecting (and starting the health ping) on first use. */
    ReactiveRedisDataSource ds() {
        ReactiveRedisDataSource ds = dataSource;
        if (ds == null) {
            ds = redis.get();
            dataSource = ds;
            if (started.compareAndSet(false, true)) {
                metrics.gauge("imagen.redis.degraded", degraded, d -> d.get() ? 1 : 0);
                pingTimer = vertx.setPeriodic(2000, id -> ping());
            }
        }
        return ds;
    }

    /** Runs {@code action} each time Redis is reachable again after being degraded. */
    void onRecovery(Runnable action) {
        recovered.add(action);
    }

    /** One command, bounded in time; a failure marks Redis degraded and is passed on. */
    <T> Uni<T> guard(java.util.function.Supplier<Uni<? extends T>> command) {
        if (!usable()) {
            return Uni.createFrom().failure(new IllegalStateException("redis degraded"));
        }
        return Uni.createFrom().deferred(command)
                .ifNoItem().after(COMMAND_TIMEOUT).fail()
                .onFailure().invoke(this::markDegraded);
    }

    void markDegraded(Throwable failure) {
        metrics.counter("imagen.redis.failures").increment();
        if (failure.getClass().getSimpleName().equals("ConnectionPoolTooBusyException")) {
            // our own backpressure (too many commands waiting for a connection), not an unreachable Redis
            return;
        }
        if (degraded.compareAndSet(false, true)) {
            LOG.warnf("Redis unreachable (%s); working in process until it is back", failure.toString());
        }
    }

    private void ping() {
        ds().execute("PING")
                .ifNoItem().after(COMMAND_TIMEOUT).fail()
                .subscribe().with(ok -> {
                    if (degraded.compareAndSet(true, false)) {
                        LOG.info("Redis is reachable again; sharing results across instances");
                        recovered.forEach(Runnable::run);
                    }
                }, this::markDegraded);
    }

    void stop(@Observes ShutdownEvent event) {
        if (pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
        }
    }
}

package imagen.gateway.dedup;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * What instances share through Redis ({@code imagen.cache.backend=redis}): results and image bytes
 * for {@code imagen.cache.ttl}, job event logs for {@code imagen.jobs.ttl}, and one lock per
 * request key so that identical requests on different instances make one upstream call.
 *
 * <p>Redis is never required: every operation fails soft. The first failure marks the backend
 * degraded (readiness details, a metric, one log line) and the gateway works in process; a ping
 * every two seconds notices when Redis is back.
 *
 * <p>Keys: {@code imagen:result:<key>} (JSON), {@code imagen:image:<sha256>} (mime type, newline,
 * bytes), {@code imagen:job:<id>:events} (sorted set of event JSON by event id),
 * {@code imagen:job:<id>:request}, {@code imagen:lock:<key>} ({@code <instance>|<job id>}).
 */
@ApplicationScoped
public class RedisBackend {

    private static final Logger LOG = Logger.getLogger(RedisBackend.class);
    private static final String PREFIX = "imagen:";

    /** This process, as lock owners name it. */
    public static final String INSTANCE = UUID.randomUUID().toString().substring(0, 8);

    @Inject
    GatewayConfig config;

    @Inject
    Instance<ReactiveRedisDataSource> redis;

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry metrics;

    @Inject
    Vertx vertx;

    private final AtomicBoolean degraded = new AtomicBoolean();
    private volatile long pingTimer = -1;

    /** A job's event as stored: enough to rebuild the log elsewhere. */
    public record StoredEvent(long id, String type, ObjectNode data) {
    }

    void start(@Observes StartupEvent event) {
        if (enabled()) {
            metrics.gauge("imagen.redis.degraded", degraded, d -> d.get() ? 1 : 0);
            pingTimer = vertx.setPeriodic(2000, id -> ping());
            ping();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
        }
    }

    public boolean enabled() {
        return "redis".equals(config.cache().backend());
    }

    /** Enabled and, as far as the last operation knows, reachable. */
    public boolean usable() {
        return enabled() && !degraded.get();
    }

    public boolean degraded() {
        return enabled() && degraded.get();
    }

    // --- results and images -----------------------------------------------------------------

    public Uni<Optional<ResultCache.CachedResult>> result(String key) {
        return send(Request.cmd(Command.GET).arg(PREFIX + "result:" + key))
                .chain(response -> {
                    if (response == null) {
                        return Uni.createFrom().item(Optional.<ResultCache.CachedResult>empty());
                    }
                    ResultCache.CachedResult result = fromJson(response.toString());
                    List<String> digests = result.entries().stream()
                            .filter(e -> e.data().hasNonNull("sha256"))
                            .map(e -> PREFIX + "image:" + e.data().get("sha256").asText()).distinct().toList();
                    if (digests.isEmpty()) {
                        return Uni.createFrom().item(Optional.of(result));
                    }
                    Request exists = Request.cmd(Command.EXISTS);
                    digests.forEach(exists::arg);
                    // a result whose images Redis has evicted is no hit
                    return send(exists).map(count -> count != null && count.toInteger() == digests.size()
                            ? Optional.of(result) : Optional.<ResultCache.CachedResult>empty());
                })
                .onFailure().recoverWithItem(Optional.empty());
    }

    /** Stores a result; its images must be stored first ({@link #putImages}). */
    public Uni<Void> putResult(String key, ResultCache.CachedResult result) {
        return send(Request.cmd(Command.SET).arg(PREFIX + "result:" + key).arg(toJson(result))
                .arg("PX").arg(config.cache().ttl().toMillis()))
                .replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    /** Stores images so that every instance can serve their URLs. */
    public Uni<Void> putImages(List<ImageStore.StoredImage> images) {
        long ttl = config.cache().ttl().toMillis();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ImageStore.StoredImage image : images) {
            chain = chain.chain(() -> putImage(image, ttl));
        }
        return chain.onFailure().recoverWithNull();
    }

    private Uni<Void> putImage(ImageStore.StoredImage image, long ttlMillis) {
        byte[] mime = (image.mimeType() + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[mime.length + image.bytes().length];
        System.arraycopy(mime, 0, value, 0, mime.length);
        System.arraycopy(image.bytes(), 0, value, mime.length, image.bytes().length);
        return send(Request.cmd(Command.SET).arg(PREFIX + "image:" + image.digest()).arg(value).arg("PX").arg(ttlMillis))
                .replaceWithVoid();
    }

    public Uni<Optional<ImageStore.StoredImage>> image(String digest) {
        if (!usable()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return send(Request.cmd(Command.GET).arg(PREFIX + "image:" + digest))
                .map(response -> {
                    if (response == null) {
                        return Optional.<ImageStore.StoredImage>empty();
                    }
                    byte[] value = response.toBytes();
                    int newline = 0;
                    while (newline < value.length && value[newline] != '\n') {
                        newline++;
                    }
                    String mime = new String(value, 0, newline, StandardCharsets.US_ASCII);
                    byte[] bytes = java.util.Arrays.copyOfRange(value, Math.min(value.length, newline + 1), value.length);
                    return Optional.of(new ImageStore.StoredImage(digest, mime, bytes, System.nanoTime()));
                })
                .onFailure().recoverWithItem(Optional.empty());
    }

    // --- job logs ---------------------------------------------------------------------------

    public void putRequest(String jobId, JsonNode request) {
        send(Request.cmd(Command.SET).arg(PREFIX + "job:" + jobId + ":request").arg(request.toString())
                .arg("PX").arg(config.jobs().ttl().plus(config.jobs().orphanGrace()).toMillis() * 2))
                .subscribe().with(ok -> {
                }, failure -> {
                });
    }

    public Uni<Optional<JsonNode>> request(String jobId) {
        return send(Request.cmd(Command.GET).arg(PREFIX + "job:" + jobId + ":request"))
                .map(response -> response == null ? Optional.<JsonNode>empty() : Optional.of(readTree(response.toString())))
                .onFailure().recoverWithItem(Optional.empty());
    }

    /** Appends an event to the job's shared log; order on the wire does not matter, the id does. */
    public void appendEvent(String jobId, long id, String type, String json) {
        writeEvent(jobId, id, type, json).subscribe().with(ok -> {
        }, failure -> {
        });
    }

    /** The same, for a caller that must know the event is in Redis (writing it twice is harmless). */
    public Uni<Void> writeEvent(String jobId, long id, String type, String json) {
        String key = PREFIX + "job:" + jobId + ":events";
        String member = id + "\n" + type + "\n" + json;
        long ttl = config.jobs().ttl().toMillis() * 2;
        Uni<Response> add = send(Request.cmd(Command.ZADD).arg(key).arg(id).arg(member));
        boolean setsExpiry = id == 1 || "done".equals(type) || "error".equals(type);
        return (setsExpiry ? add.chain(() -> send(Request.cmd(Command.PEXPIRE).arg(key).arg(ttl))) : add)
                .replaceWithVoid();
    }

    /** Events with an id above {@code afterId}, in order. */
    public Uni<List<StoredEvent>> events(String jobId, long afterId) {
        return send(Request.cmd(Command.ZRANGEBYSCORE).arg(PREFIX + "job:" + jobId + ":events").arg("(" + afterId).arg("+inf"))
                .map(response -> {
                    List<StoredEvent> events = new ArrayList<>();
                    if (response != null) {
                        for (Response member : response) {
                            String text = member.toString();
                            int a = text.indexOf('\n');
                            int b = text.indexOf('\n', a + 1);
                            events.add(new StoredEvent(Long.parseLong(text.substring(0, a)), text.substring(a + 1, b),
                                    (ObjectNode) readTree(text.substring(b + 1))));
                        }
                    }
                    return events;
                });
    }

    // --- cross-instance coalescing ------------------------------------------------------------

    /** Takes the key's lock for this job; true when this job now owns it. */
    public Uni<Boolean> lock(String key, String jobId, Duration ttl) {
        return send(Request.cmd(Command.SET).arg(PREFIX + "lock:" + key).arg(INSTANCE + "|" + jobId)
                .arg("NX").arg("PX").arg(ttl.toMillis()))
                .map(response -> response != null && "OK".equals(response.toString()));
    }

    /** The job id holding the key's lock, if any. */
    public Uni<Optional<String>> lockHolder(String key) {
        return send(Request.cmd(Command.GET).arg(PREFIX + "lock:" + key))
                .map(response -> response == null ? Optional.<String>empty()
                        : Optional.of(response.toString().substring(response.toString().indexOf('|') + 1)));
    }

    /** Releases the lock if this job still holds it. */
    public Uni<Void> unlock(String key, String jobId) {
        String script = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
        return send(Request.cmd(Command.EVAL).arg(script).arg(1).arg(PREFIX + "lock:" + key).arg(INSTANCE + "|" + jobId))
                .replaceWithVoid();
    }

    // --- plumbing -----------------------------------------------------------------------------

    /** One command; a failure marks the backend degraded and is passed on. */
    Uni<Response> send(Request request) {
        if (!usable()) {
            return Uni.createFrom().failure(new IllegalStateException("redis degraded"));
        }
        return redis.get().getRedis().send(request)
                .ifNoItem().after(Duration.ofSeconds(2)).fail()
                .onFailure().invoke(this::markDegraded);
    }

    private void markDegraded(Throwable failure) {
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
        redis.get().getRedis().send(Request.cmd(Command.PING))
                .ifNoItem().after(Duration.ofSeconds(2)).fail()
                .subscribe().with(ok -> {
                    if (degraded.compareAndSet(true, false)) {
                        LOG.info("Redis is reachable again; sharing results across instances");
                    }
                }, this::markDegraded);
    }

    private String toJson(ResultCache.CachedResult result) {
        ObjectNode node = mapper.createObjectNode();
        var entries = node.putArray("entries");
        result.entries().forEach(e -> entries.addObject().put("type", e.type()).set("data", e.data()));
        node.set("done", result.done());
        return node.toString();
    }

    private ResultCache.CachedResult fromJson(String json) {
        JsonNode node = readTree(json);
        List<ResultCache.CachedResult.Entry> entries = new ArrayList<>();
        node.path("entries").forEach(e -> entries.add(new ResultCache.CachedResult.Entry(e.path("type").asText(),
                (ObjectNode) e.path("data"))));
        return new ResultCache.CachedResult(entries, (ObjectNode) node.path("done"));
    }

    private JsonNode readTree(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("unreadable JSON in Redis", e);
        }
    }
}

package imagen.gateway.cluster;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.config.GatewayConfig;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XAddArgs;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * Job logs on Redis: a Redis Stream per job ({@code imagen:job:<id>:log}) whose entry ids are the
 * SSE ids ({@code 0-<event id>}), so a replay after a {@code Last-Event-ID} is one {@code XRANGE};
 * and every append is published on {@code imagen:events:<id>}, so followers are pushed each event
 * the moment it is written. One pattern subscription per instance serves all its followers (a
 * blocking {@code XREAD} per follower would hold a pooled connection each). A follower registers
 * before it replays, so nothing falls between the two; gaps (a lost message) are refilled from the
 * stream. The request and the outcome sit beside the log ({@code :request}, {@code :outcome}).
 */
final class RedisJobLogs implements JobLogs {

    private static final Logger LOG = Logger.getLogger(RedisJobLogs.class);
    private static final String CHANNELS = RedisLink.PREFIX + "events:";

    private final RedisLink link;
    private final ObjectMapper mapper;
    private final GatewayConfig config;
    /** Per job, the completion of its last append: appends of one job are written in order. */
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final Map<String, List<Follower>> followers = new ConcurrentHashMap<>();
    private volatile Uni<Void> subscription;

    RedisJobLogs(RedisLink link, ObjectMapper mapper, GatewayConfig config) {
        this.link = link;
        this.mapper = mapper;
        this.config = config;
        // a subscription made before an outage is dead: the next follow makes a new one
        link.onRecovery(() -> {
            unsubscribed();
            if (!followers.isEmpty()) {
                subscribed().subscribe().with(ok -> {
                }, failure -> {
                });
            }
        });
    }

    @Override
    public boolean shared() {
        return link.usable();
    }

    @Override
    public void open(String jobId, Object request) {
        write(key(jobId, "request"), request).subscribe().with(ok -> {
        }, failure -> {
        });
    }

    @Override
    public void append(String jobId, JobEvent event) {
        tails.compute(jobId, (id, tail) -> {
            CompletableFuture<Void> previous = tail == null ? CompletableFuture.completedFuture(null) : tail;
            return previous.thenCompose(ignored -> writeEvent(jobId, event));
        });
        if (event.terminal()) {
            CompletableFuture<Void> last = tails.get(jobId);
            if (last != null) {
                last.whenComplete((ok, failure) -> tails.remove(jobId, last));
            }
        }
    }

    private CompletionStage<Void> writeEvent(String jobId, JobEvent event) {
        Map<String, String> fields = new HashMap<>();
        fields.put("type", event.type());
        fields.put("json", event.json());
        if (event.digest() != null) {
            fields.put("digest", event.digest());
        }
        String log = key(jobId, "log");
        Uni<Void> add = link.guard(() -> link.ds().stream(String.class).xadd(log, new XAddArgs().id("0-" + event.id()), fields))
                .replaceWithVoid();
        if (event.id() == 1 || event.terminal()) {
            add = add.chain(() -> link.guard(() -> link.ds().key().pexpire(log, retention())).replaceWithVoid());
        }
        return add.chain(() -> link.guard(() -> link.ds().pubsub(JobEvent.class).publish(CHANNELS + jobId, event)))
                .onFailure().recoverWithNull()
                .subscribeAsCompletionStage();
    }

    @Override
    public Uni<Void> flushed(String jobId) {
        CompletableFuture<Void> tail = tails.get(jobId);
        return tail == null ? Uni.createFrom().voidItem() : Uni.createFrom().completionStage(tail);
    }

    @Override
    public Uni<Void> putOutcome(String jobId, Object outcome) {
        return write(key(jobId, "outcome"), outcome);
    }

    @Override
    public <T> Uni<Optional<T>> outcome(String jobId, Class<T> type) {
        return read(key(jobId, "outcome"), type);
    }

    @Override
    public <T> Uni<Optional<T>> request(String jobId, Class<T> type) {
        return read(key(jobId, "request"), type);
    }

    @Override
    public Multi<JobEvent> follow(String jobId, long afterId) {
        if (!link.usable()) {
            return Multi.createFrom().empty();
        }
        return Multi.createFrom().emitter(emitter -> {
            Follower follower = new Follower(jobId, afterId, emitter);
            followers.computeIfAbsent(jobId, id -> new CopyOnWriteArrayList<>()).add(follower);
            emitter.onTermination(() -> followers.computeIfPresent(jobId, (id, list) -> {
                list.remove(follower);
                return list.isEmpty() ? null : list;
            }));
            // registered first, then subscribed and replayed: an event is either replayed or pushed
            subscribed().chain(follower::refill).subscribe().with(ok -> {
            }, emitter::fail);
        });
    }

    /** One stream's view of a log: delivers each event once, in order, refilling gaps from the stream. */
    private final class Follower {
        final String jobId;
        final MultiEmitter<? super JobEvent> emitter;
        long last;

        Follower(String jobId, long afterId, MultiEmitter<? super JobEvent> emitter) {
            this.jobId = jobId;
            this.last = afterId;
            this.emitter = emitter;
        }

        synchronized void pushed(JobEvent event) {
            if (event.id() == last + 1) {
                deliver(event);
            } else if (event.id() > last + 1) {
                refill().subscribe().with(ok -> {
                }, emitter::fail);
            }
        }

        Uni<Void> refill() {
            long from;
            synchronized (this) {
                from = last;
            }
            return link.guard(() -> link.ds().stream(String.class).xrange(key(jobId, "log"),
                    StreamRange.of("(0-" + from, "+")))
                    .invoke(messages -> {
                        synchronized (this) {
                            for (StreamMessage<String, String, String> message : messages) {
                                JobEvent event = fromStream(message);
                                if (event.id() == last + 1) {
                                    deliver(event);
                                }
                            }
                        }
                    })
                    .replaceWithVoid();
        }

        private void deliver(JobEvent event) {
            last = event.id();
            emitter.emit(event);
            if (event.terminal()) {
                emitter.complete();
            }
        }
    }

    /**
     * The instance's one pattern subscription, made on first follow. It counts as made once a probe
     * published on a channel of the pattern comes back: the subscribe command's own reply can get
     * lost in the client (a "No handler waiting for message" race), the probe cannot. When the
     * subscription ends (Redis went away) the next follow makes a new one, and every follower then
     * refills what it may have missed.
     */
    private Uni<Void> subscribed() {
        Uni<Void> current = subscription;
        if (current == null) {
            synchronized (this) {
                if (subscription == null) {
                    boolean again = everSubscribed;
                    CompletableFuture<Void> confirmed = new CompletableFuture<>();
                    probe = confirmed;
                    link.ds().pubsub(JobEvent.class)
                            .subscribeToPattern(CHANNELS + "*", this::dispatch, this::unsubscribed, failure -> unsubscribed())
                            .subscribe().with(subscriber -> confirmed.complete(null), confirmed::completeExceptionally);
                    Uni<Void> probed = Multi.createFrom().ticks().every(java.time.Duration.ofMillis(50))
                            .onItem().transformToUniAndConcatenate(tick -> link.ds().pubsub(JobEvent.class)
                                    .publish(PROBE, new JobEvent(0, "probe", "{}", null)).onFailure().recoverWithNull())
                            .select().where(sent -> confirmed.isDone()).toUni().replaceWithVoid();
                    subscription = Uni.combine().any().of(Uni.createFrom().completionStage(confirmed), probed)
                            .replaceWithVoid()
                            .ifNoItem().after(java.time.Duration.ofSeconds(5)).fail()
                            .invoke(() -> {
                                everSubscribed = true;
                                if (again) {
                                    refillAll();
                                }
                            })
                            .onFailure().invoke(failure -> {
                                LOG.warnf("cannot subscribe to job events: %s", failure.toString());
                                unsubscribed();
                            })
                            .memoize().indefinitely();
                }
                current = subscription;
            }
        }
        return current;
    }

    /** The channel this instance probes its own subscription on. */
    private static final String PROBE = CHANNELS + "~probe-" + RedisLocks.INSTANCE;
    private volatile CompletableFuture<Void> probe;

    private volatile boolean everSubscribed;

    private void unsubscribed() {
        subscription = null;
    }

    /** After a new subscription: what was pushed while there was none is read from the streams. */
    private void refillAll() {
        followers.values().forEach(list -> list.forEach(follower -> follower.refill().subscribe().with(ok -> {
        }, follower.emitter::fail)));
    }

    private void dispatch(String channel, JobEvent event) {
        if (PROBE.equals(channel)) {
            CompletableFuture<Void> waiting = probe;
            if (waiting != null) {
                waiting.complete(null);
            }
            return;
        }
        List<Follower> listening = followers.get(channel.substring(CHANNELS.length()));
        if (listening != null) {
            listening.forEach(follower -> follower.pushed(event));
        }
    }

    private static JobEvent fromStream(StreamMessage<String, String, String> message) {
        String id = message.id();
        long seq = Long.parseLong(id.substring(id.indexOf('-') + 1));
        Map<String, String> fields = message.payload();
        return new JobEvent(seq, fields.get("type"), fields.get("json"), fields.get("digest"));
    }

    private Uni<Void> write(String key, Object value) {
        if (!link.usable()) {
            return Uni.createFrom().voidItem();
        }
        String json;
        try {
            json = mapper.writeValueAsString(value);
        } catch (Exception e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot write " + key, e));
        }
        return link.guard(() -> link.ds().value(String.class).psetex(key, retention(), json))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private <T> Uni<Optional<T>> read(String key, Class<T> type) {
        if (!link.usable()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return link.guard(() -> link.ds().value(String.class).get(key))
                .map(json -> {
                    if (json == null) {
                        return Optional.<T>empty();
                    }
                    try {
                        return Optional.of(mapper.readValue(json, type));
                    } catch (Exception unreadable) {
                        LOG.warnf("unreadable %s in Redis: %s", key, unreadable.getMessage());
                        return Optional.<T>empty();
                    }
                })
                .onFailure().recoverWithItem(Optional.empty());
    }

    /** Shared logs outlive the local job so that a stream may resume late. */
    private long retention() {
        return config.jobs().ttl().plus(config.jobs().orphanGrace()).toMillis() * 2;
    }

    private static String key(String jobId, String part) {
        return RedisLink.PREFIX + "job:" + jobId + ":" + part;
    }
}

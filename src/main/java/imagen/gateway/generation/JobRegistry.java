package imagen.gateway.generation;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.dedup.RedisBackend;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The jobs of this instance, with bounded retention: a finished job stays retrievable for
 * {@code imagen.jobs.ttl}; at most {@code imagen.jobs.max-jobs} are kept, and when that is reached
 * the oldest finished jobs go first. Running jobs are never dropped: when every kept job is still
 * running, new jobs are refused ({@link TooManyJobsException}) instead of growing without bound.
 */
@ApplicationScoped
public class JobRegistry {

    private static final Logger LOG = Logger.getLogger(JobRegistry.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    GatewayConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisBackend redis;

    @Inject
    Vertx vertx;

    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    /** Finished jobs in the order they finished: the eviction order. */
    private final ConcurrentLinkedQueue<Job> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger evicted = new AtomicInteger();

    JobRegistry(MeterRegistry metrics) {
        metrics.gaugeMapSize("imagen.jobs.kept", List.of(), jobs);
        metrics.gauge("imagen.jobs.evicted", evicted);
    }

    /** A new running job, registered under a fresh unguessable id. */
    public Job create(ImagenRequest request) {
        expire();
        int max = config.jobs().maxJobs();
        while (jobs.size() >= max) {
            Job oldest = finished.poll();
            if (oldest == null) {
                throw new TooManyJobsException(max);
            }
            remove(oldest);
        }
        Job job = new Job(newId(), request, mapper);
        if (redis.usable()) {
            // the log is shared, so a stream that reconnects to another instance resumes there
            redis.putRequest(job.id(), mapper.valueToTree(request.request()));
            job.sink(event -> redis.appendEvent(job.id(), event.id(), event.type(), event.json()));
        }
        jobs.put(job.id(), job);
        return job;
    }

    /** Whether job logs are shared with other instances right now. */
    public boolean shared() {
        return redis.usable();
    }

    /**
     * The job, from this instance or, with the Redis backend, adopted from the instance that runs
     * it: a local mirror of its shared log that follows it until its terminal event.
     */
    public Uni<Optional<Job>> find(String id) {
        Optional<Job> local = get(id);
        if (local.isPresent() || !redis.usable() || !id.startsWith("gen_")) {
            return Uni.createFrom().item(local);
        }
        return redis.request(id).chain(request -> {
            if (request.isEmpty()) {
                return Uni.createFrom().item(Optional.<Job>empty());
            }
            return redis.events(id, 0).map(events -> {
                if (events.isEmpty()) {
                    return Optional.<Job>empty();
                }
                Job mirror;
                try {
                    GenerationRequest raw = mapper.treeToValue(request.get(), GenerationRequest.class);
                    mirror = new Job(id, ImagenRequest.of(raw, config.defaultModel(), java.util.Map.of()), mapper);
                } catch (Exception unreadable) {
                    LOG.warnf("job %s in Redis has an unreadable request: %s", id, unreadable.getMessage());
                    return Optional.<Job>empty();
                }
                Job existing = jobs.putIfAbsent(id, mirror);
                if (existing != null) {
                    return Optional.of(existing);
                }
                follow(mirror, events);
                return Optional.of(mirror);
            });
        }).onFailure().recoverWithItem(local);
    }

    /** Copies the shared log into a local job, polling until its terminal event (bounded by the job TTL). */
    public void follow(Job mirror, List<RedisBackend.StoredEvent> first) {
        long deadline = System.nanoTime() + config.jobs().ttl().toNanos();
        copy(mirror, first);
        if (mirror.finished()) {
            finished(mirror);
            return;
        }
        vertx.setPeriodic(250, timer -> {
            if (mirror.finished() || System.nanoTime() > deadline) {
                vertx.cancelTimer(timer);
                return;
            }
            redis.events(mirror.id(), mirror.events().size()).subscribe().with(events -> {
                copy(mirror, events);
                if (mirror.finished()) {
                    vertx.cancelTimer(timer);
                    finished(mirror);
                }
            }, failure -> {
            });
        });
    }

    private static void copy(Job mirror, List<RedisBackend.StoredEvent> events) {
        synchronized (mirror) {
            for (RedisBackend.StoredEvent event : events) {
                if (event.id() == mirror.events().size() + 1L) {
                    mirror.append(event.type(), event.data());
                }
            }
        }
    }

    public Optional<Job> get(String id) {
        expire();
        return Optional.ofNullable(jobs.get(id));
    }

    /** Called once a job has its terminal event: from now on its retention clock runs. */
    void finished(Job job) {
        finished.add(job);
    }

    private void expire() {
        Instant cutoff = Instant.now().minus(config.jobs().ttl());
        Job head;
        while ((head = finished.peek()) != null && head.finishedAt() != null && head.finishedAt().isBefore(cutoff)) {
            if (finished.remove(head)) {
                remove(head);
            }
        }
    }

    private void remove(Job job) {
        if (jobs.remove(job.id(), job)) {
            evicted.incrementAndGet();
            LOG.debugf("job %s evicted", job.id());
        }
    }

    private static String newId() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return "gen_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Every kept job is still running: the instance is at its job bound. */
    public static class TooManyJobsException extends RuntimeException {
        public TooManyJobsException(int max) {
            super("this instance already runs " + max + " jobs; try again shortly", null, false, false);
        }
    }
}

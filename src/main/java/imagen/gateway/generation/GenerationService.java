package imagen.gateway.generation;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.api.Problem;
import imagen.gateway.config.GatewayConfig;
import imagen.gateway.config.TaggedCounters;
import imagen.gateway.dedup.ImageStore;
import imagen.gateway.dedup.RedisBackend;
import imagen.gateway.dedup.RequestKey;
import imagen.gateway.dedup.ResultCache;
import imagen.gateway.vertex.AttemptListener;
import imagen.gateway.vertex.PredictResponse;
import imagen.gateway.vertex.PredictResponse.Prediction;
import imagen.gateway.vertex.UpstreamException;
import imagen.gateway.vertex.VertexClient;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;

/**
 * Runs generations as jobs. The path of one request, in order:
 * <ol>
 * <li>validate and canonicalise (done by the caller: {@link ImagenRequest});</li>
 * <li>register a job; a deterministic request (seed set, watermark off) is then <b>coalesced</b>
 * onto an identical one in flight, or answered from the <b>result cache</b>, and logs
 * {@code accepted} with {@code cache} coalesced, hit or miss; unseeded requests are never shared;</li>
 * <li>call the upstream through {@link VertexClient} — retry with failover, bulkhead, breaker per
 * location, attempt timeout, in that order — logging each {@code attempt} and {@code retry};</li>
 * <li>store the decoded images by digest in {@link ImageStore}, log one {@code image} or
 * {@code filtered} per prediction, then {@code done}; any failure becomes the one {@code error}.</li>
 * </ol>
 * A job runs independently of its viewers. An unseeded job that nobody has watched for
 * {@code imagen.jobs.orphan-grace} is cancelled; a seeded one always runs to its end, since others
 * may share its result.
 */
@ApplicationScoped
public class GenerationService {

    private static final Logger LOG = Logger.getLogger(GenerationService.class);
    /** Up to this many image bytes per answer are hashed on the event loop (≈ 0.1 ms of SHA-256). */
    static final long INLINE_COMPLETION_BYTES = 64 * 1024;

    @Inject
    GatewayConfig config;

    @Inject
    JobRegistry jobs;

    @Inject
    VertexClient vertex;

    @Inject
    ImageStore images;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    @Inject
    TaggedCounters counters;

    @Inject
    ResultCache results;

    @Inject
    RedisBackend redis;

    /** Deterministic generations being computed, by request key: the leaders others coalesce onto. */
    private final ConcurrentHashMap<String, Job> inFlight = new ConcurrentHashMap<>();

    /**
     * Starts a generation and returns its job at once; the work goes on in the background.
     *
     * @param simulatorFault fault for the embedded simulator to inject (tests, demos); ignored for Vertex
     */
    public Job submit(ImagenRequest request, String simulatorFault) {
        Job job = jobs.create(request);
        if (!request.deterministic()) {
            // unseeded: every call is a new image; never shared, cancelled when nobody watches
            accept(job, "miss");
            callUpstream(job, simulatorFault, null);
            scheduleOrphanCheck(job, config.jobs().orphanGrace());
            return job;
        }
        String key = RequestKey.of(request);
        // 1. coalesce: an identical generation in flight here (or just finished) is followed, not repeated
        Job leader = inFlight.putIfAbsent(key, job);
        if (leader != null) {
            accept(job, "coalesced");
            mirror(leader, job);
            return job;
        }
        // 2. cache: checked after taking the in-flight slot, so a leader finishing in between is seen
        Optional<ResultCache.CachedResult> cached = results.get(key);
        if (cached.isPresent()) {
            inFlight.remove(key, job);
            accept(job, "hit");
            replay(job, cached.get());
            return job;
        }
        if (!redis.usable()) {
            // 3. the one upstream call for this key
            accept(job, "miss");
            callUpstream(job, simulatorFault, key);
            return job;
        }
        // 3'. with Redis: the other instances' cache, then one lock per key across instances;
        // the job is returned at once and logs `accepted` when this is decided
        redis.result(key)
                .chain(shared -> {
                    if (shared.isPresent()) {
                        inFlight.remove(key, job);
                        results.put(key, shared.get());
                        accept(job, "hit");
                        replay(job, shared.get());
                        return Uni.createFrom().item(job);
                    }
                    return lockOrFollow(job, key, simulatorFault);
                })
                .onFailure().recoverWithItem(() -> {
                    if (job.events().isEmpty()) {
                        accept(job, "miss");
                        callUpstream(job, simulatorFault, key);
                    }
                    return job;
                })
                .subscribe().with(decided -> {
                });
        return job;
    }

    /** The job once its {@code accepted} event is logged (at once, unless Redis is being asked). */
    public Uni<Job> accepted(Job job) {
        if (!job.events().isEmpty()) {
            return Uni.createFrom().item(job);
        }
        return Uni.createFrom().emitter(emitter -> {
            Job.View view = job.follow(0, event -> emitter.complete(job));
            emitter.onTermination(view::close);
        });
    }

    /** Takes the key's lock and calls upstream, or follows the instance that holds it. */
    private Uni<Job> lockOrFollow(Job job, String key, String simulatorFault) {
        return redis.lock(key, job.id(), lockTtl()).chain(owned -> {
            if (owned) {
                accept(job, "miss");
                callUpstream(job, simulatorFault, key);
                return Uni.createFrom().item(job);
            }
            return redis.lockHolder(key).map(holder -> {
                if (holder.isEmpty()) {
                    // released in between: its result is cached by now, or the next identical request computes
                    accept(job, "miss");
                    callUpstream(job, simulatorFault, key);
                } else {
                    accept(job, "coalesced");
                    followRemote(job, holder.get(), key, simulatorFault);
                }
                return job;
            });
        });
    }

    /**
     * Mirrors the events of the job another instance runs for the same key. If that instance goes
     * away (its lock vanishes with no terminal event), this job takes the lock and computes itself.
     */
    private void followRemote(Job job, String holderId, String key, String simulatorFault) {
        long[] copied = {1};
        long deadline = System.nanoTime() + lockTtl().toNanos();
        vertx.setPeriodic(200, timer -> {
            if (job.finished() || System.nanoTime() > deadline) {
                vertx.cancelTimer(timer);
                if (!job.finished()) {
                    fail(job, new UpstreamException(504, "DEADLINE_EXCEEDED",
                            "the instance computing this identical request did not finish in time", true, null), null);
                    inFlight.remove(key, job);
                }
                return;
            }
            redis.events(holderId, copied[0]).chain(events -> {
                copyRemote(job, key, events, copied);
                if (job.finished()) {
                    return Uni.createFrom().voidItem();
                }
                return redis.lockHolder(key).chain(holder -> {
                    if (holder.isPresent() && holder.get().equals(holderId)) {
                        return Uni.createFrom().voidItem();
                    }
                    // the lock is gone: the holder wrote its terminal event before releasing it, so read once more
                    return redis.events(holderId, copied[0]).chain(late -> {
                        copyRemote(job, key, late, copied);
                        if (job.finished()) {
                            return Uni.createFrom().voidItem();
                        }
                        // the holder went away without a result: take over, unless someone else did
                        return redis.lock(key, job.id(), lockTtl()).invoke(owned -> {
                            if (owned && !job.finished()) {
                                vertx.cancelTimer(timer);
                                LOG.warnf("job %s: instance running %s went away; computing itself", job.id(), holderId);
                                callUpstream(job, simulatorFault, key);
                            }
                        }).replaceWithVoid();
                    });
                });
            }).subscribe().with(ok -> {
            }, failure -> {
                // Redis went away while following: compute here rather than wait for nothing
                if (!job.finished() && redis.degraded()) {
                    vertx.cancelTimer(timer);
                    callUpstream(job, simulatorFault, key);
                }
            });
        });
    }

    /** Appends the holder's next events, in id order, to the following job; polls may overlap. */
    private void copyRemote(Job job, String key, List<RedisBackend.StoredEvent> events, long[] copied) {
        synchronized (job) {
            for (var event : events) {
                if (event.id() != copied[0] + 1) {
                    continue;
                }
                copied[0] = event.id();
                if (appendCoalesced(job, event.type(), event.data())) {
                    inFlight.remove(key, job);
                }
            }
        }
    }

    /**
     * Appends a leader's event to a job coalesced onto it: its {@code done} says {@code coalesced}
     * and the follower's own total time. Returns true when this ended the follower.
     */
    private boolean appendCoalesced(Job follower, String type, ObjectNode data) {
        if (JobEvent.DONE.equals(type)) {
            data = data.deepCopy().put("cache", "coalesced").put("totalMs", elapsedMs(follower.createdAt()));
        }
        boolean terminal = JobEvent.DONE.equals(type) || JobEvent.ERROR.equals(type);
        if (follower.append(type, data) && terminal) {
            finished(follower, JobEvent.DONE.equals(type) ? "succeeded" : "failed");
            return true;
        }
        return false;
    }

    /** How long one instance may hold a key: the worst-case budget of one generation, plus slack. */
    private Duration lockTtl() {
        var r = config.resilience();
        Duration wait = r.maxBackoff().compareTo(r.maxServerWait()) > 0 ? r.maxBackoff() : r.maxServerWait();
        return r.attemptTimeout().multipliedBy(r.maxRetries() + 1L).plus(wait.multipliedBy(r.maxRetries()))
                .plusSeconds(10);
    }

    private void accept(Job job, String cache) {
        counters.get("imagen.cache.requests", "result", cache).increment();
        ImagenRequest request = job.request();
        job.append(JobEvent.ACCEPTED, mapper.createObjectNode()
                .put("id", job.id())
                .put("model", request.model())
                .put("sampleCount", request.sampleCount())
                .put("deterministic", request.deterministic())
                .put("cache", cache));
    }

    private void callUpstream(Job job, String simulatorFault, String key) {
        long upstreamStart = System.nanoTime();
        AtomicInteger attempts = new AtomicInteger();
        AttemptListener events = new AttemptListener() {
            @Override
            public void onAttempt(int attempt, String location) {
                attempts.set(attempt);
                job.append(JobEvent.ATTEMPT, mapper.createObjectNode().put("attempt", attempt).put("location", location));
            }

            @Override
            public void onRetry(int attempt, UpstreamException failure, long delayMs) {
                job.append(JobEvent.RETRY, mapper.createObjectNode()
                        .put("attempt", attempt)
                        .put("status", failure.httpStatus())
                        .put("reason", failure.vertexStatus())
                        .put("detail", failure.getMessage())
                        .put("delayMs", delayMs));
            }
        };
        job.attachWork(vertex.predict(job.request(), simulatorFault, events)
                .subscribe().with(
                        response -> {
                            // decided once: Redis is only waited for on a worker, never on an event loop
                            boolean share = redis.usable();
                            Runnable completion = () -> {
                                complete(job, key, response, attempts.get(), elapsedMs(upstreamStart), share);
                                release(key, job);
                            };
                            if (completesOnWorker(response, share)) {
                                Infrastructure.getDefaultWorkerPool().execute(completion);
                            } else {
                                completion.run();
                            }
                        },
                        failure -> {
                            fail(job, failure instanceof UpstreamException u ? u : null, failure);
                            // failures are never cached: the next identical request calls again
                            release(key, job);
                        }));
    }

    /**
     * Completing hashes every image and, with Redis, waits for the shared copies: on a worker then,
     * so an event loop is never held. A small answer without Redis completes where it arrived,
     * sparing a thread hop per request.
     */
    private static boolean completesOnWorker(PredictResponse response, boolean share) {
        if (share) {
            return true;
        }
        long bytes = 0;
        for (Prediction prediction : response.predictionsOrEmpty()) {
            bytes += prediction.bytesBase64Encoded() == null ? 0 : prediction.bytesBase64Encoded().length;
        }
        return bytes > INLINE_COMPLETION_BYTES;
    }

    private void release(String key, Job job) {
        if (key != null) {
            inFlight.remove(key, job);
            if (redis.usable()) {
                // the terminal event must be in Redis before the lock goes: a waiter that sees no lock
                // and no terminal event takes over, and would call upstream a second time
                List<JobEvent> events = job.events();
                JobEvent last = events.get(events.size() - 1);
                redis.writeEvent(job.id(), last.id(), last.type(), last.json())
                        .onFailure().recoverWithNull()
                        .chain(() -> redis.unlock(key, job.id()))
                        .subscribe().with(ok -> {
                        }, failure -> {
                        });
            }
        }
    }

    /** A coalesced job shows the leader's events as its own, from the attempts on. */
    private void mirror(Job leader, Job follower) {
        leader.follow(1, event -> appendCoalesced(follower, event.type(), event.data()));
    }

    /** A cache hit: the stored result's events, at once, with no upstream call. */
    private void replay(Job job, ResultCache.CachedResult result) {
        for (ResultCache.CachedResult.Entry entry : result.entries()) {
            job.append(entry.type(), entry.data());
        }
        ObjectNode done = result.done().deepCopy()
                .put("cache", "hit").put("attempts", 0).put("upstreamMs", 0)
                .put("totalMs", elapsedMs(job.createdAt()));
        if (job.append(JobEvent.DONE, done)) {
            finished(job, "succeeded");
        }
    }

    /**
     * A view of the job's log: replays events after {@code afterId}, then follows. Closing the last
     * view of an unseeded job starts its orphan grace.
     */
    public Job.View follow(Job job, long afterId, Consumer<JobEvent> listener) {
        Job.View view = job.follow(afterId, listener);
        return () -> {
            view.close();
            if (job.views() == 0 && !job.finished()) {
                scheduleOrphanCheck(job, config.jobs().orphanGrace());
            }
        };
    }

    /**
     * The job once it has its terminal event, as a view: cancelling the returned Uni (the caller went
     * away) detaches the view, which starts an unseeded job's orphan grace.
     */
    public io.smallrye.mutiny.Uni<Job> whenFinished(Job job) {
        return io.smallrye.mutiny.Uni.createFrom().emitter(emitter -> {
            var finished = new java.util.concurrent.atomic.AtomicBoolean();
            var view = new java.util.concurrent.atomic.AtomicReference<Job.View>();
            emitter.onTermination(() -> {
                finished.set(true);
                Job.View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            });
            // a finished job replays its terminal event at once
            view.set(follow(job, 0, event -> {
                if (event.terminal()) {
                    emitter.complete(job);
                }
            }));
            if (finished.get()) {
                Job.View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            }
        });
    }

    private void complete(Job job, String key, PredictResponse response, int attempts, long upstreamMs, boolean share) {
        // store every image before any event names it, here and (with Redis) for the other instances
        List<ObjectNode> imageData = new java.util.ArrayList<>();
        List<ImageStore.StoredImage> stored = new java.util.ArrayList<>();
        int index = 0;
        for (Prediction prediction : response.predictionsOrEmpty()) {
            if (prediction.isImage()) {
                imageData.add(imageEvent(index++, prediction, stored));
            } else if (prediction.isFiltered()) {
                imageData.add(mapper.createObjectNode().put("index", index++).put("reason", prediction.raiFilteredReason()));
            }
        }
        if (share && redis.usable() && !stored.isEmpty()) {
            awaitQuietly(redis.putImages(stored));
        }
        int imageCount = 0;
        int filteredCount = 0;
        for (ObjectNode data : imageData) {
            if (data.has("reason")) {
                job.append(JobEvent.FILTERED, data);
                filteredCount++;
            } else {
                job.append(JobEvent.IMAGE, data);
                imageCount++;
            }
        }
        // Vertex drops filtered images silently when includeRaiReason is false: count them anyway
        filteredCount = Math.max(filteredCount, job.request().sampleCount() - imageCount);
        long totalMs = elapsedMs(job.createdAt());
        ObjectNode done = mapper.createObjectNode()
                .put("images", imageCount)
                .put("filtered", filteredCount)
                .put("cache", "miss")
                .put("attempts", attempts)
                .put("upstreamMs", upstreamMs)
                .put("totalMs", totalMs);
        response.predictionsOrEmpty().stream()
                .filter(p -> !p.isImage() && !p.isFiltered() && p.safetyAttributes() != null)
                .findFirst()
                .ifPresent(p -> done.set("promptSafetyAttributes", p.safetyAttributes()));
        if (key != null) {
            // cached before the leader lets go of its in-flight slot and lock, so no identical request slips between
            List<ResultCache.CachedResult.Entry> entries = job.events().stream()
                    .filter(e -> e.type().equals(JobEvent.IMAGE) || e.type().equals(JobEvent.FILTERED))
                    .map(e -> new ResultCache.CachedResult.Entry(e.type(), e.data()))
                    .toList();
            ResultCache.CachedResult result = new ResultCache.CachedResult(entries, done);
            results.put(key, result);
            if (share && redis.usable()) {
                awaitQuietly(redis.putResult(key, result));
            }
        }
        if (job.append(JobEvent.DONE, done)) {
            finished(job, "succeeded");
            // DEBUG: one console line per success cost 6 % of the CPU at saturation; Cloud Run logs every
            // request anyway, and failures, retries and breaker changes stay at INFO and above
            LOG.debugf("job %s done: %d images, %d filtered, upstream %d ms, total %d ms", job.id(), imageCount,
                    filteredCount, upstreamMs, totalMs);
        }
    }

    /** Runs on a worker: waits a bounded time for Redis, and carries on without it. */
    private static void awaitQuietly(Uni<Void> write) {
        try {
            write.await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException slow) {
            LOG.debugf("redis write not confirmed: %s", slow.toString());
        }
    }

    private ObjectNode imageEvent(int index, Prediction prediction, List<ImageStore.StoredImage> stored) {
        ObjectNode data = mapper.createObjectNode().put("index", index);
        String mimeType = prediction.mimeType() != null ? prediction.mimeType() : "image/png";
        data.put("mimeType", mimeType);
        if (prediction.bytesBase64Encoded() != null && prediction.bytesBase64Encoded().length > 0) {
            ImageStore.StoredImage image = images.put(prediction.bytesBase64Encoded(), mimeType);
            stored.add(image);
            data.put("url", "/v1/images/" + image.digest());
            data.put("bytes", image.bytes().length);
            data.put("sha256", image.digest());
        }
        if (prediction.prompt() != null) {
            data.put("prompt", prediction.prompt());
        }
        if (prediction.gcsUri() != null) {
            data.put("gcsUri", prediction.gcsUri());
        }
        if (prediction.safetyAttributes() != null) {
            data.set("safetyAttributes", prediction.safetyAttributes());
        }
        return data;
    }

    private void fail(Job job, UpstreamException upstream, Throwable failure) {
        Problem problem;
        if (upstream != null) {
            problem = Problem.upstream(upstream, "/v1/generations/" + job.id());
        } else {
            LOG.errorf(failure, "job %s failed unexpectedly", job.id());
            problem = Problem.of("internal", 500, "the generation failed inside the gateway", "/v1/generations/" + job.id());
        }
        if (job.append(JobEvent.ERROR, mapper.valueToTree(problem))) {
            finished(job, "failed");
            LOG.infof("job %s failed: %d %s (%s)", job.id(), problem.status(), problem.vertexStatus(), problem.detail());
        }
    }

    /** Cancels an unseeded job nobody watches: its result would reach no one. */
    private void scheduleOrphanCheck(Job job, Duration delay) {
        if (job.deterministic() || job.finished()) {
            return;
        }
        long timerId = vertx.setTimer(Math.max(1, delay.toMillis()), timer -> {
            job.orphanTimer(-1);
            if (job.finished() || job.views() > 0) {
                return;
            }
            long grace = config.jobs().orphanGrace().toNanos();
            long idle = job.nanosSinceInterest();
            if (idle < grace) {
                scheduleOrphanCheck(job, Duration.ofNanos(grace - idle));
                return;
            }
            var work = job.detachWork();
            if (work != null) {
                work.cancel();
            }
            Problem problem = new Problem("urn:imagen-gateway:problem:cancelled", "Client Closed Request", 499,
                    "cancelled: an unseeded generation that nobody watched for "
                            + config.jobs().orphanGrace().toMillis() + " ms",
                    "/v1/generations/" + job.id(), null, "CANCELLED", true, null);
            if (job.append(JobEvent.ERROR, mapper.valueToTree(problem), Job.Status.CANCELLED)) {
                finished(job, "cancelled");
                LOG.infof("job %s cancelled: no viewer for %d ms", job.id(), TimeUnit.NANOSECONDS.toMillis(idle));
            }
        });
        long previous = job.orphanTimer(timerId);
        if (previous >= 0 && previous != timerId) {
            vertx.cancelTimer(previous);
        }
    }

    private void finished(Job job, String outcome) {
        long orphanTimer = job.orphanTimer(-1);
        if (orphanTimer >= 0) {
            // a pending timer would keep the finished job in memory for the whole grace period
            vertx.cancelTimer(orphanTimer);
        }
        jobs.finished(job);
        counters.get("imagen.jobs.finished", "outcome", outcome).increment();
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static long elapsedMs(java.time.Instant since) {
        return Duration.between(since, java.time.Instant.now()).toMillis();
    }
}

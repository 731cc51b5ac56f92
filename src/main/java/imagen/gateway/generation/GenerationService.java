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
import imagen.gateway.dedup.ImageStore;
import imagen.gateway.dedup.RequestKey;
import imagen.gateway.dedup.ResultCache;
import imagen.gateway.vertex.AttemptListener;
import imagen.gateway.vertex.PredictResponse;
import imagen.gateway.vertex.PredictResponse.Prediction;
import imagen.gateway.vertex.UpstreamException;
import imagen.gateway.vertex.VertexClient;
import io.micrometer.core.instrument.MeterRegistry;
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
    MeterRegistry metrics;

    @Inject
    ResultCache results;

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
        // 1. coalesce: an identical generation in flight (or just finished) is followed, not repeated
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
        // 3. the one upstream call for this key
        accept(job, "miss");
        callUpstream(job, simulatorFault, key);
        return job;
    }

    private void accept(Job job, String cache) {
        metrics.counter("imagen.cache.requests", List.of(io.micrometer.core.instrument.Tag.of("result", cache))).increment();
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
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(
                        response -> complete(job, key, response, attempts.get(), elapsedMs(upstreamStart)),
                        failure -> {
                            fail(job, failure instanceof UpstreamException u ? u : null, failure);
                            if (key != null) {
                                // failures are never cached: the next identical request calls again
                                inFlight.remove(key, job);
                            }
                        }));
    }

    /** A coalesced job shows the leader's events as its own, from the attempts on. */
    private void mirror(Job leader, Job follower) {
        leader.follow(1, event -> {
            ObjectNode data = event.data();
            if (event.type().equals(JobEvent.DONE)) {
                data = data.deepCopy().put("cache", "coalesced").put("totalMs", elapsedMs(follower.createdAt()));
            }
            if (follower.append(event.type(), data) && event.terminal()) {
                finished(follower, event.type().equals(JobEvent.DONE) ? "succeeded" : "failed");
            }
        });
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
            view.set(follow(job, Long.MAX_VALUE, event -> {
                if (event.terminal()) {
                    emitter.complete(job);
                }
            }));
            if (job.finished()) {
                emitter.complete(job);
            }
            if (finished.get()) {
                Job.View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            }
        });
    }

    private void complete(Job job, String key, PredictResponse response, int attempts, long upstreamMs) {
        int imageCount = 0;
        int filteredCount = 0;
        int index = 0;
        for (Prediction prediction : response.predictionsOrEmpty()) {
            if (prediction.isImage()) {
                job.append(JobEvent.IMAGE, imageEvent(index++, prediction));
                imageCount++;
            } else if (prediction.isFiltered()) {
                job.append(JobEvent.FILTERED, mapper.createObjectNode()
                        .put("index", index++)
                        .put("reason", prediction.raiFilteredReason()));
                filteredCount++;
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
            // cached before the leader lets go of its in-flight slot, so no identical request slips between
            List<ResultCache.CachedResult.Entry> entries = job.events().stream()
                    .filter(e -> e.type().equals(JobEvent.IMAGE) || e.type().equals(JobEvent.FILTERED))
                    .map(e -> new ResultCache.CachedResult.Entry(e.type(), e.data()))
                    .toList();
            results.put(key, new ResultCache.CachedResult(entries, done));
        }
        boolean appended = job.append(JobEvent.DONE, done);
        if (key != null) {
            inFlight.remove(key, job);
        }
        if (appended) {
            finished(job, "succeeded");
            LOG.infof("job %s done: %d images, %d filtered, upstream %d ms, total %d ms", job.id(), imageCount,
                    filteredCount, upstreamMs, totalMs);
        }
    }

    private ObjectNode imageEvent(int index, Prediction prediction) {
        ObjectNode data = mapper.createObjectNode().put("index", index);
        String mimeType = prediction.mimeType() != null ? prediction.mimeType() : "image/png";
        data.put("mimeType", mimeType);
        if (prediction.bytesBase64Encoded() != null && prediction.bytesBase64Encoded().length > 0) {
            ImageStore.StoredImage stored = images.put(prediction.bytesBase64Encoded(), mimeType);
            data.put("url", "/v1/images/" + stored.digest());
            data.put("bytes", stored.bytes().length);
            data.put("sha256", stored.digest());
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
        vertx.setTimer(Math.max(1, delay.toMillis()), timer -> {
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
    }

    private void finished(Job job, String outcome) {
        jobs.finished(job);
        metrics.counter("imagen.jobs.finished", List.of(io.micrometer.core.instrument.Tag.of("outcome", outcome)))
                .increment();
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static long elapsedMs(java.time.Instant since) {
        return Duration.between(since, java.time.Instant.now()).toMillis();
    }
}

package imagen.gateway.generation;

import java.time.Duration;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.cluster.JobLogs;
import imagen.gateway.cluster.KeyLocks;
import imagen.gateway.cluster.RedisLink;
import imagen.gateway.cluster.SharedImages;
import imagen.gateway.cluster.SharedResults;
import imagen.gateway.config.GatewayConfig;
import imagen.gateway.config.TaggedCounters;
import imagen.gateway.dedup.CacheFill;
import imagen.gateway.dedup.CacheLookup;
import imagen.gateway.dedup.Coalescing;
import imagen.gateway.dedup.FollowedFailure;
import imagen.gateway.dedup.ImageStoring;
import imagen.gateway.dedup.Outcome;
import imagen.gateway.dedup.Stage;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.Problem;
import imagen.gateway.upstream.Upstream;
import imagen.gateway.upstream.UpstreamException;

/**
 * Runs generations as jobs: a job is registered, sent down the request path ({@link #stack()}),
 * and ended with the events rendered from its outcome. The work goes on independently of whoever
 * watches the job.
 */
@ApplicationScoped
public class GenerationService {

    private static final Logger LOG = Logger.getLogger(GenerationService.class);

    @Inject
    GatewayConfig config;

    @Inject
    JobRegistry jobs;

    @Inject
    OrphanReaper reaper;

    @Inject
    Upstream upstream;

    @Inject
    SharedResults results;

    @Inject
    SharedImages images;

    @Inject
    KeyLocks locks;

    @Inject
    JobLogs logs;

    @Inject
    RedisLink redis;

    @Inject
    TaggedCounters counters;

    @Inject
    ObjectMapper mapper;

    private Events events;
    private Stage path;

    @PostConstruct
    void init() {
        events = new Events(mapper);
        path = stack(results, images, locks, logs, lockTtl(), redis.enabled(), upstream);
        reaper.onCancel(this::cancel);
    }

    /**
     * The path of one request, outermost first. Each stage decides or hands on; the upstream's own
     * order is {@code Guards.call}'s.
     */
    static Stage stack(SharedResults results, SharedImages images, KeyLocks locks, JobLogs logs, Duration lockTtl,
            boolean shared, Upstream upstream) {
        return new CacheLookup(results, images,          // 1. a stored result: replayed as a hit, before any slot is taken
               new Coalescing(locks, logs, lockTtl,       // 2. an identical seeded request in flight here or elsewhere: followed
               new CacheLookup(results, images,           // 3. re-checked holding the slot: its leader may have just finished
               new CacheFill(results,                     // 4. a miss: computed, its success stored before the slot is freed
               new ImageStoring(images, shared,           // 5. every image stored by digest before an event names it
               call -> upstream.generate(call.request(), call.listener())     // 6. retry+failover → bulkhead → breaker → timeout → codec
                       .map(result -> Outcome.of(result, "miss")))))));
    }

    /** Starts a generation and returns its job at once; the work goes on in the background. */
    public Job submit(CanonicalRequest request) {
        Job job = jobs.create(new JobInfo(request.modelId(), request.model().servedBy().orElse(null),
                request.sampleCount(), request.deterministic()));
        JobCall call = new JobCall(job, request, events, images, logs, counters);
        job.attachWork(path.run(call).subscribe().with(outcome -> succeed(job, outcome), failure -> fail(job, failure)));
        if (!request.deterministic()) {
            // unseeded: cancelled when nobody watches it for the grace period
            reaper.idle(job);
        }
        return job;
    }

    private void succeed(Job job, Outcome outcome) {
        end(job, events.finals(job, outcome), outcome, Job.Status.SUCCEEDED);
        LOG.debugf("job %s done: %s, %d outputs, upstream %d ms", job.id(), outcome.cache(),
                outcome.result().outputs().size(), outcome.result().upstreamMs());
    }

    private void fail(Job job, Throwable failure) {
        String instance = "/v1/generations/" + job.id();
        Problem problem;
        if (failure instanceof UpstreamException upstreamFailure) {
            problem = upstreamFailure.toProblem(instance);
        } else if (failure instanceof FollowedFailure followed) {
            problem = followed.problem().at(instance);
        } else {
            LOG.errorf(failure, "job %s failed unexpectedly", job.id());
            problem = Problem.of("internal", 500, "the generation failed inside the gateway", instance);
        }
        end(job, List.of(events.error(problem)), Outcome.failed(problem, job.cache()), Job.Status.FAILED);
        LOG.infof("job %s failed: %d %s (%s)", job.id(), problem.status(), problem.vertexStatus(), problem.detail());
    }

    /** An unseeded job nobody watched for the orphan grace: its work is stopped, its log ended. */
    private void cancel(Job job) {
        var work = job.detachWork();
        if (work != null) {
            work.cancel();
        }
        Problem problem = new Problem(Problem.TYPE_PREFIX + "cancelled", "Client Closed Request", 499,
                "cancelled: an unseeded generation that nobody watched for " + config.jobs().orphanGrace().toMillis()
                        + " ms",
                "/v1/generations/" + job.id(), null, "CANCELLED", true, null);
        end(job, List.of(events.error(problem)), Outcome.failed(problem, job.cache()), Job.Status.CANCELLED);
    }

    /** With shared logs the outcome is written beside the log before the terminal event, which others wait for. */
    private void end(Job job, List<Job.Entry> finalEvents, Outcome outcome, Job.Status status) {
        if (!logs.shared()) {
            job.finish(finalEvents, outcome, status);
            return;
        }
        logs.putOutcome(job.id(), outcome).onFailure().recoverWithNull()
                .subscribe().with(ok -> job.finish(finalEvents, outcome, status));
    }

    /** How long one instance may hold a key: the worst-case time of one generation, plus slack. */
    private Duration lockTtl() {
        var r = config.resilience();
        Duration wait = r.maxBackoff().compareTo(r.maxServerWait()) > 0 ? r.maxBackoff() : r.maxServerWait();
        return r.attemptTimeout().multipliedBy(r.maxRetries() + 1L).plus(wait.multipliedBy(r.maxRetries()))
                .plusSeconds(10);
    }
}

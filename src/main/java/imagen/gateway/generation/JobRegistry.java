package imagen.gateway.generation;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.config.GatewayConfig;
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

    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    /** Finished jobs in the order they finished: the eviction order. */
    private final ConcurrentLinkedQueue<Job> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger evicted = new AtomicInteger();

    JobRegistry(MeterRegistry metrics) {
        metrics.gaugeMapSize("imagen.jobs.kept", java.util.List.of(), jobs);
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
        jobs.put(job.id(), job);
        return job;
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

package imagen.gateway.generation;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import imagen.gateway.cluster.JobLogs;
import imagen.gateway.config.GatewayConfig;
import imagen.gateway.config.TaggedCounters;
import imagen.gateway.dedup.Outcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * The jobs of this instance, with bounded retention: a finished job stays retrievable for
 * {@code imagen.jobs.ttl}; at most {@code imagen.jobs.max-jobs} are kept, and when that is reached
 * the oldest finished jobs go first. Running jobs are never dropped: when every kept job is still
 * running, new jobs are refused ({@link TooManyJobsException}) instead of growing without bound.
 * With shared logs, a job another instance runs is adopted on first view: a local copy of its
 * shared log, pushed to it until its terminal event.
 */
@ApplicationScoped
public class JobRegistry {

    private static final Logger LOG = Logger.getLogger(JobRegistry.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    GatewayConfig config;

    @Inject
    JobLogs logs;

    @Inject
    OrphanReaper reaper;

    @Inject
    TaggedCounters counters;

    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    /** Finished jobs in the order they finished: the eviction order. */
    private final ConcurrentLinkedQueue<Job> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger evicted = new AtomicInteger();

    JobRegistry(MeterRegistry metrics) {
        metrics.gaugeMapSize("imagen.jobs.kept", List.of(), jobs);
        metrics.gauge("imagen.jobs.evicted", evicted);
    }

    /** A new running job, registered under a fresh unguessable id. */
    public Job create(JobInfo info) {
        expire();
        int max = config.jobs().maxJobs();
        while (jobs.size() >= max) {
            Job oldest = finished.poll();
            if (oldest == null) {
                throw new TooManyJobsException(max);
            }
            remove(oldest);
        }
        String id = newId();
        Consumer<imagen.gateway.cluster.JobEvent> sink = null;
        if (logs.shared()) {
            // the log is shared, so a stream that reconnects to another instance resumes there
            logs.open(id, info);
            sink = event -> logs.append(id, event);
        }
        Job job = new Job(id, info, sink, this::ended, reaper::idle);
        jobs.put(id, job);
        return job;
    }

    /** Whether job logs are shared with other instances right now. */
    public boolean shared() {
        return logs.shared();
    }

    /** This instance's job, or (with shared logs) one another instance runs, adopted here. */
    public Uni<Optional<Job>> find(String id) {
        Optional<Job> local = get(id);
        if (local.isPresent() || !logs.shared() || !id.startsWith("gen_")) {
            return Uni.createFrom().item(local);
        }
        return logs.request(id, JobInfo.class).map(info -> {
            if (info.isEmpty()) {
                return Optional.<Job>empty();
            }
            Job mirror = new Job(id, info.get(), null, this::ended, job -> {
            });
            Job existing = jobs.putIfAbsent(id, mirror);
            if (existing != null) {
                return Optional.of(existing);
            }
            adopt(mirror);
            return Optional.of(mirror);
        }).onFailure().recoverWithItem(local);
    }

    /** Copies the shared log into the local job as it grows, the outcome read before the terminal event. */
    private void adopt(Job mirror) {
        logs.follow(mirror.id(), 0)
                .onItem().transformToUniAndConcatenate(event -> event.terminal()
                        ? logs.outcome(mirror.id(), Outcome.class).invoke(outcome -> mirror.copy(event, outcome.orElse(null)))
                        : Uni.createFrom().item(() -> mirror.copy(event, null)))
                .subscribe().with(copied -> {
                }, failure -> {
                    LOG.debugf("job %s: shared log unreadable (%s)", mirror.id(), failure.toString());
                    jobs.remove(mirror.id(), mirror);
                });
    }

    public Optional<Job> get(String id) {
        expire();
        return Optional.ofNullable(jobs.get(id));
    }

    /** Run as the job logs its terminal event: its retention clock starts, the orphan check goes. */
    private void ended(Job job) {
        reaper.disarm(job);
        finished.add(job);
        Job.Status status = job.status();
        counters.get("imagen.jobs.finished", "outcome", status == Job.Status.SUCCEEDED ? "succeeded"
                : status == Job.Status.CANCELLED ? "cancelled" : "failed").increment();
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

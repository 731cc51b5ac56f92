package imagen.gateway.generation;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import imagen.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;

/**
 * Cancels an unseeded job that nobody has watched (no open stream, no status poll) for
 * {@code imagen.jobs.orphan-grace}: its result would reach no one, and an unseeded image is never
 * shared. A seeded job always runs to its end, since others may share its result. The grace lets
 * an {@code EventSource} reconnect without losing the work.
 */
@ApplicationScoped
public class OrphanReaper {

    private static final Logger LOG = Logger.getLogger(OrphanReaper.class);

    @Inject
    GatewayConfig config;

    @Inject
    Vertx vertx;

    /** Set by the service: how a job is cancelled. */
    private volatile java.util.function.Consumer<Job> cancel = job -> {
    };

    void onCancel(java.util.function.Consumer<Job> cancelJob) {
        this.cancel = cancelJob;
    }

    /** A job nobody watches (at its start, or when its last view left). */
    void idle(Job job) {
        schedule(job, config.jobs().orphanGrace());
    }

    /** The job ended: a pending check would keep it in memory for the whole grace. */
    void disarm(Job job) {
        long timer = job.orphanTimer(-1);
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void schedule(Job job, Duration delay) {
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
                schedule(job, Duration.ofNanos(grace - idle));
                return;
            }
            LOG.infof("job %s cancelled: no viewer for %d ms", job.id(), TimeUnit.NANOSECONDS.toMillis(idle));
            cancel.accept(job);
        });
        long previous = job.orphanTimer(timerId);
        if (previous >= 0 && previous != timerId) {
            vertx.cancelTimer(previous);
        }
        if (job.finished()) {
            // ended while the timer was being armed
            disarm(job);
        }
    }
}

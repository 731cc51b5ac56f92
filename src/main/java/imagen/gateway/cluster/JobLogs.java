package imagen.gateway.cluster;

import java.util.Optional;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Job logs shared across instances, so that a stream can resume on any instance and a job can
 * follow an identical one running elsewhere. Events are pushed to followers, never polled. In a
 * single process nothing is shared and every job is local.
 */
public interface JobLogs {

    /** Whether logs are shared right now (Redis configured and reachable). */
    boolean shared();

    /** Starts a shared log: the job's request (for views elsewhere) before its first event. */
    void open(String jobId, Object request);

    /** Appends an event; appends of one job reach the log in their order. */
    void append(String jobId, JobEvent event);

    /** Completes once every event appended so far is in the shared log (or could not be written). */
    Uni<Void> flushed(String jobId);

    /** Stores the job's typed outcome, before its terminal event is appended. */
    Uni<Void> putOutcome(String jobId, Object outcome);

    <T> Uni<Optional<T>> outcome(String jobId, Class<T> type);

    <T> Uni<Optional<T>> request(String jobId, Class<T> type);

    /**
     * The job's events after {@code afterId}: those logged so far, then live ones, completing after
     * the terminal one; a log not begun yet is waited for. Empty at once when logs are not shared;
     * fails if the shared store fails while following. Callers bound the wait.
     */
    Multi<JobEvent> follow(String jobId, long afterId);
}

package imagen.gateway.generation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.smallrye.mutiny.subscription.Cancellable;

/**
 * A generation: an id and an append-only event log. The job runs on its own; streams are views of
 * the log that replay what they missed and then follow live events. Exactly one terminal event
 * ({@code done} or {@code error}) is ever appended; later appends are ignored.
 */
public final class Job {

    public enum Status {
        RUNNING, SUCCEEDED, FAILED, CANCELLED
    }

    /** A live view of the log; {@link #close()} detaches it. */
    public interface View extends AutoCloseable {
        @Override
        void close();
    }

    private final String id;
    private final ImagenRequest request;
    private final Instant createdAt = Instant.now();
    private final ObjectMapper mapper;
    private final List<JobEvent> events = new ArrayList<>(8);
    private final List<Consumer<JobEvent>> listeners = new ArrayList<>(2);
    private Status status = Status.RUNNING;
    private Instant finishedAt;
    private int views;
    private long lastInterestNanos = System.nanoTime();
    private Cancellable work;
    /** The pending orphan check's Vert.x timer, or -1: cancelled when the job ends, so it holds no finished job. */
    private long orphanTimer = -1;
    /** Where appended events also go (the shared Redis log), if anywhere. */
    private Consumer<JobEvent> sink;

    Job(String id, ImagenRequest request, ObjectMapper mapper) {
        this.id = id;
        this.request = request;
        this.mapper = mapper;
    }

    public String id() {
        return id;
    }

    public ImagenRequest request() {
        return request;
    }

    public boolean deterministic() {
        return request.deterministic();
    }

    public Instant createdAt() {
        return createdAt;
    }

    public synchronized Instant finishedAt() {
        return finishedAt;
    }

    public synchronized Status status() {
        return status;
    }

    public synchronized boolean finished() {
        return status != Status.RUNNING;
    }

    /** A copy of the log so far. */
    public synchronized List<JobEvent> events() {
        return List.copyOf(events);
    }

    /**
     * Appends an event and hands it to every live view. Returns false, and appends nothing, once the
     * job has its terminal event.
     */
    public boolean append(String type, ObjectNode data) {
        return append(type, data, null);
    }

    boolean append(String type, ObjectNode data, Status terminalStatus) {
        String json;
        try {
            json = mapper.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        synchronized (this) {
            if (status != Status.RUNNING) {
                return false;
            }
            JobEvent event = new JobEvent(events.size() + 1L, type, data, json);
            events.add(event);
            if (sink != null) {
                sink.accept(event);
            }
            if (event.terminal()) {
                status = terminalStatus != null ? terminalStatus
                        : JobEvent.DONE.equals(type) ? Status.SUCCEEDED : Status.FAILED;
                finishedAt = Instant.now();
                work = null;
            }
            // delivered under the lock: views see events in log order, whichever thread appends
            for (Consumer<JobEvent> listener : List.copyOf(listeners)) {
                listener.accept(event);
            }
            if (event.terminal()) {
                views -= listeners.size();
                listeners.clear();
            }
        }
        return true;
    }

    /**
     * Gives the listener every event after {@code afterId}: those logged so far, then live ones until
     * the terminal one. Replay and registration happen atomically, so nothing is missed or doubled;
     * an {@code afterId} beyond the log (a viewer that saw more elsewhere) skips live events up to it.
     */
    public View follow(long afterId, Consumer<JobEvent> listener) {
        Consumer<JobEvent> after = event -> {
            if (event.id() > afterId) {
                listener.accept(event);
            }
        };
        synchronized (this) {
            if (status == Status.RUNNING) {
                listeners.add(after);
                views++;
                touch();
            }
            // replayed under the lock, so a concurrent append cannot overtake the replay
            // (a copy: a listener may append to this job, and the lock is reentrant)
            List.copyOf(events.subList((int) Math.min(Math.max(afterId, 0), events.size()), events.size()))
                    .forEach(listener);
        }
        return () -> {
            synchronized (Job.this) {
                if (listeners.remove(after)) {
                    views--;
                    touch();
                }
            }
        };
    }

    /** Live views attached right now. */
    public synchronized int views() {
        return views;
    }

    /** Records that somebody showed interest (a view attached or left, a status poll). */
    public synchronized void touch() {
        lastInterestNanos = System.nanoTime();
    }

    public synchronized long nanosSinceInterest() {
        return System.nanoTime() - lastInterestNanos;
    }

    synchronized void sink(Consumer<JobEvent> sink) {
        this.sink = sink;
    }

    synchronized void attachWork(Cancellable cancellable) {
        if (status == Status.RUNNING) {
            work = cancellable;
        }
    }

    /** Sets the pending orphan check's timer id and returns the previous one (-1 for none). */
    synchronized long orphanTimer(long timerId) {
        long previous = orphanTimer;
        orphanTimer = timerId;
        return previous;
    }

    /** Stops the upstream work, if any is still running; the caller appends the terminal event. */
    Cancellable detachWork() {
        synchronized (this) {
            Cancellable w = work;
            work = null;
            return w;
        }
    }
}

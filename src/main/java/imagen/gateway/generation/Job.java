package imagen.gateway.generation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import imagen.gateway.cluster.JobEvent;
import imagen.gateway.dedup.Outcome;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * A generation: an id, an append-only event log and, once it ends, its outcome. The job runs on
 * its own; streams are views of the log ({@link #stream}) that replay what they missed and then
 * follow live events. Exactly one terminal event ({@code done} or {@code error}) is ever logged,
 * by {@link #finish}, which also runs the job's end hooks before any view can see the end.
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

    /** An event to log: its name, its JSON, and the digest of the image it names (if any). */
    public record Entry(String type, String json, String digest) {
        public static Entry of(String type, String json) {
            return new Entry(type, json, null);
        }
    }

    private final String id;
    private final JobInfo info;
    private final Instant createdAt = Instant.now();
    private final List<JobEvent> events = new ArrayList<>(8);
    private final List<Consumer<JobEvent>> listeners = new ArrayList<>(2);
    private Status status = Status.RUNNING;
    private Instant finishedAt;
    private Outcome outcome;
    private String cache;
    private int views;
    private long lastInterestNanos = System.nanoTime();
    private Cancellable work;
    private Consumer<Outcome> outcomeHook;
    /** Where logged events also go (the shared log), if anywhere. */
    private final Consumer<JobEvent> sink;
    /** Run once, when the terminal event is logged and before any view sees it. */
    private final Consumer<Job> onEnd;
    /** Run when the last view detaches from a running job. */
    private final Consumer<Job> onIdle;

    Job(String id, JobInfo info, Consumer<JobEvent> sink, Consumer<Job> onEnd, Consumer<Job> onIdle) {
        this.id = id;
        this.info = info;
        this.sink = sink;
        this.onEnd = onEnd;
        this.onIdle = onIdle;
    }

    public String id() {
        return id;
    }

    public JobInfo info() {
        return info;
    }

    public boolean deterministic() {
        return info.deterministic();
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

    /** How the job ended; null while it runs. */
    public synchronized Outcome outcome() {
        return outcome;
    }

    /** The cache decision ({@code hit}, {@code coalesced}, {@code miss}); null until {@code accepted}. */
    public synchronized String cache() {
        return cache;
    }

    /** A copy of the log so far. */
    public synchronized List<JobEvent> events() {
        return List.copyOf(events);
    }

    /** Logs the cache decision as the {@code accepted} event, once; later decisions are ignored. */
    synchronized boolean accept(String decision, String json) {
        if (cache != null || status != Status.RUNNING) {
            return false;
        }
        cache = decision;
        append(List.of(Entry.of(JobEvent.ACCEPTED, json)), null, null);
        return true;
    }

    /** Logs a progress event; ignored once the job has ended. */
    public synchronized boolean log(Entry entry) {
        return append(List.of(entry), null, null);
    }

    /**
     * Ends the job in one step: logs the final events and the terminal one, records the outcome,
     * runs the end hooks (timers, registry, metrics), then hands the events to the views. Returns
     * false, and logs nothing, if the job has already ended.
     */
    boolean finish(List<Entry> finalEvents, Outcome ended, Status endStatus) {
        boolean finished;
        Consumer<Outcome> hook;
        synchronized (this) {
            finished = append(finalEvents, ended, endStatus);
            hook = outcomeHook;
        }
        if (finished && hook != null) {
            hook.accept(ended);
        }
        return finished;
    }

    /**
     * Runs {@code hook} with the outcome once the job ends (at once if it has), without watching it:
     * unlike {@link #whenFinished}, it keeps no view open, so an unwatched unseeded job is still reaped.
     */
    public void onOutcome(Consumer<Outcome> hook) {
        Outcome ended;
        synchronized (this) {
            if (status == Status.RUNNING) {
                outcomeHook = hook;
                return;
            }
            ended = outcome;
        }
        hook.accept(ended);
    }

    /** A copy of another instance's event, as is (a job adopted from a shared log). */
    synchronized boolean copy(JobEvent event, Outcome ended) {
        if (event.id() != events.size() + 1L) {
            return false;
        }
        Status end = !event.terminal() ? null : JobEvent.DONE.equals(event.type()) ? Status.SUCCEEDED : Status.FAILED;
        if (JobEvent.ACCEPTED.equals(event.type()) && cache == null) {
            cache = "coalesced";
        }
        return append(List.of(new Entry(event.type(), event.json(), event.digest())), ended, end);
    }

    synchronized void acceptedAs(String decision) {
        cache = decision;
    }

    private boolean append(List<Entry> entries, Outcome ended, Status endStatus) {
        if (status != Status.RUNNING) {
            return false;
        }
        int first = events.size();
        for (Entry entry : entries) {
            JobEvent event = new JobEvent(events.size() + 1L, entry.type(), entry.json(), entry.digest());
            events.add(event);
            if (sink != null) {
                sink.accept(event);
            }
        }
        if (endStatus != null) {
            status = endStatus;
            outcome = ended;
            finishedAt = Instant.now();
            work = null;
            onEnd.accept(this);
        }
        // delivered under the lock: views see events in log order, whichever thread logs them
        List<JobEvent> added = events.subList(first, events.size());
        for (Consumer<JobEvent> listener : List.copyOf(listeners)) {
            added.forEach(listener);
        }
        if (endStatus != null) {
            views -= listeners.size();
            listeners.clear();
        }
        return true;
    }

    /**
     * The log after {@code afterId} as a stream: the events logged so far, then live ones,
     * completing after the terminal one. Cancelling it detaches the view (which may start an
     * unseeded job's orphan grace); it never stops the job.
     */
    public Multi<JobEvent> stream(long afterId) {
        return Multi.createFrom().<JobEvent>emitter(emitter -> {
            AtomicBoolean over = new AtomicBoolean();
            AtomicReference<View> view = new AtomicReference<>();
            emitter.onTermination(() -> {
                over.set(true);
                View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            });
            view.set(follow(afterId, event -> {
                emitter.emit(event);
                if (event.terminal()) {
                    emitter.complete();
                }
            }));
            if (over.get()) {
                // ended while being attached (a finished job replays its terminal event at once)
                View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            }
        }, BackPressureStrategy.BUFFER);
    }

    /** The job once its {@code accepted} event is logged (at once, unless the cache decision is still being made). */
    public Uni<Job> whenAccepted() {
        return stream(0).select().first().collect().asList().map(ignored -> this);
    }

    /** The job once it has ended; cancelling the wait detaches, as any view does. */
    public Uni<Job> whenFinished() {
        return stream(0).filter(JobEvent::terminal).collect().last().map(ignored -> this);
    }

    /**
     * Replays events after {@code afterId} and follows live ones until the terminal one, atomically,
     * so nothing is missed or doubled; an {@code afterId} beyond the log (a viewer that saw more
     * elsewhere) skips live events up to it.
     */
    private View follow(long afterId, Consumer<JobEvent> listener) {
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
            // (a copy: a listener may log to another job, or to this one, and the lock is reentrant)
            List.copyOf(events.subList((int) Math.min(Math.max(afterId, 0), events.size()), events.size()))
                    .forEach(listener);
        }
        return () -> {
            boolean idle;
            synchronized (Job.this) {
                if (!listeners.remove(after)) {
                    return;
                }
                views--;
                touch();
                idle = views == 0 && status == Status.RUNNING;
            }
            if (idle) {
                onIdle.accept(this);
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

    synchronized void attachWork(Cancellable cancellable) {
        if (status == Status.RUNNING) {
            work = cancellable;
        }
    }

    /** Stops the upstream work, if any is still running; the caller then ends the job. */
    synchronized Cancellable detachWork() {
        Cancellable w = work;
        work = null;
        return w;
    }

    /** The pending orphan check's timer id, or -1: cancelled when the job ends, so it holds no finished job. */
    private long orphanTimer = -1;

    /** Sets the pending orphan check's timer id and returns the previous one (-1 for none). */
    synchronized long orphanTimer(long timerId) {
        long previous = orphanTimer;
        orphanTimer = timerId;
        return previous;
    }
}

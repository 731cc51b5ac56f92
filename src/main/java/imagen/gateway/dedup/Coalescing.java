package imagen.gateway.dedup;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import imagen.gateway.cluster.JobEvent;
import imagen.gateway.cluster.JobLogs;
import imagen.gateway.cluster.KeyLocks;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Identical deterministic requests in flight make one upstream call. Within this instance the
 * first one leads and the others follow it; across instances (Redis) one lock per key picks the
 * leader, and the others follow its shared log, pushed to them event by event. A follower shows
 * the leader's progress as its own, then the leader's result as {@code coalesced}, or its failure.
 * A follower whose leader went away (its lock vanished with no outcome) leads itself; one whose
 * leader takes longer than the worst-case time of a generation fails with 504.
 */
public final class Coalescing implements Stage {

    private static final Logger LOG = Logger.getLogger(Coalescing.class);
    /** How often a remote follower checks that its leader's lock is still held. */
    private static final Duration HOLDER_CHECK = Duration.ofSeconds(2);

    private final KeyLocks locks;
    private final JobLogs logs;
    private final Duration lockTtl;
    private final Stage next;
    /** The leaders of this instance by key, with their (shared) outcome. */
    private final ConcurrentHashMap<String, Leader> inFlight = new ConcurrentHashMap<>();

    /** @param lockTtl how long one instance may hold a key: the worst-case time of one generation, plus slack */
    public Coalescing(KeyLocks locks, JobLogs logs, Duration lockTtl, Stage next) {
        this.locks = locks;
        this.logs = logs;
        this.lockTtl = lockTtl;
        this.next = next;
    }

    private static final class Leader {
        final Call call;
        volatile Uni<Outcome> outcome;

        Leader(Call call) {
            this.call = call;
        }
    }

    @Override
    public Uni<Outcome> run(Call call) {
        String key = call.key();
        if (key == null) {
            return next.run(call);
        }
        Leader mine = new Leader(call);
        // the outcome is shared before the slot is: a follower that finds the slot finds the outcome
        mine.outcome = Uni.createFrom().deferred(() -> lead(mine)).memoize().indefinitely();
        Leader leader = inFlight.putIfAbsent(key, mine);
        if (leader != null) {
            return followLocal(call, leader);
        }
        return mine.outcome;
    }

    /** Takes the key's lock (always granted without Redis) and computes, or follows its holder. */
    private Uni<Outcome> lead(Leader mine) {
        Call call = mine.call;
        return locks.lock(call.key(), call.jobId(), lockTtl)
                .chain(owned -> owned ? compute(mine) : locks.holder(call.key())
                        .onFailure().recoverWithItem(java.util.Optional.empty())
                        .chain(holder -> holder.isPresent() && !holder.get().equals(call.jobId())
                                ? followRemote(mine, holder.get())
                                : compute(mine)));
    }

    private Uni<Outcome> compute(Leader mine) {
        Call call = mine.call;
        return next.run(call).onTermination().invoke(() -> {
            // the result is stored by now: a request arriving after this finds it in the cache
            inFlight.remove(call.key(), mine);
            // the terminal event must be in the shared log before the lock goes: a follower that sees
            // no lock and no outcome takes over, and would call upstream a second time
            call.settled().chain(() -> locks.unlock(call.key(), call.jobId()))
                    .subscribe().with(ok -> {
                    }, failure -> {
                    });
        });
    }

    /** Follows a leader of this instance: its progress as this job's own, then its outcome. */
    private Uni<Outcome> followLocal(Call call, Leader leader) {
        call.accept("coalesced");
        // after the leader's accepted; live progress only, mirrored under the leader's log order
        var mirror = leader.call.events(1).filter(JobEvent::progress).subscribe().with(call::progress);
        return leader.outcome
                .onTermination().invoke(mirror::cancel)
                .map(outcome -> outcome.as("coalesced"));
    }

    /**
     * Follows the instance holding the key: its log, pushed event by event, until the terminal
     * one, then its outcome. The holder's lock is checked now and then: gone with no outcome means
     * the holder died, and this job leads instead.
     */
    private Uni<Outcome> followRemote(Leader mine, String holderJobId) {
        Call call = mine.call;
        call.accept("coalesced");
        Uni<Boolean> ended = logs.follow(holderJobId, 1)
                .invoke(event -> {
                    if (event.progress()) {
                        call.progress(event);
                    }
                })
                .filter(JobEvent::terminal)
                .toUni().map(terminal -> true);
        // a tick that comes while the previous check still waits on Redis is dropped: without it the ticker
        // fails with a BackPressureFailure and this follower would compute the generation a second time
        Uni<Boolean> holderGone = Multi.createFrom().ticks().every(HOLDER_CHECK).onOverflow().drop()
                .onItem().transformToUniAndConcatenate(tick -> locks.holder(call.key()))
                .filter(holder -> holder.isEmpty() || !holder.get().equals(holderJobId))
                .toUni().map(gone -> false);
        return Uni.combine().any().of(ended, holderGone)
                .ifNoItem().after(lockTtl).failWith(() -> new FollowedFailure(imagen.gateway.request.Problem.upstream(504,
                        "DEADLINE_EXCEEDED", "the instance computing this identical request did not finish in time", true,
                        null, null)))
                .chain(finished -> logs.outcome(holderJobId, Outcome.class).chain(outcome -> {
                    if (outcome.isPresent()) {
                        Outcome theirs = outcome.get();
                        return theirs.succeeded() ? Uni.createFrom().item(theirs.as("coalesced"))
                                : Uni.createFrom().failure(new FollowedFailure(theirs.problem()));
                    }
                    // the holder went away without an outcome: lead, unless another follower already does
                    LOG.warnf("job %s: the instance running %s went away; computing itself", call.jobId(), holderJobId);
                    return lead(mine);
                }))
                .onFailure(failure -> !(failure instanceof FollowedFailure)).recoverWithUni(failure -> {
                    // Redis failed while following: compute here rather than wait for nothing
                    LOG.warnf("job %s: cannot follow %s (%s); computing itself", call.jobId(), holderJobId, failure.toString());
                    return compute(mine);
                });
    }
}

package imagen.gateway.dedup;

import imagen.gateway.cluster.JobEvent;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.upstream.UpstreamListener;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** What a stage sees of the job it works for. */
public interface Call {

    CanonicalRequest request();

    /** The de-duplication key, or null for a request that is never shared. */
    String key();

    String jobId();

    /** Logs the cache decision ({@code hit}, {@code coalesced}, {@code miss}) as the job's {@code accepted} event. */
    void accept(String cache);

    /** Upstream progress, logged as the job's own {@code attempt}, {@code retry}, {@code text}, {@code preview} events. */
    UpstreamListener listener();

    /** A followed leader's progress event, logged as this job's own. */
    void progress(JobEvent leaderEvent);

    /** This job's log from {@code afterId}: replayed, then live until its terminal event. */
    Multi<JobEvent> events(long afterId);

    /** Completes once this job's terminal event is logged where other instances read it. */
    Uni<Void> settled();
}

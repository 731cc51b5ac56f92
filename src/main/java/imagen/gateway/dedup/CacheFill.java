package imagen.gateway.dedup;

import imagen.gateway.cluster.SharedResults;
import io.smallrye.mutiny.Uni;

/**
 * A request that found nothing to share is a {@code miss}: it is computed, and a deterministic
 * one's success is stored before the call returns, so that no identical request slips in between
 * the leader freeing its slot and the result being there. Failures are never stored.
 */
public final class CacheFill implements Stage {

    private final SharedResults results;
    private final Stage next;

    public CacheFill(SharedResults results, Stage next) {
        this.results = results;
        this.next = next;
    }

    @Override
    public Uni<Outcome> run(Call call) {
        call.accept("miss");
        Uni<Outcome> computed = next.run(call);
        if (call.key() == null) {
            return computed;
        }
        return computed.call(outcome -> results.put(call.key(), outcome.result()));
    }
}

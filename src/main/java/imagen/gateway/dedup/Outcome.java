package imagen.gateway.dedup;

import com.fasterxml.jackson.annotation.JsonInclude;

import imagen.gateway.request.Problem;
import imagen.gateway.upstream.GenerationResult;

/**
 * How a generation ended: its typed result and how it was found ({@code miss}, {@code hit},
 * {@code coalesced}), or the problem it failed with. Kept with the job, and (with Redis) beside
 * its shared log, so other instances render it without reading events back.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Outcome(GenerationResult result, String cache, Problem problem) {

    public static Outcome of(GenerationResult result, String cache) {
        return new Outcome(result, cache, null);
    }

    public static Outcome failed(Problem problem, String cache) {
        return new Outcome(null, cache, problem);
    }

    public boolean succeeded() {
        return problem == null;
    }

    public Outcome as(String otherCache) {
        return new Outcome(result, otherCache, problem);
    }
}

package imagen.gateway.dedup;

import io.smallrye.mutiny.Uni;

/**
 * One stage of a request's path: it does its part and hands the call on to the next stage, or
 * answers it itself (a cache hit, a followed leader). The stages and their order are put together
 * in one place, {@code GenerationService.stack()}.
 */
@FunctionalInterface
public interface Stage {

    Uni<Outcome> run(Call call);
}

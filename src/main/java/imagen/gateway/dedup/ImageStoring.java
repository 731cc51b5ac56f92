package imagen.gateway.dedup;

import java.util.ArrayList;
import java.util.List;

import imagen.gateway.cluster.ImageStore.StoredImage;
import imagen.gateway.cluster.SharedImages;
import imagen.gateway.upstream.GenerationResult;
import imagen.gateway.upstream.GenerationResult.Image;
import imagen.gateway.upstream.GenerationResult.Output;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Every image of a result is stored by its content hash (here, and with Redis for every instance)
 * before any event names it; from here on a result carries digests, never bytes.
 */
public final class ImageStoring implements Stage {

    /** Up to this many image bytes per answer are hashed where they arrived (≈ 0.1 ms of SHA-256). */
    static final long INLINE_BYTES = 64 * 1024;

    private final SharedImages images;
    private final boolean shared;
    private final Stage next;

    /** @param shared whether images are shared across instances (the write is then waited for on a worker) */
    public ImageStoring(SharedImages images, boolean shared, Stage next) {
        this.images = images;
        this.shared = shared;
        this.next = next;
    }

    @Override
    public Uni<Outcome> run(Call call) {
        return next.run(call).chain(outcome -> {
            long bytes = outcome.result().images().stream().mapToLong(i -> i.data() == null ? 0 : i.data().length).sum();
            Uni<Outcome> stored = Uni.createFrom().item(() -> store(outcome))
                    .call(result -> images.share(result.stored))
                    .map(result -> result.outcome);
            // hashing a large answer, or waiting for Redis, never holds an event loop
            return bytes > INLINE_BYTES || shared ? stored.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()) : stored;
        });
    }

    private record Stored(Outcome outcome, List<StoredImage> stored) {
    }

    private Stored store(Outcome outcome) {
        GenerationResult result = outcome.result();
        List<StoredImage> stored = new ArrayList<>();
        List<Output> outputs = new ArrayList<>(result.outputs().size());
        for (Output output : result.outputs()) {
            if (output instanceof Image image && image.data() != null) {
                StoredImage saved = images.putLocal(image.data(), image.mimeType());
                stored.add(saved);
                outputs.add(image.stored(saved.digest()));
            } else {
                outputs.add(output);
            }
        }
        return new Stored(Outcome.of(result.withOutputs(outputs), outcome.cache()), stored);
    }
}

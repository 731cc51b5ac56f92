package imagen.gateway.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import imagen.gateway.cluster.ImageStore.StoredImage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** The in-process implementations of the cluster ports: one instance, nothing shared. */
public final class Memory {

    private Memory() {
    }

    /** Results in a Caffeine cache, as the objects themselves. */
    public static final class Results implements SharedResults {
        private final Cache<String, Object> results;

        public Results(Duration ttl, long maxEntries) {
            // entries are a few hundred bytes each; the image bytes are bounded by the ImageStore
            this.results = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).build();
        }

        @Override
        public <T> Uni<Optional<T>> get(String key, Class<T> type) {
            Object found = results.getIfPresent(key);
            return Uni.createFrom().item(type.isInstance(found) ? Optional.of(type.cast(found)) : Optional.empty());
        }

        Optional<Object> getNow(String key) {
            return Optional.ofNullable(results.getIfPresent(key));
        }

        @Override
        public Uni<Void> put(String key, Object result) {
            results.put(key, result);
            return Uni.createFrom().voidItem();
        }
    }

    /** Images in this instance's {@link ImageStore} only. */
    public static final class Images implements SharedImages {
        final ImageStore store;

        public Images(ImageStore store) {
            this.store = store;
        }

        @Override
        public StoredImage putLocal(byte[] content, String mimeType) {
            return store.put(content, mimeType);
        }

        @Override
        public Uni<Void> share(List<StoredImage> images) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Optional<StoredImage>> get(String digest) {
            return Uni.createFrom().item(store.get(digest));
        }

        @Override
        public Uni<Boolean> containsAll(List<String> digests) {
            return Uni.createFrom().item(digests.stream().allMatch(store::contains));
        }
    }

    /** Every lock granted: in one process, in-flight coalescing already made the key's request unique. */
    public static final class Locks implements KeyLocks {
        @Override
        public Uni<Boolean> lock(String key, String jobId, Duration ttl) {
            return Uni.createFrom().item(true);
        }

        @Override
        public Uni<Optional<String>> holder(String key) {
            return Uni.createFrom().item(Optional.empty());
        }

        @Override
        public Uni<Void> unlock(String key, String jobId) {
            return Uni.createFrom().voidItem();
        }
    }

    /** No shared logs: every job is local. */
    public static final class Logs implements JobLogs {
        @Override
        public boolean shared() {
            return false;
        }

        @Override
        public void open(String jobId, Object request) {
        }

        @Override
        public void append(String jobId, JobEvent event) {
        }

        @Override
        public Uni<Void> flushed(String jobId) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> putOutcome(String jobId, Object outcome) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public <T> Uni<Optional<T>> outcome(String jobId, Class<T> type) {
            return Uni.createFrom().item(Optional.empty());
        }

        @Override
        public <T> Uni<Optional<T>> request(String jobId, Class<T> type) {
            return Uni.createFrom().item(Optional.empty());
        }

        @Override
        public Multi<JobEvent> follow(String jobId, long afterId) {
            return Multi.createFrom().empty();
        }
    }
}

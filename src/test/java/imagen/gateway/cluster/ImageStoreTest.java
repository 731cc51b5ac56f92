package imagen.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class ImageStoreTest {

    private static final int SIZE = 1000;
    private static final long ONE = SIZE + ImageStore.ENTRY_OVERHEAD;

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    @Test
    void evictsTheLeastRecentlyUsedImagesBeyondTheByteBound() {
        ImageStore store = new ImageStore(3 * ONE, Duration.ofHours(1), metrics);
        String a = store.put(image(1), "image/png").digest();
        String b = store.put(image(2), "image/png").digest();
        String c = store.put(image(3), "image/png").digest();
        assertThat(store.bytes()).isEqualTo(3 * ONE);

        store.get(a); // a is now more recently used than b
        String d = store.put(image(4), "image/png").digest();

        assertThat(store.contains(b)).isFalse();
        assertThat(List.of(a, c, d)).allMatch(store::contains);
        assertThat(store.bytes()).isEqualTo(3 * ONE);
        assertThat(metrics.counter("imagen.images.evictions").count()).isEqualTo(1);
    }

    @Test
    void storesIdenticalContentOnceAndKeepsTheImageJustStoredEvenWhenLargerThanTheBound() {
        ImageStore store = new ImageStore(ONE, Duration.ofHours(1), metrics);
        var first = store.put(image(1), "image/png");
        var again = store.put(image(1), "image/png");
        assertThat(again).isSameAs(first);
        assertThat(store.bytes()).isEqualTo(ONE);

        var big = store.put(new byte[5 * SIZE], "image/png");
        assertThat(store.contains(big.digest())).isTrue();
        assertThat(store.contains(first.digest())).isFalse();
    }

    @Test
    void imagesExpireAfterTheTtl() {
        ImageStore store = new ImageStore(10 * ONE, Duration.ZERO, metrics);
        String a = store.put(image(1), "image/png").digest();
        assertThat(store.get(a)).isEmpty();
        assertThat(store.bytes()).isZero();
    }

    private static byte[] image(int fill) {
        byte[] bytes = new byte[SIZE];
        java.util.Arrays.fill(bytes, (byte) fill);
        return bytes;
    }
}

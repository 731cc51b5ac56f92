package imagen.gateway.config;

import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Counters by name and tag values, each looked up in the registry once: a registry lookup builds a
 * meter id on every call, which the per-request paths should not pay.
 */
@ApplicationScoped
public class TaggedCounters {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    public TaggedCounters(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param tags alternating tag keys and values, as {@link Tags#of(String...)} takes them
     */
    public Counter get(String name, String... tags) {
        return counters.computeIfAbsent(name + '\u0000' + String.join("\u0000", tags),
                key -> registry.counter(name, Tags.of(tags)));
    }
}

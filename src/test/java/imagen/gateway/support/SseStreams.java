package imagen.gateway.support;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.support.SseClient.Event;

/** What the SSE tests ask of a stream's events, and many clients posting at once. */
public final class SseStreams {

    private SseStreams() {
    }

    public static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    /** The sha256 of each {@code image} event, in order. */
    public static List<String> digests(List<Event> events) {
        return events.stream().filter(e -> e.name().equals("image")).map(e -> e.json().get("sha256").asText()).toList();
    }

    /** The data of the last event. */
    public static JsonNode last(List<Event> events) {
        return events.get(events.size() - 1).json();
    }

    /** {@code clients} clients post {@code body} at once, each reading its stream to the end. */
    public static List<List<Event>> concurrently(int clients, URI uri, String body, Map<String, String> headers,
            Duration wait) {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<CompletableFuture<List<Event>>> streams = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                streams.add(CompletableFuture.supplyAsync(() -> {
                    try (SseClient sse = SseClient.post(uri, body, headers)) {
                        return sse.readAll(wait);
                    }
                }, pool));
            }
            return streams.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }
    }
}

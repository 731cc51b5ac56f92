package imagen.gateway.support;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;

/**
 * Reads real Server-Sent Event streams over HTTP/1.1, line by line, as a browser does: events with
 * id, name and data, and comment lines (keep-alives). {@link #close()} closes the TCP connection,
 * like a browser tab going away. Every read is bounded in time.
 */
public final class SseClient implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Vertx VERTX = Vertx.vertx();
    /** One connection per stream, never reused: closing a stream must not close somebody else's request. */
    private static final HttpClient HTTP = VERTX.createHttpClient(new HttpClientOptions().setKeepAlive(false),
            new PoolOptions().setHttp1MaxSize(2000));
    private static final String END = "\u0000end";

    public record Event(String id, String name, String data) {
        public JsonNode json() {
            try {
                return MAPPER.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("event data is not JSON: " + data, e);
            }
        }

        public boolean terminal() {
            return "done".equals(name) || "error".equals(name);
        }
    }

    private final HttpClientRequest request;
    private final int status;
    private final MultiMap headers;
    private final LinkedBlockingQueue<String> lines;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private boolean ended;

    private SseClient(HttpClientRequest request, int status, MultiMap headers, LinkedBlockingQueue<String> lines) {
        this.request = request;
        this.status = status;
        this.headers = headers;
        this.lines = lines;
    }

    /** {@code POST} a JSON body with {@code Accept: text/event-stream}. */
    public static SseClient post(URI uri, String json, Map<String, String> headers) {
        return open(HttpMethod.POST, uri, json, headers);
    }

    /** {@code GET} an events URL, as EventSource does. */
    public static SseClient get(URI uri, Map<String, String> headers) {
        return open(HttpMethod.GET, uri, null, headers);
    }

    private static SseClient open(HttpMethod method, URI uri, String body, Map<String, String> extraHeaders) {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        CompletableFuture<SseClient> opened = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(uri.toString())
                .putHeader("Accept", "text/event-stream");
        if (body != null) {
            options.putHeader("Content-Type", "application/json");
        }
        extraHeaders.forEach(options::putHeader);
        HTTP.request(options).onFailure(opened::completeExceptionally).onSuccess(request -> {
            request.response().onFailure(opened::completeExceptionally).onSuccess(response -> {
                RecordParser parser = RecordParser.newDelimited("\n", line -> {
                    String text = line.toString();
                    lines.add(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
                });
                response.handler(parser);
                response.endHandler(v -> lines.add(END));
                response.exceptionHandler(e -> lines.add(END));
                request.connection().closeHandler(v -> lines.add(END));
                opened.complete(new SseClient(request, response.statusCode(), response.headers(), lines));
            });
            if (body != null) {
                request.end(Buffer.buffer(body));
            } else {
                request.end();
            }
        });
        try {
            return opened.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not open the stream " + uri, e);
        }
    }

    public int status() {
        return status;
    }

    public String header(String name) {
        return headers.get(name);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<String> comments() {
        return List.copyOf(comments);
    }

    /** Reads until an event matches; fails if the stream ends first or after {@code timeout}. */
    public Event awaitEvent(Predicate<Event> match, Duration timeout) {
        for (Event e : events) {
            if (match.test(e)) {
                return e;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Event next = readEvent(deadline);
            if (next == null) {
                throw new AssertionError("stream ended without the expected event; got " + events);
            }
            if (next != COMMENT && match.test(next)) {
                return next;
            }
        }
    }

    /** Reads to the end of the stream, which must come within {@code timeout}; returns every event. */
    public List<Event> readAll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (readEvent(deadline) != null) {
            // keep reading
        }
        return events();
    }

    /** Reads until {@code count} comment lines have arrived. */
    public void awaitComments(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (comments.size() < count) {
            if (readEvent(deadline) == null) {
                throw new AssertionError("stream ended after " + comments.size() + " comments");
            }
        }
    }

    /** Returned for a lone comment so loops can re-check their condition; never recorded as an event. */
    private static final Event COMMENT = new Event(null, ":comment", "");

    /** The next event, {@link #COMMENT} after a comment line, or null at end of stream. */
    private Event readEvent(long deadlineNanos) {
        String id = null;
        String name = "message";
        List<String> data = new ArrayList<>();
        boolean any = false;
        while (true) {
            String line = nextLine(deadlineNanos);
            if (line == null) {
                return null;
            }
            if (line.isEmpty()) {
                if (any) {
                    Event event = new Event(id, name, String.join("\n", data));
                    events.add(event);
                    return event;
                }
                continue;
            }
            if (line.startsWith(":")) {
                comments.add(line.substring(1).trim());
                if (!any) {
                    return COMMENT;
                }
                continue;
            }
            any = true;
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> name = value;
                case "data" -> data.add(value);
                default -> {
                }
            }
        }
    }

    private String nextLine(long deadlineNanos) {
        if (ended) {
            return null;
        }
        try {
            String line = lines.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("timed out reading the stream; got " + events);
            }
            if (END.equals(line)) {
                ended = true;
                return null;
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        request.connection().close();
    }
}

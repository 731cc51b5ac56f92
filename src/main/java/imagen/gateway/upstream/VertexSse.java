package imagen.gateway.upstream;

import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import imagen.gateway.config.GatewayConfig;
import io.netty.buffer.ByteBuf;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Server-Sent Events from Vertex AI ({@code :streamGenerateContent?alt=sse}) over the Vert.x
 * {@link HttpClient}, with a small SSE assembly of its own. Each event's {@code data} is handed on
 * whole, as an {@link InputStream} over the bytes received, in order.
 *
 * <h2>Why not the REST client</h2>
 * A Gemini image arrives as one SSE event of one line: a 4K PNG is 20–45 MB of base64. The REST
 * client's SSE support ({@code SseParser} of quarkus-rest-client) cannot take that: whenever an
 * event is not complete at the end of a network chunk it copies the bytes kept so far together with
 * the new chunk into a fresh array and parses the event again from its first byte, so a 20 MB line
 * arriving in 64 KB reads is re-copied and re-parsed ≈ 300 times (quadratic), and it builds the data
 * char by char in a {@code StringBuffer} (two bytes per base64 character), then a {@code String} of
 * it, which the JSON reader reads once more: about eight times the decoded image in memory, for one
 * image. {@code quarkus.rest-client.max-chunk-size} only changes how big the network chunks are, not
 * any of this. Vert.x's {@code RecordParser} is better but still appends into one growing buffer
 * (copied on every doubling) and copies each record out of it: up to three copies of the line.
 *
 * <h2>What this does instead</h2>
 * The buffers Vert.x delivers (heap copies, ≤ {@link #CHUNK_BYTES} each) are kept as they are,
 * sliced where lines end; an event's data is the list of those slices, never joined. The handler
 * parses the JSON straight from them (Jackson decodes an image's base64 once, straight into its
 * bytes), and each slice is let go as soon as the parser has read past it. So while an image
 * arrives it costs its base64 (≈ 1.33 × the image); while it is parsed the base64 drains as the
 * bytes fill; at the end Jackson's block builder and the final array exist together for one copy's
 * time (≈ 2 × the image at that instant), then only the image is kept. No String of a line, and
 * never the whole response body, is made. (Measured: parsing a 24 MB image from 32 MB of base64
 * allocates 2.0 × the image and takes about 50 ms, hence the worker.)
 *
 * <p>Non-blocking throughout: the request is written and the answer read on an event loop; an event
 * larger than {@link #INLINE_EVENT_BYTES} (an image, a preview) is parsed on a worker with the
 * response paused (which also pushes back on the server), then reading resumes on the event loop
 * where it stopped. Smaller events (text, the final usage) are handled where they arrived.
 *
 * <h2>How many large events at once</h2>
 * An image costs its base64 while it arrives, whatever the parsing does, and twenty 4K images
 * arriving together are 400 MB: more than the heap of a 512 MiB instance, which would die with all
 * its streams. So a stream whose event grows past {@link #LARGE_EVENT_BYTES} takes one of a fixed
 * number of permits ({@link LargeEvents}, {@code imagen.vertex.max-large-events}; by default one
 * per 128 MiB of heap) and holds it until that event is handled; without one its response is paused,
 * which pushes back on Vertex through TCP or HTTP/2 flow control, until a permit is handed to it in
 * arrival order. What already arrived is still scanned, so small events are never held up. Streams
 * holding permits never wait for anything but their own bytes, so they always finish and hand on.
 */
@ApplicationScoped
class VertexSse {

    /** The largest event accepted: over 2 × the base64 of a 4K PNG. */
    static final int MAX_EVENT_BYTES = 128 * 1024 * 1024;
    /** Events up to this size are parsed on the event loop (well under 0.1 ms of JSON). */
    static final int INLINE_EVENT_BYTES = 64 * 1024;
    /** Largest HTTP chunk Netty hands on at once (Vert.x's default is 8 KB). */
    static final int CHUNK_BYTES = 64 * 1024;
    /** An error answer's body is read up to this size; Vertex's error envelopes are a few hundred bytes. */
    static final int MAX_ERROR_BODY = 64 * 1024;
    /** An event growing past this needs a {@link LargeEvents} permit to go on arriving. */
    static final int LARGE_EVENT_BYTES = 1024 * 1024;

    /**
     * Takes one event's data: {@code length} bytes, readable once. The stream lets go of what has been
     * read; the handler need not close it. What it throws fails the call and closes the stream.
     */
    interface EventHandler {
        void onEvent(InputStream data, int length) throws Exception;
    }

    /** A non-2xx answer: its status, the start of its body, and its {@code Retry-After}. */
    interface ErrorMapper {
        RuntimeException toException(int status, String body, String retryAfter);
    }

    @Inject
    Vertx vertx;

    @Inject
    GatewayConfig config;

    private volatile HttpClient client;
    private volatile LargeEvents largeEvents;

    /**
     * Permits for large events in flight. Handed over in arrival order: a permit released while a
     * stream waits goes to that stream (its grant runs on its own event loop), never back to the pool.
     */
    static final class LargeEvents {

        private final int permits;
        private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        private int inUse;

        LargeEvents(int permits) {
            this.permits = Math.max(1, permits);
        }

        /** For a heap of {@code maxHeap} bytes: one permit per 128 MiB (a 4K image's base64 and its parse, twice over). */
        static LargeEvents forHeap(long maxHeap) {
            return new LargeEvents((int) Math.min(1024, maxHeap / (128L << 20)));
        }

        static LargeEvents unlimited() {
            return new LargeEvents(Integer.MAX_VALUE);
        }

        int permits() {
            return permits;
        }

        /** True when a permit was taken; otherwise {@code onGranted} runs once one is handed over. */
        synchronized boolean acquire(Runnable onGranted) {
            if (inUse < permits) {
                inUse++;
                return true;
            }
            waiting.add(onGranted);
            return false;
        }

        /** False when {@code onGranted} was handed a permit already (it will give it back). */
        synchronized boolean cancel(Runnable onGranted) {
            return waiting.remove(onGranted);
        }

        void release() {
            Runnable next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    inUse--;
                    return;
                }
            }
            next.run();
        }

        synchronized int waiting() {
            return waiting.size();
        }
    }

    /**
     * POSTs {@code body} to {@code url} and hands each event of the answer to {@code handler}, in
     * order. Completes when the stream ends; fails with what {@code errors} makes of a non-2xx
     * answer, with what the handler threw, or with the transport's failure. Cancelling it (the
     * attempt timeout, a cancelled job) closes the stream.
     */
    Uni<Void> post(String url, Map<String, String> headers, byte[] body, EventHandler handler, ErrorMapper errors) {
        return post(client(), Infrastructure.getDefaultWorkerPool(), largeEvents(), url, headers, body, handler, errors);
    }

    private LargeEvents largeEvents() {
        LargeEvents l = largeEvents;
        if (l == null) {
            synchronized (this) {
                l = largeEvents;
                if (l == null) {
                    int configured = config.vertex().maxLargeEvents();
                    l = configured > 0 ? new LargeEvents(configured) : LargeEvents.forHeap(Runtime.getRuntime().maxMemory());
                    largeEvents = l;
                }
            }
        }
        return l;
    }

    /** {@link #post(String, Map, byte[], EventHandler, ErrorMapper)} with a given client, and worker for large events. */
    static Uni<Void> post(HttpClient client, Executor worker, String url, Map<String, String> headers, byte[] body,
            EventHandler handler, ErrorMapper errors) {
        return post(client, worker, LargeEvents.unlimited(), url, headers, body, handler, errors);
    }

    /** The same, with the permits large events arrive under. */
    static Uni<Void> post(HttpClient client, Executor worker, LargeEvents large, String url, Map<String, String> headers,
            byte[] body, EventHandler handler, ErrorMapper errors) {
        return Uni.createFrom().emitter(emitter -> {
            Exchange exchange = new Exchange(emitter, handler, errors, worker, large);
            emitter.onTermination(exchange::abort);
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                    .putHeader("Content-Type", "application/json").putHeader("Accept", "text/event-stream");
            headers.forEach(options::putHeader);
            client.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    exchange.fail(opened.cause());
                    return;
                }
                HttpClientRequest request = opened.result();
                if (!exchange.started(request)) {
                    return;
                }
                request.response().onComplete(answered -> {
                    if (answered.failed()) {
                        exchange.fail(answered.cause());
                    } else {
                        exchange.read(answered.result());
                    }
                });
                request.end(Buffer.buffer(body));
            });
        });
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    long idleSeconds = Math.max(1, config.resilience().attemptTimeout().toSeconds());
                    // one connection per attempt in flight: the bulkhead bounds them, the pool must not queue below it
                    client = vertx.createHttpClient(options(idleSeconds),
                            new PoolOptions().setHttp1MaxSize(Math.max(8, config.resilience().bulkhead().maxConcurrent())));
                }
                c = client;
            }
        }
        return c;
    }

    /** HTTP/1.1 (one stream per connection, reused), 64 KB chunks, connect within 10 s, idle at most an attempt. */
    static HttpClientOptions options(long idleSeconds) {
        return new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setConnectTimeout(10_000)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleSeconds))
                .setKeepAlive(true)
                .setMaxChunkSize(CHUNK_BYTES)
                .setForceSni(true);
    }

    @PreDestroy
    void close() {
        HttpClient c = client;
        if (c != null) {
            c.close();
        }
    }

    /**
     * One request and its answer. Everything but the handler's offloaded parse runs on the
     * connection's event loop, so the state needs no locks; the offloaded parse touches only its
     * event's data and the handler, and hands back through {@link Context#runOnContext}.
     */
    private static final class Exchange {

        private final UniEmitter<? super Void> emitter;
        private final EventHandler handler;
        private final ErrorMapper errors;
        private final Executor worker;
        private final LargeEvents large;
        /** This stream's event is large and holds a permit / waits for one (the response paused meanwhile). */
        private boolean holdsPermit;
        private Runnable awaitedPermit;

        private volatile HttpClientRequest request;
        private HttpClientResponse response;
        private volatile Context context;

        /** Buffers received and not scanned yet (more arrive while a large event is parsed). */
        private final ArrayDeque<Buffer> input = new ArrayDeque<>();
        /** The line being received, as slices of what arrived, without its line feed. */
        private List<Buffer> line = new ArrayList<>();
        private long lineLength;
        /** The data of the event being received: the values of its {@code data:} lines, joined by line feeds. */
        private List<Buffer> data = new ArrayList<>();
        private long dataLength;
        private boolean hasData;

        private boolean parsing;
        private boolean ended;
        /** Completed, failed or aborted: nothing more happens. */
        private volatile boolean settled;

        Exchange(UniEmitter<? super Void> emitter, EventHandler handler, ErrorMapper errors, Executor worker,
                LargeEvents large) {
            this.emitter = emitter;
            this.handler = handler;
            this.errors = errors;
            this.worker = worker;
            this.large = large;
        }

        /** The request exists; false (and the request reset) when the call was cancelled meanwhile. */
        boolean started(HttpClientRequest opened) {
            request = opened;
            if (settled) {
                opened.reset();
                return false;
            }
            opened.exceptionHandler(this::fail);
            return true;
        }

        void read(HttpClientResponse answer) {
            if (settled) {
                return;
            }
            response = answer;
            context = Vertx.currentContext();
            if (answer.statusCode() / 100 != 2) {
                readError(answer);
                return;
            }
            answer.exceptionHandler(this::fail);
            answer.handler(buffer -> {
                input.add(buffer);
                pump();
            });
            answer.endHandler(v -> {
                ended = true;
                pump();
            });
        }

        private void readError(HttpClientResponse answer) {
            Buffer body = Buffer.buffer();
            answer.exceptionHandler(this::fail);
            answer.handler(chunk -> {
                if (body.length() < MAX_ERROR_BODY) {
                    body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - body.length()));
                }
            });
            answer.endHandler(v -> fail(errors.toException(answer.statusCode(), body.toString(),
                    answer.getHeader("Retry-After"))));
        }

        /** Scans what has arrived, line by line, until it runs out or an event went to a worker. */
        private void pump() {
            while (!parsing && !settled) {
                Buffer buffer = input.poll();
                if (buffer == null) {
                    if (ended) {
                        finish();
                    }
                    return;
                }
                scan(buffer);
            }
        }

        private void scan(Buffer buffer) {
            ByteBuf bytes = buffer.getByteBuf();
            int base = bytes.readerIndex();
            int length = buffer.length();
            int from = 0;
            while (from < length && !settled) {
                int lf = bytes.indexOf(base + from, base + length, (byte) '\n');
                if (lf < 0) {
                    addToLine(buffer.slice(from, length));
                    return;
                }
                int end = lf - base;
                if (end > from) {
                    addToLine(buffer.slice(from, end));
                }
                from = end + 1;
                lineEnded();
                if (parsing && from < length) {
                    // the rest waits until the event being parsed is done
                    input.addFirst(buffer.slice(from, length));
                    return;
                }
                if (parsing) {
                    return;
                }
            }
        }

        private void addToLine(Buffer slice) {
            line.add(slice);
            lineLength += slice.length();
            if (lineLength + dataLength > MAX_EVENT_BYTES) {
                fail(new UpstreamException(502, "BAD_GATEWAY", "upstream sent a stream event larger than "
                        + (MAX_EVENT_BYTES >> 20) + " MiB", false, null));
            } else if (!holdsPermit && awaitedPermit == null && lineLength + dataLength > LARGE_EVENT_BYTES) {
                takePermit();
            }
        }

        /** A large event is arriving: go on with a permit, or pause until one is handed over. */
        private void takePermit() {
            Context loop = context;
            Runnable granted = new Runnable() {
                @Override
                public void run() {
                    loop.runOnContext(v -> permitGranted(this));
                }
            };
            if (large.acquire(granted)) {
                holdsPermit = true;
            } else {
                awaitedPermit = granted;
                response.pause();
            }
        }

        private void permitGranted(Runnable granted) {
            if (settled || awaitedPermit != granted) {
                large.release();
                return;
            }
            awaitedPermit = null;
            holdsPermit = true;
            if (!parsing && !ended) {
                response.resume();
            }
        }

        /** The large event was handled, or the stream ended: the permit goes to the next stream waiting. */
        private void givePermitBack() {
            if (holdsPermit) {
                holdsPermit = false;
                large.release();
            }
            Runnable awaited = awaitedPermit;
            if (awaited != null) {
                awaitedPermit = null;
                if (!large.cancel(awaited)) {
                    // handed over meanwhile: its grant, on this loop, sees it is no longer awaited and gives it back
                    return;
                }
            }
        }

        /** The end of the stream: a last line or event without its terminator still counts. */
        private void finish() {
            if (lineLength > 0 || !line.isEmpty()) {
                lineEnded();
                if (parsing || settled) {
                    return;
                }
            }
            if (hasData) {
                dispatch();
                if (parsing || settled) {
                    return;
                }
            }
            settled = true;
            givePermitBack();
            emitter.complete(null);
        }

        /** A large line that was not data (a comment, another field) was dropped: its permit is not needed. */
        private void keepPermitOnlyForData() {
            if (dataLength <= LARGE_EVENT_BYTES) {
                givePermitBack();
            }
        }

        /** One line of the stream, per the SSE format: a field, a comment, or the blank line that ends an event. */
        private void lineEnded() {
            List<Buffer> text = line;
            long length = lineLength;
            line = new ArrayList<>();
            lineLength = 0;
            if (length > 0 && byteAt(text, length - 1) == '\r') {
                length--;
            }
            if (length == 0) {
                if (hasData) {
                    dispatch();
                }
                return;
            }
            byte first = byteAt(text, 0);
            if (first == ':') {
                keepPermitOnlyForData();
                return;
            }
            // field names are short: look for the colon among the first bytes only
            int colon = -1;
            for (int i = 0; i < Math.min(length, 16); i++) {
                if (byteAt(text, i) == ':') {
                    colon = i;
                    break;
                }
            }
            if (colon != 4 || byteAt(text, 0) != 'd' || byteAt(text, 1) != 'a' || byteAt(text, 2) != 't'
                    || byteAt(text, 3) != 'a') {
                keepPermitOnlyForData();
                return;
            }
            long valueStart = colon + 1;
            if (valueStart < length && byteAt(text, valueStart) == ' ') {
                valueStart++;
            }
            if (hasData) {
                data.add(NEWLINE);
                dataLength++;
            }
            hasData = true;
            dataLength += appendRange(text, valueStart, length, data);
        }

        /** Hands the event's data to the handler: here when small, else on a worker with the response paused. */
        private void dispatch() {
            List<Buffer> event = data;
            int length = (int) dataLength;
            data = new ArrayList<>();
            dataLength = 0;
            hasData = false;
            if (length <= INLINE_EVENT_BYTES) {
                givePermitBack();
                Throwable failure = handle(event, length);
                if (failure != null) {
                    fail(failure);
                }
                return;
            }
            parsing = true;
            response.pause();
            worker.execute(() -> {
                Throwable failure = handle(event, length);
                context.runOnContext(v -> {
                    parsing = false;
                    givePermitBack();
                    if (failure != null) {
                        fail(failure);
                        return;
                    }
                    pump();
                    if (!parsing && !settled && !ended && awaitedPermit == null) {
                        response.resume();
                    }
                });
            });
        }

        private Throwable handle(List<Buffer> event, int length) {
            if (settled) {
                return null;
            }
            try {
                handler.onEvent(new SlicesInputStream(event), length);
                return null;
            } catch (Throwable t) {
                return t;
            }
        }

        void fail(Throwable failure) {
            if (settled) {
                return;
            }
            settled = true;
            release();
            emitter.fail(failure);
        }

        /**
         * The call ended from outside (the attempt timeout, a cancelled job; any thread) or settled:
         * a stream still open is closed, and what it kept is let go on its event loop.
         */
        void abort() {
            if (settled) {
                return;
            }
            settled = true;
            Context c = context;
            if (c != null) {
                c.runOnContext(v -> release());
            } else {
                reset();
            }
        }

        /** On the event loop. */
        private void release() {
            givePermitBack();
            input.clear();
            line = new ArrayList<>();
            data = new ArrayList<>();
            reset();
        }

        private void reset() {
            HttpClientRequest r = request;
            if (r != null) {
                // an unfinished HTTP/1.1 exchange cannot be reused: resetting it closes the connection
                r.reset();
            }
        }

        private static final Buffer NEWLINE = Buffer.buffer(new byte[] {'\n'});

        private static byte byteAt(List<Buffer> slices, long index) {
            long offset = index;
            for (Buffer slice : slices) {
                if (offset < slice.length()) {
                    return slice.getByte((int) offset);
                }
                offset -= slice.length();
            }
            throw new IndexOutOfBoundsException(String.valueOf(index));
        }

        /** Appends bytes {@code [from, to)} of {@code slices} to {@code target}, as slices; returns how many. */
        private static long appendRange(List<Buffer> slices, long from, long to, List<Buffer> target) {
            long offset = 0;
            for (Buffer slice : slices) {
                long start = Math.max(from, offset);
                long end = Math.min(to, offset + slice.length());
                if (start < end) {
                    target.add(start == offset && end == offset + slice.length() ? slice
                            : slice.slice((int) (start - offset), (int) (end - offset)));
                }
                offset += slice.length();
            }
            return Math.max(0, to - from);
        }
    }

    /** Reads a list of slices in order, letting go of each one as soon as it has been read. */
    static final class SlicesInputStream extends InputStream {

        private final List<Buffer> slices;
        private int current;
        private int position;

        SlicesInputStream(List<Buffer> slices) {
            this.slices = slices;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            while (current < slices.size()) {
                Buffer slice = slices.get(current);
                int left = slice.length() - position;
                if (left > 0) {
                    int n = Math.min(left, length);
                    slice.getBytes(position, position + n, target, offset);
                    position += n;
                    return n;
                }
                slices.set(current++, null);
                position = 0;
            }
            return -1;
        }

        @Override
        public void close() {
            for (int i = current; i < slices.size(); i++) {
                slices.set(i, null);
            }
            current = slices.size();
        }
    }
}

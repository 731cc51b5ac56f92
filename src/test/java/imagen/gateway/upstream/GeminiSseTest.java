package imagen.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The SSE transport of the Gemini stream against a real HTTP server that cuts its answer where a
 * test says: lines and events split across network chunks, large events parsed off the event loop
 * in order, error answers, and a cancelled call closing its connection.
 */
class GeminiSseTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static Vertx vertx;
    private static HttpServer server;
    private static HttpClient client;
    private static ExecutorService worker;
    private static volatile Consumer<HttpServerResponse> answer;
    private static final AtomicBoolean serverSawClose = new AtomicBoolean();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            request.connection().closeHandler(v -> serverSawClose.set(true));
            answer.accept(request.response());
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        client = vertx.createHttpClient(VertexSse.options(30));
        worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-worker"));
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        vertx.close();
        worker.shutdownNow();
    }

    /** The server answers 200 with these pieces, each written on its own after a short pause. */
    private static void answerInPieces(String... pieces) {
        answer = response -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            writeFrom(response, Arrays.stream(pieces).map(p -> Buffer.buffer(p)).toList(), 0);
        };
    }

    private static void writeFrom(HttpServerResponse response, List<Buffer> pieces, int next) {
        if (next == pieces.size()) {
            response.end();
            return;
        }
        response.write(pieces.get(next));
        vertx.setTimer(5, t -> writeFrom(response, pieces, next + 1));
    }

    private static String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/stream";
    }

    private record Seen(String data, int length, String thread) {
    }

    private static Uni<Void> post(List<Seen> seen) {
        return VertexSse.post(client, worker, url(), Map.of("X-Test", "1"), "{}".getBytes(StandardCharsets.UTF_8),
                (InputStream data, int length) -> seen.add(new Seen(new String(data.readAllBytes(), StandardCharsets.UTF_8),
                        length, Thread.currentThread().getName())),
                VertexErrors::fromResponse);
    }

    @Test
    void assemblesEventsWhateverTheChunksCutThrough() {
        answerInPieces("da", "ta: {\"a\":1}\r", "\n\r\n: keep-alive\r\nevent: x\r\nid: 7\r\ndata:{\"b\"", ":2}\n\n",
                "data: line one\ndata: line two\n\n\n\ndata: {\"c\":3}\r\n", "\r\ndata: without a blank line at the end");
        List<Seen> seen = new CopyOnWriteArrayList<>();

        post(seen).await().atMost(WAIT);

        assertThat(seen).extracting(Seen::data).containsExactly("{\"a\":1}", "{\"b\":2}", "line one\nline two",
                "{\"c\":3}", "without a blank line at the end");
        assertThat(seen).allSatisfy(s -> assertThat(s.length()).isEqualTo(s.data().length()));
        assertThat(seen).allSatisfy(s -> assertThat(s.thread()).as("small events stay on the event loop")
                .startsWith("vert.x-eventloop"));
    }

    @Test
    void parsesALargeEventOnAWorkerAndKeepsTheOrder() {
        String large = "x".repeat(3 * VertexSse.INLINE_EVENT_BYTES + 17);
        String event = "data: " + large + "\r\n\r\n";
        // the large line arrives in 40 pieces; the event after it shares its last piece
        int step = event.length() / 40;
        String[] pieces = new String[41];
        for (int i = 0; i < 40; i++) {
            pieces[i] = event.substring(i * step, i == 39 ? event.length() : (i + 1) * step);
        }
        pieces[39] = pieces[39] + "data: after\r\n\r\ndata: last";
        pieces[40] = "\r\n\r\n";
        answerInPieces(pieces);
        List<Seen> seen = new CopyOnWriteArrayList<>();

        post(seen).await().atMost(WAIT);

        assertThat(seen).extracting(Seen::data).containsExactly(large, "after", "last");
        assertThat(seen.get(0).thread()).isEqualTo("test-worker");
        assertThat(seen.get(1).thread()).startsWith("vert.x-eventloop");
    }

    @Test
    void aNon2xxAnswerIsVertexsErrorWithItsWait() {
        answer = response -> response.setStatusCode(429).putHeader("Content-Type", "application/json")
                .putHeader("Retry-After", "3")
                .end("{\"error\":{\"code\":429,\"message\":\"Quota exceeded\",\"status\":\"RESOURCE_EXHAUSTED\"}}");

        Throwable failure = catchThrowable(() -> post(new CopyOnWriteArrayList<>()).await().atMost(WAIT));

        assertThat(failure).isInstanceOf(UpstreamException.class);
        UpstreamException upstream = (UpstreamException) failure;
        assertThat(upstream.httpStatus()).isEqualTo(429);
        assertThat(upstream.vertexStatus()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(upstream.getMessage()).isEqualTo("Quota exceeded");
        assertThat(upstream.retryAfter()).contains(Duration.ofSeconds(3));
    }

    @Test
    void whatTheHandlerThrowsFailsTheCallAndNothingAfterItIsHandled() {
        answerInPieces("data: one\n\ndata: two\n\n", "data: three\n\n");
        List<String> seen = new CopyOnWriteArrayList<>();
        Uni<Void> call = VertexSse.post(client, worker, url(), Map.of(), new byte[0], (data, length) -> {
            String text = new String(data.readAllBytes(), StandardCharsets.UTF_8);
            seen.add(text);
            if (text.equals("one")) {
                throw new UpstreamException(429, "RESOURCE_EXHAUSTED", "error chunk", true, null);
            }
        }, VertexErrors::fromResponse);

        Throwable failure = catchThrowable(() -> call.await().atMost(WAIT));

        assertThat(failure).isInstanceOf(UpstreamException.class).hasMessage("error chunk");
        assertThat(seen).containsExactly("one");
    }

    @Test
    void cancellingTheCallClosesTheStream() {
        serverSawClose.set(false);
        // one event, then the stream stays open
        answer = response -> response.setChunked(true).putHeader("Content-Type", "text/event-stream")
                .write("data: first\r\n\r\n");
        AtomicReference<String> first = new AtomicReference<>();
        Cancellable call = VertexSse.post(client, worker, url(), Map.of(), new byte[0],
                (data, length) -> first.set(new String(data.readAllBytes(), StandardCharsets.UTF_8)),
                VertexErrors::fromResponse).subscribe().with(v -> {
                }, e -> {
                });

        await().atMost(WAIT).until(() -> "first".equals(first.get()));
        call.cancel();

        await().atMost(WAIT).untilTrue(serverSawClose);
    }

    /**
     * With one permit, a stream whose event grows past {@link VertexSse#LARGE_EVENT_BYTES} while another
     * holds the permit waits, paused, and goes on when it is handed over: every stream completes, in full.
     */
    @Test
    void largeEventsArriveUnderPermitsAndEveryStreamFinishes() throws Exception {
        String large = "y".repeat(VertexSse.LARGE_EVENT_BYTES + 4096);
        answer = response -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            List<Buffer> pieces = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String event = "data: " + large + i + "\n\n";
                for (int at = 0; at < event.length(); at += 256 * 1024) {
                    pieces.add(Buffer.buffer(event.substring(at, Math.min(event.length(), at + 256 * 1024))));
                }
            }
            pieces.add(Buffer.buffer("data: end\n\n"));
            writeFrom(response, pieces, 0);
        };
        VertexSse.LargeEvents permits = new VertexSse.LargeEvents(1);
        ExecutorService parsers = Executors.newCachedThreadPool();
        java.util.concurrent.CountDownLatch firstHandled = new java.util.concurrent.CountDownLatch(1);
        try {
            List<List<String>> seen = List.of(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
            List<java.util.concurrent.CompletableFuture<Void>> calls = new java.util.ArrayList<>();
            for (List<String> events : seen) {
                calls.add(VertexSse.post(client, parsers, permits, url(), Map.of(), new byte[0], (data, length) -> {
                    String text = new String(data.readAllBytes(), StandardCharsets.UTF_8);
                    if (length > VertexSse.INLINE_EVENT_BYTES) {
                        // the first large event handled keeps its permit until the others are seen waiting
                        firstHandled.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                    events.add(text.length() > 16 ? "large" + text.charAt(text.length() - 1) : text);
                }, VertexErrors::fromResponse).subscribeAsCompletionStage());
            }
            await().atMost(WAIT).until(() -> permits.waiting() == 2);
            firstHandled.countDown();
            java.util.concurrent.CompletableFuture.allOf(calls.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            for (List<String> events : seen) {
                assertThat(events).containsExactly("large0", "large1", "end");
            }
            assertThat(permits.waiting()).isZero();
            assertThat(permits.acquire(() -> { })).as("the permit is back").isTrue();
        } finally {
            parsers.shutdownNow();
        }
    }

    @Test
    void aStreamCancelledWhileWaitingForAPermitGivesUpItsPlace() {
        VertexSse.LargeEvents permits = new VertexSse.LargeEvents(1);
        assertThat(permits.acquire(() -> { })).isTrue();
        String event = "data: " + "z".repeat(VertexSse.LARGE_EVENT_BYTES + 4096) + "\n\n";
        // the first piece passes the threshold; the rest of the event comes after it
        answerInPieces(event.substring(0, VertexSse.LARGE_EVENT_BYTES + 100), event.substring(VertexSse.LARGE_EVENT_BYTES + 100));
        Cancellable call = VertexSse.post(client, worker, permits, url(), Map.of(), new byte[0], (data, length) -> {
        }, VertexErrors::fromResponse).subscribe().with(v -> { }, f -> { });
        await().atMost(WAIT).until(() -> permits.waiting() == 1);

        call.cancel();

        await().atMost(WAIT).until(() -> permits.waiting() == 0);
        permits.release();
        assertThat(permits.acquire(() -> { })).as("the one permit is free again, not handed to the cancelled stream").isTrue();
    }
}

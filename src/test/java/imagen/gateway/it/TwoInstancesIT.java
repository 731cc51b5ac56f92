package imagen.gateway.it;

import static imagen.gateway.support.SseStreams.digests;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import imagen.gateway.support.RedisTestServer;
import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;

/**
 * Two real gateway processes (the packaged jar, production defaults: the Gemini default model on
 * the embedded simulator) on one Redis, as on Cloud Run: identical
 * requests split across them make one upstream call, a result computed on one is a hit on the
 * other, and a stream started on one resumes on the other.
 */
class TwoInstancesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final RedisTestServer REDIS = new RedisTestServer();
    private static final List<Process> PROCESSES = new ArrayList<>();
    private static URI a;
    private static URI b;
    private static int seed = 7_000_000;

    @BeforeAll
    static void startTwoInstances() throws IOException {
        REDIS.start();
        a = start(freePort(), "a");
        b = start(freePort(), "b");
        for (URI instance : List.of(a, b)) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> get(instance.resolve("/q/health/ready")).statusCode() == 200);
        }
    }

    @AfterAll
    static void stopEverything() {
        PROCESSES.forEach(Process::destroy);
        PROCESSES.forEach(p -> {
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        REDIS.stop();
    }

    @Test
    void identicalRequestsOnBothInstancesMakeOneUpstreamCall() {
        String body = seeded();
        double before = upstreamCalls();
        ExecutorService clients = Executors.newFixedThreadPool(20);
        try {
            List<CompletableFuture<List<Event>>> streams = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                URI instance = i % 2 == 0 ? a : b;
                streams.add(CompletableFuture.supplyAsync(() -> {
                    try (SseClient sse = SseClient.post(instance.resolve("/v1/generations"), body,
                            Map.of("X-Simulator-Fault", "delay:2000"))) {
                        return sse.readAll(WAIT);
                    }
                }, clients));
            }
            List<List<Event>> all = streams.stream().map(CompletableFuture::join).toList();
            assertThat(all).allMatch(events -> events.get(events.size() - 1).name().equals("done"));
            List<String> digests = digests(all.get(0));
            assertThat(all).allMatch(events -> digests(events).equals(digests));
            assertThat(upstreamCalls() - before).as("one generation across both instances: a call per sample")
                    .isEqualTo(2);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aResultComputedOnOneInstanceIsAHitOnTheOther() throws Exception {
        String body = seeded();
        List<Event> first = run(a, body);
        List<Event> second = run(b, body);
        assertThat(second.get(0).json().get("cache").asText()).isEqualTo("hit");
        assertThat(digests(second)).isEqualTo(digests(first));
        String url = second.stream().filter(e -> e.name().equals("image")).findFirst().orElseThrow().json().get("url").asText();
        HttpResponse<byte[]> image = HTTP.send(HttpRequest.newBuilder(b.resolve(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.headers().firstValue("content-type")).hasValue("image/png");
    }

    @Test
    void aStreamStartedOnOneInstanceResumesOnTheOther() {
        String id;
        try (SseClient onA = SseClient.post(a.resolve("/v1/generations"), seeded(), Map.of("X-Simulator-Fault", "delay:2000"))) {
            onA.awaitEvent(e -> e.name().equals("attempt"), WAIT);
            id = onA.events().get(0).json().get("id").asText();
        }
        try (SseClient onB = SseClient.get(b.resolve("/v1/generations/" + id + "/events"), Map.of("Last-Event-ID", "2"))) {
            List<Event> rest = onB.readAll(WAIT);
            assertThat(rest.get(0).id()).as("only events after 2").isEqualTo("3");
            for (int i = 1; i < rest.size(); i++) {
                assertThat(Long.parseLong(rest.get(i).id())).as("no gap, no repeat").isEqualTo(Long.parseLong(rest.get(i - 1).id()) + 1);
            }
            assertThat(rest.stream().filter(e -> e.name().equals("image"))).hasSize(2);
            assertThat(rest.get(rest.size() - 1).name()).isEqualTo("done");
        }
    }

    /**
     * Events are pushed across instances, not polled: B, coalesced onto A's identical generation,
     * sees {@code done} within a few milliseconds of A. {@code -Dgap.rounds=100} makes it the
     * benchmark of {@code bench/cross-instance.sh}, which writes every gap to
     * {@code target/cross-instance-gaps.csv}.
     */
    @Test
    void aFollowerOnTheOtherInstanceSeesDoneWithinMillisecondsOfTheLeader() throws Exception {
        int rounds = Integer.getInteger("gap.rounds", 3);
        List<Long> gaps = new ArrayList<>();
        int hits = 0;
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                String body = seeded(1);
                double before = upstreamCalls();
                // a 1.5 s upstream: 200 ms of simulator latency plus this delay
                CompletableFuture<long[]> onA = CompletableFuture.supplyAsync(
                        () -> doneAt(a, body, Map.of("X-Simulator-Fault", "delay:1300")), clients);
                // the identical request on B, 0.4 s later
                CompletableFuture<long[]> onB = CompletableFuture.supplyAsync(() -> doneAt(b, body, Map.of()),
                        CompletableFuture.delayedExecutor(400, java.util.concurrent.TimeUnit.MILLISECONDS, clients));
                long[] leader = onA.get(60, java.util.concurrent.TimeUnit.SECONDS);
                long[] follower = onB.get(60, java.util.concurrent.TimeUnit.SECONDS);
                // whichever took the key's lock first leads (miss); the other is coalesced onto it, or, when
                // it reached the cache only after the leader finished (a slow first request on busy cores), a hit
                List<String> outcomes = java.util.stream.Stream.of(leader[1], follower[1]).map(o -> CACHE[o.intValue()]).sorted().toList();
                assertThat(outcomes).as("one leader and one follower").isIn(List.of("coalesced", "miss"), List.of("hit", "miss"));
                assertThat(upstreamCalls() - before).as("one upstream call").isEqualTo(1);
                if (outcomes.contains("coalesced")) {
                    gaps.add(Math.abs(follower[0] - leader[0]) / 1_000);
                } else {
                    hits++;
                }
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(gaps).as("rounds where the follower was coalesced").hasSizeGreaterThan(rounds / 2);
        List<Long> sorted = gaps.stream().sorted().toList();
        long p50 = sorted.get(sorted.size() / 2);
        long p99 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
        java.nio.file.Files.writeString(java.nio.file.Path.of("target/cross-instance-gaps.csv"),
                "round,gap_us\n" + java.util.stream.IntStream.range(0, gaps.size())
                        .mapToObj(i -> i + "," + gaps.get(i)).collect(java.util.stream.Collectors.joining("\n"))
                        + "\n# p50_us=" + p50 + " p99_us=" + p99 + " rounds=" + rounds + " hit_rounds=" + hits + "\n");
        assertThat(p50).as("median gap between A's done and B's done, µs").isLessThanOrEqualTo(50_000);
    }

    private static final String[] CACHE = {"miss", "coalesced", "hit"};

    /** When {@code done} arrived (nanoTime), and the job's cache outcome as an index into {@link #CACHE}. */
    private static long[] doneAt(URI instance, String body, Map<String, String> headers) {
        try (SseClient sse = SseClient.post(instance.resolve("/v1/generations"), body, headers)) {
            Event done = sse.awaitEvent(e -> e.name().equals("done"), WAIT);
            long at = System.nanoTime();
            return new long[] {at, List.of(CACHE).indexOf(done.json().get("cache").asText())};
        }
    }

    private static List<Event> run(URI instance, String body) {
        try (SseClient sse = SseClient.post(instance.resolve("/v1/generations"), body, Map.of())) {
            return sse.readAll(WAIT);
        }
    }

    /** A seeded request for the default model (the packaged jar runs the production defaults: Gemini). */
    private static String seeded() {
        return seeded(2);
    }

    private static String seeded(int samples) {
        return "{\"prompt\":\"two instances " + System.nanoTime() + "\",\"sampleCount\":" + samples + ",\"seed\":"
                + (seed++) + "}";
    }

    /** Simulator requests across both instances (each calls its own embedded simulator). */
    private static double upstreamCalls() {
        double total = 0;
        for (URI instance : List.of(a, b)) {
            String metrics = get(instance.resolve("/q/metrics")).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("imagen_simulator_requests_total")) {
                    total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return total;
    }

    private static HttpResponse<String> get(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static URI start(int port, String name) throws IOException {
        File jar = new File("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("run after package: " + jar.getAbsolutePath()).exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java,
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dimagen.cache.backend=redis",
                "-Dquarkus.redis.hosts=" + REDIS.url(),
                "-Dimagen.simulator.latency=200ms",
                "-Dquarkus.log.console.json.enabled=false",
                "-jar", jar.getAbsolutePath())
                .redirectErrorStream(true)
                .redirectOutput(new File("target/instance-" + name + ".log"))
                .start();
        PROCESSES.add(process);
        return URI.create("http://127.0.0.1:" + port);
    }

    private static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

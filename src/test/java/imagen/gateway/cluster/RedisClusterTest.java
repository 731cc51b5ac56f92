package imagen.gateway.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.ModelCatalog;
import imagen.gateway.request.RequestKey;
import imagen.gateway.support.RedisTestServer;
import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.XAddArgs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The Redis ports against a real redis-server. Another instance is played by writing to Redis
 * what that instance would write (its lock, its job log and the pushed events, its outcome);
 * {@code TwoInstancesIT} runs two real gateway processes.
 */
@QuarkusTest
@TestProfile(RedisClusterTest.WithRedis.class)
class RedisClusterTest {

    public static class WithRedis implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RedisTestServer.class));
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static int seed = 900_000;

    @TestHTTPResource("/")
    URI base;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry metrics;

    @Inject
    ModelCatalog catalog;

    @Test
    void sharesResultsImagesAndJobLogsInRedis() {
        String body = seeded(seed++);
        List<Event> events = run(body, Map.of());
        String id = events.get(0).json().get("id").asText();
        String digest = events.get(2).json().get("sha256").asText();

        assertThat(redis.key().exists("imagen:result:" + keyOf(body))).as("the result, under its key").isTrue();
        assertThat(redis.key().exists("imagen:image:" + digest)).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(redis.stream(String.class).xlen("imagen:job:" + id + ":log"))
                .as("every event in the job's stream, once").isEqualTo(events.size()));
        assertThat(redis.key().exists("imagen:job:" + id + ":outcome")).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(redis.key().exists("imagen:lock:" + keyOf(body)))
                .as("the lock is released").isFalse());
    }

    @Test
    void followsTheInstanceThatHoldsTheKeysLockInsteadOfCallingUpstream() {
        String body = seeded(seed++);
        // another instance owns this key and has logged accepted and an attempt so far
        String key = keyOf(body);
        String otherJob = "gen_otherinstance" + System.nanoTime();
        redis.value(String.class).set("imagen:lock:" + key, "other|" + otherJob);
        logElsewhere(otherJob, 1, "accepted", "{\"cache\":\"miss\"}");
        logElsewhere(otherJob, 2, "attempt", "{\"attempt\":1,\"location\":\"us-central1\"}");
        double calls = simulatorCalls();

        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            assertThat(sse.awaitEvent(e -> e.name().equals("accepted"), WAIT).json().get("cache").asText())
                    .isEqualTo("coalesced");
            sse.awaitEvent(e -> e.name().equals("attempt"), WAIT);
            // the other instance finishes: its outcome first, then its terminal event
            redis.value(String.class).set("imagen:job:" + otherJob + ":outcome", TWO_FILTERED);
            logElsewhere(otherJob, 3, "filtered", "{\"index\":0,\"reason\":\"x\"}");
            logElsewhere(otherJob, 4, "filtered", "{\"index\":1,\"reason\":\"x\"}");
            logElsewhere(otherJob, 5, "done", "{\"images\":0,\"filtered\":2,\"cache\":\"miss\"}");
            List<Event> events = sse.readAll(WAIT);
            assertThat(events.stream().map(Event::name).toList())
                    .containsExactly("accepted", "attempt", "filtered", "filtered", "done");
            assertThat(events.get(4).json().get("cache").asText()).isEqualTo("coalesced");
            assertThat(events.get(4).json().get("filtered").asInt()).isEqualTo(2);
            assertThat(events.get(4).json().get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(simulatorCalls()).isEqualTo(calls);
    }

    @Test
    void takesOverWhenTheLockHolderGoesAwayWithoutAResult() {
        String body = seeded(seed++);
        String key = keyOf(body);
        redis.value(String.class).set("imagen:lock:" + key, "other|gen_vanished" + seed);
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            assertThat(sse.awaitEvent(e -> e.name().equals("accepted"), WAIT).json().get("cache").asText())
                    .isEqualTo("coalesced");
            redis.key().del("imagen:lock:" + key);
            List<Event> events = sse.readAll(WAIT);
            assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
            assertThat(events.stream().map(Event::name)).contains("attempt", "image");
        }
    }

    @Test
    void aStreamCanResumeOnAnInstanceThatDidNotRunTheJob() {
        String otherJob = "gen_elsewhere" + System.nanoTime();
        redis.value(String.class).set("imagen:job:" + otherJob + ":request",
                "{\"model\":\"imagen-4.0-fast-generate-001\",\"sampleCount\":1,\"deterministic\":false}");
        logElsewhere(otherJob, 1, "accepted", "{\"cache\":\"miss\"}");
        logElsewhere(otherJob, 2, "attempt", "{\"attempt\":1,\"location\":\"us-central1\"}");
        logElsewhere(otherJob, 3, "filtered", "{\"index\":0,\"reason\":\"x\"}");

        try (SseClient sse = SseClient.get(base.resolve("/v1/generations/" + otherJob + "/events"),
                Map.of("Last-Event-ID", "2"))) {
            assertThat(sse.awaitEvent(e -> e.name().equals("filtered"), WAIT).id()).isEqualTo("3");
            redis.value(String.class).set("imagen:job:" + otherJob + ":outcome", ONE_FILTERED);
            logElsewhere(otherJob, 4, "done", "{\"images\":0,\"filtered\":1,\"cache\":\"miss\"}");
            assertThat(sse.readAll(WAIT)).extracting(Event::id).containsExactly("3", "4");
        }
        given().when().get("/v1/generations/" + otherJob).then().statusCode(200)
                .body("status", equalTo("succeeded")).body("filtered.size()", equalTo(1));
    }

    @Test
    void keepsServingWhenRedisGoesAwayAndSharesAgainWhenItIsBack() {
        RedisTestServer server = RedisTestServer.current();
        server.stopServer();
        try {
            String body = seeded(seed++);
            List<Event> first = run(body, Map.of());
            assertThat(first.get(first.size() - 1).name()).isEqualTo("done");
            assertThat(run(body, Map.of()).get(0).json().get("cache").asText()).as("in-process cache").isEqualTo("hit");
            assertThat(run("{\"prompt\":\"no redis\",\"sampleCount\":1}", Map.of()).get(0).name()).isEqualTo("accepted");
            given().when().get("/q/health/ready").then().statusCode(200)
                    .body("checks.data.redis", hasItem(org.hamcrest.Matchers.startsWith("degraded")));
            given().when().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString("imagen_redis_failures_total"));
        } finally {
            server.startServer();
        }
        await().atMost(WAIT).untilAsserted(() -> given().when().get("/q/health/ready").then()
                .body("checks.data.redis", hasItem("up")));
        List<Event> after = run(seeded(seed++), Map.of());
        String digest = after.get(2).json().get("sha256").asText();
        assertThat(redis.key().exists("imagen:image:" + digest)).isTrue();
    }

    @Test
    void servesImagesThatOnlyRedisHas() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        String digest = ImageStore.sha256(png);
        byte[] value = new byte[10 + png.length];
        System.arraycopy("image/png\n".getBytes(), 0, value, 0, 10);
        System.arraycopy(png, 0, value, 10, png.length);
        redis.value(byte[].class).set("imagen:image:" + digest, value);
        byte[] served = given().when().get("/v1/images/" + digest).then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertThat(served).isEqualTo(png);
    }

    private List<Event> run(String body, Map<String, String> headers) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, headers)) {
            return sse.readAll(WAIT);
        }
    }

    /** A request no other test sends (the prompt is unique too: results outlive a test in Redis and in process). */
    private static String seeded(int seed) {
        return "{\"prompt\":\"redis " + System.nanoTime() + "\",\"sampleCount\":2,\"seed\":" + seed
                + ",\"addWatermark\":false}";
    }

    private String keyOf(String body) {
        try {
            var raw = new com.fasterxml.jackson.databind.ObjectMapper().readValue(body, GenerationRequest.class);
            return RequestKey.of(CanonicalRequest.of(raw, catalog.model(raw.model()).orElseThrow(), Map.of(), null));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final String TWO_FILTERED = "{\"result\":{\"model\":\"imagen-4.0-fast-generate-001\",\"outputs\":["
            + "{\"kind\":\"filtered\",\"index\":0,\"reason\":\"x\"},{\"kind\":\"filtered\",\"index\":1,\"reason\":\"x\"}],"
            + "\"attempts\":1,\"upstreamMs\":5},\"cache\":\"miss\"}";
    private static final String ONE_FILTERED = "{\"result\":{\"model\":\"imagen-4.0-fast-generate-001\",\"outputs\":["
            + "{\"kind\":\"filtered\",\"index\":0,\"reason\":\"x\"}],\"attempts\":1,\"upstreamMs\":5},\"cache\":\"miss\"}";

    /** What another instance's job log does with an event: appended to the job's stream, then pushed. */
    private void logElsewhere(String jobId, long id, String type, String json) {
        redis.stream(String.class).xadd("imagen:job:" + jobId + ":log", new XAddArgs().id("0-" + id),
                Map.of("type", type, "json", json));
        redis.pubsub(JobEvent.class).publish("imagen:events:" + jobId, new JobEvent(id, type, json, null));
    }

    private double simulatorCalls() {
        return metrics.counter("imagen.simulator.requests").count();
    }
}
